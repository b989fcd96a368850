//go:build unix

package storagefault

import "golang.org/x/sys/unix"

// FreeBytes is the space left to unprivileged writers on the file system
// holding dir; ok is false when it cannot be told.
func FreeBytes(dir string) (free uint64, ok bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true //nolint:unconvert // field types differ between systems
}
