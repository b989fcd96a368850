package ucum

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func FuzzUnits(f *testing.F) {
	for _, s := range []string{"mg/dL", "kg.m/s2", "(m.s)2", "{a}", "10*3/uL", "mm[Hg]", "/min"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = Valid(s)
		_ = Multiply(s, "m")
		_ = Divide("m", s)
		_ = Normalize(s)
		_, _ = Convert(apd.New(1, 0), s, "m")
	})
}
