package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"720h":       now.Add(720 * time.Hour),
		"30d":        now.AddDate(0, 0, 30),
		"2027-01-31": time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC),
	} {
		if got, err := parseExpiry(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1h", "0d", "2020-01-01", "soon"} {
		if _, err := parseExpiry(in, now); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestTokenCommands(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := ccg(t, "token", "create", "--data", data, "--user", "u", "--expires", "yesterday"); code != exitUsage || !strings.Contains(errOut, "not a duration") {
		t.Errorf("bad --expires: %d %s", code, errOut)
	}
	code, out, _ := ccg(t, "token", "create", "--data", data, "--user", "u", "--scope", "system/Library.rs", "--publish")
	if code != exitOK || !strings.HasPrefix(out, "ccg_") {
		t.Fatalf("token create: %d %s", code, out)
	}
	code, out, _ = ccg(t, "token", "list", "--data", data, "--user", "u")
	if code != exitOK || !strings.Contains(out, "system/Library.rs ccg/publish") || !strings.Contains(out, "never") {
		t.Errorf("token list: %d %s", code, out)
	}
	if code, _, errOut := ccg(t, "token", "revoke", "abc", "--data", data); code != exitFailure || !strings.Contains(errOut, "at least 6") {
		t.Errorf("short id: %d %s", code, errOut)
	}
	if code, _, errOut := ccg(t, "token", "revoke", "ffffffffff", "--data", data); code != exitFailure || !strings.Contains(errOut, "no token") {
		t.Errorf("unknown id: %d %s", code, errOut)
	}
	if code, _, _ := ccg(t, "token", "revoke", "--data", data); code != exitUsage {
		t.Errorf("revoke without an id: %d", code)
	}
}

// TestStoreCommandsFindServesStore: the token and registry commands open
// the store of a `ccg serve` started with the same environment, without
// --data: CCG_DATA, else serve's default data directory (here under
// $XDG_STATE_HOME), not ./.data.
func TestStoreCommandsFindServesStore(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"CCG_DATA":      {"CCG_DATA": t.TempDir()},
		"serve default": {"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()},
	} {
		t.Run(name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // a ./.data here would be the wrong store
			run1 := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := run(context.Background(), &env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }}, args)
				return code, out.String(), errOut.String()
			}
			if code, _, errOut := run1("token", "create", "--user", "carol", "--publish"); code != exitOK {
				t.Fatalf("token create: %s", errOut)
			}
			for _, args := range [][]string{{"token", "list"}, {"registry", "claims"}} {
				if code, out, errOut := run1(args...); code != exitOK {
					t.Errorf("%v: exit %d: %s", args, code, errOut)
				} else if args[0] == "token" && !strings.Contains(out, "carol") {
					t.Errorf("%v does not list carol's token:\n%s", args, out)
				}
			}
			if _, err := os.Stat(".data"); err == nil {
				t.Error("a ./.data store was created")
			}
		})
	}
}
