package engine

// couldNotRun marks the drill as not evaluated: what stopped it is about
// reaching the standby or the scratch space, not about the standby's data.
func (d *drillRun) couldNotRun(err error) error {
	if d.notRun == "" {
		d.notRun = err.Error()
	}
	return err
}

// CouldNotRun says the drill was not evaluated. Reports stored before the
// field existed decode with Evaluated false but no reason: they ran.
func (r *DrillReport) CouldNotRun() bool { return !r.Evaluated && r.NotEvaluated != "" }
