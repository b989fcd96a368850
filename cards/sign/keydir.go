package sign

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// UntrustedKeyError is ErrUntrusted for one key: the signature names a
// key that is not in the keyring.
type UntrustedKeyError struct {
	KeyID string // "SHA256:..." as KeyID computes it (the key's fingerprint)
}

func (e *UntrustedKeyError) Error() string { return ErrUntrusted.Error() + ": key " + e.KeyID }

// Is makes errors.Is(err, ErrUntrusted) hold.
func (e *UntrustedKeyError) Is(target error) bool { return target == ErrUntrusted }

// UntrustedKey returns the id of the key an ErrUntrusted error names ("").
func UntrustedKey(err error) string {
	var ue *UntrustedKeyError
	if errors.As(err, &ue) {
		return ue.KeyID
	}
	return ""
}

// KeyDir is a folder of trusted public keys (*.pem, *.pub) that is read
// again whenever a key file is added, removed or changed, so a key copied
// into it takes effect without a restart. Reading the folder's listing
// on each call is cheap; the keys are parsed only when the listing (names,
// sizes, modification times) changed. A missing folder is an empty
// keyring. Safe for concurrent use.
type KeyDir struct {
	dir string

	mu    sync.Mutex
	stamp string
	kr    Keyring
	err   error
}

// NewKeyDir watches dir ("" for none: always an empty keyring).
func NewKeyDir(dir string) *KeyDir { return &KeyDir{dir: dir} }

// Dir is the folder's path.
func (d *KeyDir) Dir() string { return d.dir }

func isKeyFile(name string) bool {
	return strings.HasSuffix(name, ".pem") || strings.HasSuffix(name, ".pub")
}

// Keyring returns the keys the folder holds now. An unreadable key file
// is an error (naming it) until it is fixed or removed.
func (d *KeyDir) Keyring() (Keyring, error) {
	if d == nil || d.dir == "" {
		return Keyring{}, nil
	}
	ents, err := os.ReadDir(d.dir)
	if errors.Is(err, fs.ErrNotExist) {
		ents, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("trusted keys %s: %w", d.dir, err)
	}
	var b strings.Builder
	var files []string
	for _, e := range ents {
		if e.IsDir() || !isKeyFile(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed while listing: the next call sees it gone
		}
		fmt.Fprintf(&b, "%s\x00%d\x00%d\n", e.Name(), fi.Size(), fi.ModTime().UnixNano())
		files = append(files, e.Name())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.kr != nil && b.String() == d.stamp {
		return d.kr, d.err
	}
	sort.Strings(files)
	kr := Keyring{}
	var ferr error
	for _, f := range files {
		k, err := LoadKey(filepath.Join(d.dir, f))
		if err != nil {
			ferr = fmt.Errorf("trusted keys: %w", err)
			continue
		}
		kr.Add(k.Public)
	}
	d.stamp, d.kr, d.err = b.String(), kr, ferr
	return kr, ferr
}
