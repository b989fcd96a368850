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

// b1Find returns the overload of name whose parameters equal params (a
// variadic overload matches when params extend its fixed parameters).
func b1Find(t testing.TB, name string, params ...types.Type) *Overload {
	t.Helper()
	for _, o := range Lookup(name) {
		if b1ParamsMatch(o, params) {
			return o
		}
	}
	t.Fatalf("no overload %s(%v)", name, params)
	return nil
}

func b1ParamsMatch(o *Overload, params []types.Type) bool {
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

// b1Case is one table-driven test: an operator, its parameter types, the
// arguments and the expected result (or an expected error).
type b1Case struct {
	name    string
	op      string
	params  []types.Type
	args    []value.Value
	want    value.Value
	wantErr bool
}

func b1Run(t *testing.T, cases []b1Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := b1Find(t, tc.op, tc.params...)
			c := &Context{}
			var got value.Value
			var err error
			if o.Fn != nil {
				got, err = o.Fn(c, tc.args)
			} else {
				got, err = o.PFn(c, value.Unset, tc.args)
			}
			if tc.wantErr {
				if err == nil {
					t.Fatalf("%s: want error, got %s", tc.op, b1Show(got))
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
			if !b1Same(got, tc.want) {
				t.Fatalf("%s: got %s, want %s", tc.op, b1Show(got), b1Show(tc.want))
			}
		})
	}
}

// b1Same compares results: decimals numerically (scale ignored), other
// values structurally.
func b1Same(a, b value.Value) bool {
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
		return ok && b1Same(x.Numerator, y.Numerator) && b1Same(x.Denominator, y.Denominator)
	case value.List:
		y, ok := b.(value.List)
		if !ok || len(x.Elems) != len(y.Elems) {
			return false
		}
		for k := range x.Elems {
			if !b1Same(x.Elems[k], y.Elems[k]) {
				return false
			}
		}
		return true
	case value.Interval:
		y, ok := b.(value.Interval)
		return ok && b1Same(x.Low, y.Low) && b1Same(x.High, y.High) &&
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

// b1Show renders a value for failure messages.
func b1Show(v value.Value) string {
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
		return "D(" + b1DecText(x) + ")"
	case value.Quantity:
		return b1DecText(x.Value) + " '" + x.Unit + "'"
	case value.Ratio:
		return b1Show(x.Numerator) + ":" + b1Show(x.Denominator)
	case value.Date:
		return "@" + string(b1FormatDate(nil, x))
	case value.DateTime:
		return "@" + string(b1FormatDateTime(nil, x)) + "/p" + strconv.Itoa(int(x.Precision))
	case value.Time:
		return "@T" + string(b1FormatTime(nil, x))
	case value.Interval:
		return "Interval[" + b1Show(x.Low) + ", " + b1Show(x.High) + "]"
	case value.List:
		parts := make([]string, len(x.Elems))
		for k, e := range x.Elems {
			parts[k] = b1Show(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return v.Type().String() + "?"
}

// Value constructors for tables.
func b1I(i int32) value.Value  { return value.Integer(i) }
func b1L(i int64) value.Value  { return value.Long(i) }
func b1S(s string) value.Value { return value.String(s) }
func b1B(b bool) value.Value   { return value.Boolean(b) }

func b1D(s string) value.Value { return b1Dec(s) }

func b1Dec(s string) value.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return value.Decimal{D: d}
}

func b1Q(v, unit string) value.Value { return value.Quantity{Value: b1Dec(v), Unit: unit} }

func b1List(et types.Type, elems ...value.Value) value.Value {
	return value.List{Elems: elems, ElemType: et}
}

func b1Ts(ts ...types.Type) []types.Type   { return ts }
func b1Vs(vs ...value.Value) []value.Value { return vs }
