//go:build !linux

package proc

import "syscall"

// Attr puts a child in its own process group, so that stopping it reaches
// its children too.
func Attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
