//go:build !linux

package restic

import "syscall"

// procAttr puts restic in its own process group, so that a cancel reaches
// its children too.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
