package engine

// couldNotRun marks the drill as not evaluated: what stopped it is about
// reaching the standby or the scratch space, not about the standby's data.
func (d *drillRun) couldNotRun(err error) error {
	if d.notRun == "" {
		d.notRun = err.Error()
	}
	return err
}
