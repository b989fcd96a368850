package value

import (
	"errors"
	"fmt"
	"math"

	"github.com/ccg-project/ccg/cql/types"
)

// ErrNoSuccessor reports that a value has no successor/predecessor within
// its type's range (the maximum or minimum value).
var ErrNoSuccessor = errors.New("value has no successor or predecessor within the type's range")

// Successor returns the next value of an ordered point type: Integer and
// Long +1, Decimal +10^-8, Quantity value +10^-8 (unit kept), Date/DateTime/
// Time one unit of their own precision later. Null gives nil. At the
// maximum value the result is ErrNoSuccessor.
func Successor(v Value) (Value, error) { return stepValue(v, 1) }

// Predecessor is the inverse of Successor.
func Predecessor(v Value) (Value, error) { return stepValue(v, -1) }

func stepValue(v Value, n int64) (Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case Integer:
		r := int64(x) + n
		if r > math.MaxInt32 || r < math.MinInt32 {
			return nil, ErrNoSuccessor
		}
		return Integer(r), nil
	case Long:
		if (n > 0 && x == math.MaxInt64) || (n < 0 && x == math.MinInt64) {
			return nil, ErrNoSuccessor
		}
		return x + Long(n), nil
	case Decimal:
		return stepDecimal(x, n)
	case Quantity:
		d, err := stepDecimal(x.Value, n)
		if err != nil {
			return nil, err
		}
		return Quantity{Value: d, Unit: x.Unit}, nil
	case Date, DateTime, Time:
		r, err := stepTemporal(v, n)
		if err != nil {
			return nil, ErrNoSuccessor
		}
		return r, nil
	}
	return nil, fmt.Errorf("successor/predecessor is not defined for %T", v)
}

func stepDecimal(x Decimal, n int64) (Decimal, error) {
	s := Decimal{D: decStep}
	var r Decimal
	var err error
	if n > 0 {
		r, err = DecAdd(x, s)
	} else {
		r, err = DecSub(x, s)
	}
	if err != nil {
		return Decimal{}, ErrNoSuccessor
	}
	if DecCmp(r, maxDecimal) > 0 || DecCmp(r, minDecimal) < 0 {
		return Decimal{}, ErrNoSuccessor
	}
	return r, nil
}

// The Decimal bounds of the System model.
var (
	maxDecimal = MustDecimal("99999999999999999999.99999999")
	minDecimal = MustDecimal("-99999999999999999999.99999999")
)

// MinValue returns the minimum value of an ordered System type (Integer,
// Long, Decimal, Date, DateTime, Time); other types are an error.
func MinValue(t types.Type) (Value, error) { return boundValue(t, false) }

// MaxValue returns the maximum value of an ordered System type.
func MaxValue(t types.Type) (Value, error) { return boundValue(t, true) }

func boundValue(t types.Type, max bool) (Value, error) {
	n, ok := t.(*types.Named)
	if !ok || n.Model != "System" {
		return nil, fmt.Errorf("minimum/maximum is not defined for type %s", typeName(t))
	}
	switch n.Name {
	case "Integer":
		if max {
			return Integer(math.MaxInt32), nil
		}
		return Integer(math.MinInt32), nil
	case "Long":
		if max {
			return Long(math.MaxInt64), nil
		}
		return Long(math.MinInt64), nil
	case "Decimal":
		if max {
			return maxDecimal, nil
		}
		return minDecimal, nil
	case "Date":
		if max {
			return Date{9999, 12, 31, Day}, nil
		}
		return Date{1, 1, 1, Day}, nil
	case "DateTime":
		if max {
			return DateTime{Year: 9999, Month: 12, Day: 31, Hour: 23, Minute: 59, Second: 59, Millisecond: 999, HasOffset: true, Precision: Millisecond}, nil
		}
		return DateTime{Year: 1, Month: 1, Day: 1, HasOffset: true, Precision: Millisecond}, nil
	case "Time":
		if max {
			return Time{23, 59, 59, 999, Millisecond}, nil
		}
		return Time{0, 0, 0, 0, Millisecond}, nil
	}
	return nil, fmt.Errorf("minimum/maximum is not defined for type %s", typeName(t))
}

func typeName(t types.Type) string {
	if t == nil {
		return "<nil>"
	}
	return t.String()
}
