package builtins

// Test helpers for the list and interval operators: a small reader of CQL
// literal text (enough for the conformance cases) and a caller that picks a
// registered overload by the run-time shapes of the arguments.

import (
	"strings"
	"testing"
	"unicode"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

type litReader struct {
	s   string
	pos int
	err string
}

// parseLit reads one literal: null, true, false, numbers (5, 5L, 1.5), quantities
// (1.5 'g'), strings ('a'), @dates, @datetimes (with T), @Ttimes, lists
// { ... } and intervals Interval[a, b) whose boundaries may be written
// "null as Integer" to type an all-null interval.
func parseLit(t testing.TB, s string) value.Value {
	t.Helper()
	r := &litReader{s: s}
	v, _ := r.value()
	r.ws()
	if r.err == "" && r.pos != len(r.s) {
		r.err = "trailing text"
	}
	if r.err != "" {
		t.Fatalf("bad literal %q at %d: %s", s, r.pos, r.err)
	}
	return v
}

func (r *litReader) ws() {
	for r.pos < len(r.s) && unicode.IsSpace(rune(r.s[r.pos])) {
		r.pos++
	}
}

func (r *litReader) eat(tok string) bool {
	r.ws()
	if strings.HasPrefix(r.s[r.pos:], tok) {
		r.pos += len(tok)
		return true
	}
	return false
}

func (r *litReader) fail(msg string) (value.Value, types.Type) {
	if r.err == "" {
		r.err = msg
	}
	return nil, nil
}

// value returns the value and, for "null as T", the type T.
func (r *litReader) value() (value.Value, types.Type) {
	r.ws()
	if r.pos >= len(r.s) {
		return r.fail("unexpected end")
	}
	rest := r.s[r.pos:]
	switch {
	case strings.HasPrefix(rest, "null"):
		r.pos += 4
		if r.eat("as ") {
			r.ws()
			start := r.pos
			for r.pos < len(r.s) && unicode.IsLetter(rune(r.s[r.pos])) {
				r.pos++
			}
			t, ok := types.System(r.s[start:r.pos])
			if !ok {
				return r.fail("unknown type")
			}
			return nil, t
		}
		return nil, nil
	case strings.HasPrefix(rest, "true"):
		r.pos += 4
		return value.Boolean(true), nil
	case strings.HasPrefix(rest, "false"):
		r.pos += 5
		return value.Boolean(false), nil
	case strings.HasPrefix(rest, "Interval"):
		r.pos += len("Interval")
		lc := r.eat("[")
		if !lc && !r.eat("(") {
			return r.fail("expected [ or (")
		}
		lo, lt := r.value()
		if !r.eat(",") {
			return r.fail("expected ,")
		}
		hi, ht := r.value()
		hc := r.eat("]")
		if !hc && !r.eat(")") {
			return r.fail("expected ] or )")
		}
		var pt types.Type = types.Any
		switch {
		case lo != nil:
			pt = lo.Type()
		case hi != nil:
			pt = hi.Type()
		case lt != nil:
			pt = lt
		case ht != nil:
			pt = ht
		}
		return value.Interval{Low: lo, High: hi, LowClosed: lc, HighClosed: hc, PointType: pt}, nil
	case rest[0] == '{':
		r.pos++
		elems := []value.Value{}
		var et types.Type
		if !r.eat("}") {
			for {
				v, vt := r.value()
				elems = append(elems, v)
				if et == nil {
					if v != nil {
						et = v.Type()
					} else if vt != nil {
						et = vt
					}
				}
				if r.eat("}") {
					break
				}
				if !r.eat(",") {
					return r.fail("expected , or }")
				}
				if r.err != "" {
					return nil, nil
				}
			}
		}
		if et == nil {
			et = types.Any
		}
		return value.List{Elems: elems, ElemType: et}, nil
	case rest[0] == '\'':
		end := strings.IndexByte(rest[1:], '\'')
		if end < 0 {
			return r.fail("unterminated string")
		}
		r.pos += end + 2
		return value.String(rest[1 : end+1]), nil
	case rest[0] == '@':
		end := 1
		for end < len(rest) && strings.IndexByte("0123456789-:.T+Z", rest[end]) >= 0 {
			end++
		}
		lit := rest[1:end]
		r.pos += end
		switch {
		case strings.HasPrefix(lit, "T"):
			t, err := value.ParseTime(lit[1:])
			if err != nil {
				return r.fail(err.Error())
			}
			return t, nil
		case strings.Contains(lit, "T"):
			dt, err := value.ParseDateTime(lit)
			if err != nil {
				return r.fail(err.Error())
			}
			return dt, nil
		}
		d, err := value.ParseDate(lit)
		if err != nil {
			return r.fail(err.Error())
		}
		return d, nil
	case rest[0] == '-' || (rest[0] >= '0' && rest[0] <= '9'):
		end := 1
		for end < len(rest) && strings.IndexByte("0123456789.", rest[end]) >= 0 {
			end++
		}
		num := rest[:end]
		r.pos += end
		whole := func() (int64, error) {
			d, err := value.NewDecimal(num)
			if err != nil {
				return 0, err
			}
			return value.DecToInt64(d)
		}
		if r.pos < len(r.s) && r.s[r.pos] == 'L' {
			r.pos++
			n, err := whole()
			if err != nil {
				return r.fail(err.Error())
			}
			return value.Long(n), nil
		}
		save := r.pos
		r.ws()
		if r.pos < len(r.s) && r.s[r.pos] == '\'' {
			u, _ := r.value()
			d, err := value.NewDecimalLax(num)
			if err != nil {
				return r.fail(err.Error())
			}
			return value.Quantity{Value: d, Unit: string(u.(value.String))}, nil
		}
		r.pos = save
		if strings.Contains(num, ".") {
			d, err := value.NewDecimal(num)
			if err != nil {
				return r.fail(err.Error())
			}
			return d, nil
		}
		n, err := whole()
		if err != nil {
			return r.fail(err.Error())
		}
		return value.Integer(n), nil
	}
	return r.fail("unexpected character")
}

// fitsParam reports whether a run-time value may be passed for parameter p.
func fitsParam(v value.Value, p types.Type, lenient bool) bool {
	if v == nil {
		return true
	}
	switch pt := p.(type) {
	case *types.List:
		_, ok := v.(value.List)
		return ok
	case *types.Interval:
		iv, ok := v.(value.Interval)
		if !ok {
			return false
		}
		if n, ok := pt.Point.(*types.Named); ok {
			return iv.PointType != nil && types.Equal(iv.PointType, n)
		}
		return true
	case *types.Var:
		switch v.(type) {
		case value.List, value.Interval:
			return lenient
		}
		return true
	case *types.Named:
		return types.SubtypeOf(v.Type(), pt)
	}
	return false
}

// callFitting runs the first registered overload of name whose parameters fit
// the arguments (as the checker does for ties) with precision p. A type
// variable is bound to a list or interval only when no overload fits
// otherwise.
func callFitting(t testing.TB, name string, p value.Precision, args ...value.Value) (value.Value, error) {
	t.Helper()
	n := 0
	for _, o := range append(Lookup(name), Lookup(name)...) {
		lenient := n >= len(Lookup(name))
		n++
		if len(o.Params) != len(args) {
			continue
		}
		fits := true
		for i, a := range args {
			if !fitsParam(a, o.Params[i], lenient) {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		if o.PFn == nil && p != value.Unset {
			t.Fatalf("%s: overload takes no precision", name)
		}
		return invoke(o, &Context{}, p, args)
	}
	t.Fatalf("no overload of %s fits the arguments", name)
	return nil, nil
}

// litCase is one table-driven case: an operator applied to literal arguments
// with an optional precision; want is the literal result, or "error".
type litCase struct {
	op   string
	args []string
	prec value.Precision
	want string
}

func lcase(op, want string, args ...string) litCase {
	return litCase{op: op, args: args, prec: value.Unset, want: want}
}

func lcaseP(op string, p value.Precision, want string, args ...string) litCase {
	return litCase{op: op, args: args, prec: p, want: want}
}

// sameLitResult reports whether got matches want: same formatted text, or CQL
// equivalent values of the same run-time type.
func sameLitResult(got, want value.Value) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	if value.Format(got) == value.Format(want) {
		return true
	}
	return types.Equal(got.Type(), want.Type()) && value.Equivalent(got, want)
}

func runLitCases(t *testing.T, cases []litCase) {
	t.Helper()
	for _, tc := range cases {
		name := tc.op + "(" + strings.Join(tc.args, "; ") + ")"
		t.Run(name, func(t *testing.T) {
			args := make([]value.Value, len(tc.args))
			for i, a := range tc.args {
				args[i] = parseLit(t, a)
			}
			got, err := callFitting(t, tc.op, tc.prec, args...)
			if tc.want == "error" {
				if err == nil {
					t.Fatalf("got %s, want an error", value.Format(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			want := parseLit(t, tc.want)
			if !sameLitResult(got, want) {
				t.Errorf("got %s, want %s", value.Format(got), value.Format(want))
			}
		})
	}
}
