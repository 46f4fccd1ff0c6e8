package restic

import (
	"fmt"
	"os"
	"syscall"
)

// inodeStamp adds what a copying tool cannot set back: ctime and inode.
func inodeStamp(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf(" ctime=%d.%d ino=%d dev=%d", st.Ctim.Sec, st.Ctim.Nsec, st.Ino, st.Dev)
	}
	return ""
}
