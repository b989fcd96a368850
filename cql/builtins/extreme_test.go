package builtins

import (
	"testing"
	"time"

	"github.com/ccg-project/ccg/cql/value"
)

// TestExtremeArgumentsAreQuick feeds extreme Decimal/Integer arguments to
// the transcendental operators: they must neither panic nor take long.
func TestExtremeArgumentsAreQuick(t *testing.T) {
	big, small, tiny := b1D("99999999999999999999.99999999"), b1D("-99999999999999999999.99999999"), b1D("0.00000001")
	d, i := b1TD, b1TI
	calls := []struct {
		op   string
		args []value.Value
		int  bool
	}{
		{"Power", b1Vs(b1D("2.0"), big), false},
		{"Power", b1Vs(b1D("2.0"), small), false},
		{"Power", b1Vs(b1D("0.5"), b1D("12345678901234.5")), false},
		{"Power", b1Vs(b1D("-2.0"), b1D("12345678901235")), false},
		{"Power", b1Vs(tiny, big), false},
		{"Power", b1Vs(big, big), false},
		{"Power", b1Vs(b1I(2), b1I(-2147483648)), true},
		{"Power", b1Vs(b1I(-3), b1I(2147483647)), true},
		{"Exp", b1Vs(big), false},
		{"Exp", b1Vs(small), false},
		{"Ln", b1Vs(tiny), false},
		{"Ln", b1Vs(big), false},
		{"Log", b1Vs(big, tiny), false},
		{"Log", b1Vs(tiny, b1D("1.00000001")), false},
	}
	for _, c := range calls {
		params := b1Ts(d, d)[:len(c.args)]
		if c.int {
			params = b1Ts(i, i)[:len(c.args)]
		}
		o := b1Find(t, c.op, params...)
		start := time.Now()
		r, err := o.Fn(&Context{}, c.args)
		if el := time.Since(start); el > 200*time.Millisecond {
			t.Errorf("%s%v took %v", c.op, c.args, el)
		}
		if err == nil && r != nil {
			if dv, ok := r.(value.Decimal); ok && dv.D.NumDigits() > 28 {
				t.Errorf("%s%v = %s has more than 28 digits", c.op, c.args, b1DecText(dv))
			}
		}
	}
}
