package proc

import "syscall"

// attr puts the command in its own process group and has the kernel kill
// it when lifeboat dies (a hook orphaned by kill -9 must not keep going
// while a resumed failover runs it again).
func attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
