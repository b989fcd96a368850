// Package uuidtest makes answers that carry new UUIDs comparable in tests:
// ids an $apply answer makes are new on every call, so tests compare them
// by where each first appears and what refers to it.
package uuidtest

import (
	"fmt"
	"regexp"
)

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Number replaces each UUID of s by "<uuid-N>", N counting the distinct
// UUIDs in order of appearance.
func Number(s string) string {
	seen := map[string]string{}
	return uuidRE.ReplaceAllStringFunc(s, func(u string) string {
		n, ok := seen[u]
		if !ok {
			n = fmt.Sprintf("<uuid-%d>", len(seen)+1)
			seen[u] = n
		}
		return n
	})
}
