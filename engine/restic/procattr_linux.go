package restic

import "syscall"

// procAttr puts restic in its own process group (a cancel reaches its
// children too) and has the kernel kill it when lifeboat dies: a restore
// orphaned by a kill -9 must not keep writing while a resumed run
// restores into the same directory.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
