package builtins

import (
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/value"
)

// TestExtremeArgumentsAreQuick feeds extreme Decimal/Integer arguments to
// the transcendental operators: they must neither panic nor take long.
func TestExtremeArgumentsAreQuick(t *testing.T) {
	big, small, tiny := decV("99999999999999999999.99999999"), decV("-99999999999999999999.99999999"), decV("0.00000001")
	d, i := tD, tI
	calls := []struct {
		op   string
		args []value.Value
		int  bool
	}{
		{"Power", argv(decV("2.0"), big), false},
		{"Power", argv(decV("2.0"), small), false},
		{"Power", argv(decV("0.5"), decV("12345678901234.5")), false},
		{"Power", argv(decV("-2.0"), decV("12345678901235")), false},
		{"Power", argv(tiny, big), false},
		{"Power", argv(big, big), false},
		{"Power", argv(intV(2), intV(-2147483648)), true},
		{"Power", argv(intV(-3), intV(2147483647)), true},
		{"Exp", argv(big), false},
		{"Exp", argv(small), false},
		{"Ln", argv(tiny), false},
		{"Ln", argv(big), false},
		{"Log", argv(big, tiny), false},
		{"Log", argv(tiny, decV("1.00000001")), false},
	}
	for _, c := range calls {
		params := tys(d, d)[:len(c.args)]
		if c.int {
			params = tys(i, i)[:len(c.args)]
		}
		o := findOverload(t, c.op, params...)
		start := time.Now()
		r, err := o.Fn(&Context{}, c.args)
		if el := time.Since(start); el > 5*time.Second { // a guard against runaway arithmetic, not a speed test
			t.Errorf("%s%v took %v", c.op, c.args, el)
		}
		if err == nil && r != nil {
			if dv, ok := r.(value.Decimal); ok && dv.D.NumDigits() > 28 {
				t.Errorf("%s%v = %s has more than 28 digits", c.op, c.args, decText(dv))
			}
		}
	}
}
