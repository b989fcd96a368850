package builtins

// Three-valued logic (false, true, unknown) and the point comparisons at a
// precision that the list and interval operators are built from.

import (
	"github.com/ccg-project/ccg/cql/value"
)

// tri is a three-valued logical result: false, true or unknown (null).
type tri int8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

// triOf reads a Boolean-or-null result.
func triOf(v value.Value) tri {
	b, ok := v.(value.Boolean)
	if !ok {
		return triUnknown
	}
	if b {
		return triTrue
	}
	return triFalse
}

// triBool converts a Go bool.
func triBool(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// val returns the CQL value of t: true, false or null.
func (t tri) val() value.Value {
	switch t {
	case triTrue:
		return trueValue
	case triFalse:
		return falseValue
	}
	return nil
}

func triAnd(a, b tri) tri {
	if a == triFalse || b == triFalse {
		return triFalse
	}
	if a == triUnknown || b == triUnknown {
		return triUnknown
	}
	return triTrue
}

func triOr(a, b tri) tri {
	if a == triTrue || b == triTrue {
		return triTrue
	}
	if a == triUnknown || b == triUnknown {
		return triUnknown
	}
	return triFalse
}

func triNot(a tri) tri {
	switch a {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// isTemporal reports whether v is a Date, DateTime or Time.
func isTemporal(v value.Value) bool {
	switch v.(type) {
	case value.Date, value.DateTime, value.Time:
		return true
	}
	return false
}

// ltAt is a < b, at precision p for temporal points (p == value.Unset
// compares at the finest precision both values have).
func ltAt(a, b value.Value, p value.Precision) tri {
	if a == nil || b == nil {
		return triUnknown
	}
	if isTemporal(a) {
		if p != value.Unset {
			return triOf(value.Before(a, b, p))
		}
	}
	c, ok := value.Compare(a, b)
	if !ok {
		return triUnknown
	}
	return triBool(c < 0)
}

// leAt is a <= b.
func leAt(a, b value.Value, p value.Precision) tri {
	if a == nil || b == nil {
		return triUnknown
	}
	if isTemporal(a) {
		if p != value.Unset {
			return triOf(value.SameOrBefore(a, b, p))
		}
	}
	c, ok := value.Compare(a, b)
	if !ok {
		return triUnknown
	}
	return triBool(c <= 0)
}

// eqAt is a = b as an ordering comparison (1.0 = 1.00, 1 'm' = 100 'cm').
func eqAt(a, b value.Value, p value.Precision) tri {
	if a == nil || b == nil {
		return triUnknown
	}
	if isTemporal(a) {
		if p != value.Unset {
			return triOf(value.SameAs(a, b, p))
		}
	}
	c, ok := value.Compare(a, b)
	if !ok {
		return triUnknown
	}
	return triBool(c == 0)
}

// elemEq is list-element equality: CQL equality except that two nulls
// are equal and a null never equals a non-null value.
func elemEq(a, b value.Value) tri {
	if a == nil || b == nil {
		return triBool(a == nil && b == nil)
	}
	return triOf(value.Equal(a, b))
}
