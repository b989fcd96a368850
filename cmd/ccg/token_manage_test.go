package main

import (
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
