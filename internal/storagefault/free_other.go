//go:build !unix

package storagefault

// FreeBytes cannot tell the free space on this system.
func FreeBytes(string) (uint64, bool) { return 0, false }
