package engine

import (
	"context"
	"reflect"
)

// drillJob returns the scheduled drill when the engine has drills, nil when
// it does not yet. Drills are built separately (the recovery runbooks); the
// watcher finds Engine.Drill(ctx, request, observer) (report, error) by
// reflection so that it neither depends on its request type nor breaks
// while that code changes. A zero request drills every standby and set.
func (e *Engine) drillJob(obs Observer) func(ctx context.Context) error {
	m := reflect.ValueOf(e).MethodByName("Drill")
	if !m.IsValid() {
		return nil
	}
	t := m.Type()
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	if t.NumIn() != 3 || t.In(0) != ctxType || t.In(2) != reflect.TypeFor[Observer]() ||
		t.NumOut() != 2 || t.Out(1) != errType {
		return nil
	}
	req := t.In(1)
	return func(ctx context.Context) error {
		out := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.Zero(req), reflect.ValueOf(obs)})
		if err, _ := out[1].Interface().(error); err != nil {
			return err
		}
		return nil
	}
}
