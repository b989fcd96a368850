package builtins

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"github.com/cockroachdb/apd/v3"
)

// findOverload returns the overload of name whose parameters equal params (a
// variadic overload matches when params extend its fixed parameters).
func findOverload(t testing.TB, name string, params ...types.Type) *Overload {
	t.Helper()
	for _, o := range Lookup(name) {
		if paramsMatch(o, params) {
			return o
		}
	}
	t.Fatalf("no overload %s(%v)", name, params)
	return nil
}

func paramsMatch(o *Overload, params []types.Type) bool {
	if !o.Variadic && len(params) != len(o.Params) {
		return false
	}
	if o.Variadic && len(params) < len(o.Params)-1 {
		return false
	}
	for k, p := range params {
		var want types.Type
		if k < len(o.Params) {
			want = o.Params[k]
		} else {
			want = o.Params[len(o.Params)-1]
		}
		if !types.Equal(want, p) {
			return false
		}
	}
	return true
}

// invoke calls the Fn of o, or its PFn with precision p.
func invoke(o *Overload, c *Context, p value.Precision, args []value.Value) (value.Value, error) {
	if o.PFn != nil {
		return o.PFn(c, p, args)
	}
	return o.Fn(c, args)
}

// opCase is one table-driven test: an operator, its parameter types, the
// arguments and the expected result (or an expected error).
type opCase struct {
	name    string
	op      string
	params  []types.Type
	args    []value.Value
	want    value.Value
	wantErr bool
}

func runOpCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := findOverload(t, tc.op, tc.params...)
			got, err := invoke(o, &Context{}, value.Unset, tc.args)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("%s: want error, got %s", tc.op, showValue(got))
				}
				var be *Error
				if !errors.As(err, &be) {
					t.Fatalf("%s: error %v is not a *builtins.Error", tc.op, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: unexpected error %v", tc.op, err)
			}
			if !sameResult(got, tc.want) {
				t.Fatalf("%s: got %s, want %s", tc.op, showValue(got), showValue(tc.want))
			}
		})
	}
}

// sameResult compares results: decimals numerically (scale ignored), other
// values structurally.
func sameResult(a, b value.Value) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case value.Decimal:
		y, ok := b.(value.Decimal)
		return ok && x.D.Cmp(y.D) == 0
	case value.Quantity:
		y, ok := b.(value.Quantity)
		return ok && x.Unit == y.Unit && x.Value.D.Cmp(y.Value.D) == 0
	case value.Ratio:
		y, ok := b.(value.Ratio)
		return ok && sameResult(x.Numerator, y.Numerator) && sameResult(x.Denominator, y.Denominator)
	case value.List:
		y, ok := b.(value.List)
		if !ok || len(x.Elems) != len(y.Elems) {
			return false
		}
		for k := range x.Elems {
			if !sameResult(x.Elems[k], y.Elems[k]) {
				return false
			}
		}
		return true
	case value.Interval:
		y, ok := b.(value.Interval)
		return ok && sameResult(x.Low, y.Low) && sameResult(x.High, y.High) &&
			x.LowClosed == y.LowClosed && x.HighClosed == y.HighClosed
	case value.Concept:
		y, ok := b.(value.Concept)
		if !ok || len(x.Codes) != len(y.Codes) || x.Display != y.Display {
			return false
		}
		for k := range x.Codes {
			if x.Codes[k] != y.Codes[k] {
				return false
			}
		}
		return true
	}
	return a == b
}

// showValue renders a value for failure messages.
func showValue(v value.Value) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case value.Boolean:
		return strconv.FormatBool(bool(x))
	case value.Integer:
		return strconv.Itoa(int(x))
	case value.Long:
		return strconv.FormatInt(int64(x), 10) + "L"
	case value.String:
		return strconv.Quote(string(x))
	case value.Decimal:
		return "D(" + decText(x) + ")"
	case value.Quantity:
		return decText(x.Value) + " '" + x.Unit + "'"
	case value.Ratio:
		return showValue(x.Numerator) + ":" + showValue(x.Denominator)
	case value.Date:
		return "@" + x.String()
	case value.DateTime:
		return "@" + formatDateTime(x) + "/p" + strconv.Itoa(int(x.Precision))
	case value.Time:
		return "@T" + x.String()
	case value.Interval:
		return "Interval[" + showValue(x.Low) + ", " + showValue(x.High) + "]"
	case value.List:
		parts := make([]string, len(x.Elems))
		for k, e := range x.Elems {
			parts[k] = showValue(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return v.Type().String() + "?"
}

// Value constructors for tables.
func intV(i int32) value.Value  { return value.Integer(i) }
func longV(i int64) value.Value { return value.Long(i) }
func strV(s string) value.Value { return value.String(s) }
func boolV(b bool) value.Value  { return value.Boolean(b) }

func decV(s string) value.Value { return mustDec(s) }

func mustDec(s string) value.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return value.Decimal{D: d}
}

func qtyV(v, unit string) value.Value { return value.Quantity{Value: mustDec(v), Unit: unit} }

func listV(et types.Type, elems ...value.Value) value.Value {
	return value.List{Elems: elems, ElemType: et}
}

func tys(ts ...types.Type) []types.Type    { return ts }
func argv(vs ...value.Value) []value.Value { return vs }
