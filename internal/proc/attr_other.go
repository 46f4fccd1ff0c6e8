//go:build !linux

package proc

import "syscall"

// attr puts the command in its own process group.
func attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
