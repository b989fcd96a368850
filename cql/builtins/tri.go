package builtins

// Helpers shared by the list and interval operators. Names carry a b2 prefix
// so that they cannot clash with the helpers of the other operator families
// in this package.

import (
	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// b2Tri is a three-valued logical result: false, true or unknown (null).
type b2Tri int8

const (
	b2F b2Tri = iota
	b2T
	b2U
)

// Shared boxed results, so that hot paths do not allocate.
var (
	b2TrueV  value.Value = value.Boolean(true)
	b2FalseV value.Value = value.Boolean(false)
)

// b2TriOf reads a Boolean-or-null result.
func b2TriOf(v value.Value) b2Tri {
	b, ok := v.(value.Boolean)
	if !ok {
		return b2U
	}
	if b {
		return b2T
	}
	return b2F
}

// b2TriBool converts a Go bool.
func b2TriBool(b bool) b2Tri {
	if b {
		return b2T
	}
	return b2F
}

// val returns the CQL value of t: true, false or null.
func (t b2Tri) val() value.Value {
	switch t {
	case b2T:
		return b2TrueV
	case b2F:
		return b2FalseV
	}
	return nil
}

func b2And(a, b b2Tri) b2Tri {
	if a == b2F || b == b2F {
		return b2F
	}
	if a == b2U || b == b2U {
		return b2U
	}
	return b2T
}

func b2Or(a, b b2Tri) b2Tri {
	if a == b2T || b == b2T {
		return b2T
	}
	if a == b2U || b == b2U {
		return b2U
	}
	return b2F
}

func b2Not(a b2Tri) b2Tri {
	switch a {
	case b2T:
		return b2F
	case b2F:
		return b2T
	}
	return b2U
}

// b2IsTemporal reports whether v is a Date, DateTime or Time.
func b2IsTemporal(v value.Value) bool {
	switch v.(type) {
	case value.Date, value.DateTime, value.Time:
		return true
	}
	return false
}

// b2Cmp compares two points. ok is false when either is null or the order
// is uncertain (temporal values of different precisions).
func b2Cmp(a, b value.Value) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	return value.Compare(a, b)
}

// b2LT is a < b, at precision p for temporal points (p == value.Unset
// compares at the finest precision both values have).
func b2LT(a, b value.Value, p value.Precision) b2Tri {
	if a == nil || b == nil {
		return b2U
	}
	if b2IsTemporal(a) {
		if p != value.Unset {
			return b2TriOf(value.Before(a, b, p))
		}
	}
	c, ok := value.Compare(a, b)
	if !ok {
		return b2U
	}
	return b2TriBool(c < 0)
}

// b2LE is a <= b.
func b2LE(a, b value.Value, p value.Precision) b2Tri {
	if a == nil || b == nil {
		return b2U
	}
	if b2IsTemporal(a) {
		if p != value.Unset {
			return b2TriOf(value.SameOrBefore(a, b, p))
		}
	}
	c, ok := value.Compare(a, b)
	if !ok {
		return b2U
	}
	return b2TriBool(c <= 0)
}

// b2EQ is a = b as an ordering comparison (1.0 = 1.00, 1 'm' = 100 'cm').
func b2EQ(a, b value.Value, p value.Precision) b2Tri {
	if a == nil || b == nil {
		return b2U
	}
	if b2IsTemporal(a) {
		if p != value.Unset {
			return b2TriOf(value.SameAs(a, b, p))
		}
	}
	c, ok := value.Compare(a, b)
	if !ok {
		return b2U
	}
	return b2TriBool(c == 0)
}

// b2ElemEq is list-element equality: CQL equality except that two nulls
// are equal and a null never equals a non-null value.
func b2ElemEq(a, b value.Value) b2Tri {
	if a == nil || b == nil {
		return b2TriBool(a == nil && b == nil)
	}
	return b2TriOf(value.Equal(a, b))
}

// b2DecKey is the hash key of a Decimal: its text without trailing zeros,
// so that 1.0 and 1.00 share a key.
type b2DecKey string

// b2Keyer computes hash keys for list elements such that two keys are equal
// exactly when CQL equality says the values are equal. Temporal values only
// get keys while they all have one precision (and DateTimes one offset),
// because equality across precisions may be unknown.
type b2Keyer struct {
	prec    value.Precision
	offset  int
	started bool
}

// key returns the key of a non-null value, or ok=false when the values
// seen so far cannot be hashed consistently.
func (k *b2Keyer) key(v value.Value) (any, bool) {
	switch x := v.(type) {
	case value.Integer, value.Long, value.String, value.Boolean:
		return v, true
	case value.Decimal:
		return b2DecKey(value.DecReduce(x).String()), true
	case value.Date:
		return x, k.same(x.Precision, 0)
	case value.DateTime:
		x.HasOffset = false
		return x, k.same(x.Precision, x.OffsetMinutes)
	case value.Time:
		return x, k.same(x.Precision, 0)
	}
	return nil, false
}

func (k *b2Keyer) same(p value.Precision, off int) bool {
	if !k.started {
		k.prec, k.offset, k.started = p, off, true
		return true
	}
	return k.prec == p && k.offset == off
}

// b2Keys returns the keys of the elements of the given lists (nil for
// null elements), or ok=false when some element cannot be hashed.
func b2Keys(lists ...[]value.Value) (keys [][]any, ok bool) {
	var k b2Keyer
	keys = make([][]any, len(lists))
	for i, l := range lists {
		keys[i] = make([]any, len(l))
		for j, e := range l {
			if e == nil {
				continue
			}
			if keys[i][j], ok = k.key(e); !ok {
				return nil, false
			}
		}
	}
	return keys, true
}

// b2Reg registers an overload with a plain Fn.
func b2Reg(name string, result types.Type, fn Func, params ...types.Type) {
	Register(&Overload{Name: name, Params: params, Result: result, Fn: fn})
}

// b2RegP registers an overload that takes an optional precision.
func b2RegP(name string, result types.Type, fn PrecisionFunc, params ...types.Type) {
	Register(&Overload{Name: name, Params: params, Result: result, PFn: fn})
}

// b2Cancelled reports the evaluation's cancellation, checked by long loops.
func b2Cancelled(c *Context) error {
	if c != nil && c.Ctx != nil {
		return c.Ctx.Err()
	}
	return nil
}
