package lockout

import (
	"testing"
	"time"
)

func TestBackoffAndRecovery(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(Config{Free: 3, Base: time.Second, Max: 10 * time.Second, Forget: time.Hour, Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		if d := l.Fail("a"); d != 0 {
			t.Fatalf("free failure %d locked for %v", i, d)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if d := l.Fail("a"); d != w {
			t.Errorf("failure %d: lockout %v, want %v", i+4, d, w)
		}
	}
	if d := l.Locked("a"); d != 10*time.Second {
		t.Errorf("locked %v", d)
	}
	if d := l.Locked("b"); d != 0 {
		t.Errorf("another client is locked: %v", d)
	}
	now = now.Add(10 * time.Second)
	if d := l.Locked("a"); d != 0 {
		t.Errorf("still locked after the lockout: %v", d)
	}
	l.Succeed("a")
	if d := l.Fail("a"); d != 0 {
		t.Errorf("a success did not clear the count: %v", d)
	}
	// Quiet clients are forgotten.
	now = now.Add(2 * time.Hour)
	for i := 0; i < 3; i++ {
		if d := l.Fail("a"); d != 0 {
			t.Fatalf("failure %d after a quiet hour locked for %v", i, d)
		}
	}
}

func TestMaxClients(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(Config{Free: 1, MaxClients: 2, Now: func() time.Time { return now }})
	for _, k := range []string{"a", "b", "c", "d"} {
		l.Fail(k)
		now = now.Add(time.Millisecond)
	}
	if n := len(l.clients); n > 2 {
		t.Errorf("%d clients remembered, at most 2", n)
	}
}
