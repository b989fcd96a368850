package value

import (
	"errors"
	"math"
)

// UncertainArith applies an Integer arithmetic operator ('+', '-', '*') to
// operands of which at least one is an uncertainty interval (see
// DurationBetween) and the other an Integer or uncertainty interval. The
// result is the interval of all possible results, collapsed to an Integer
// when it is a single point:
//
//	[17, 44] + [17, 44] = [34, 88]; [16, 44] - [4, 16] = [0, 40];
//	[16, 44] * [16, 44] = [256, 1936].
//
// Other operators (div, mod, /) are not defined on uncertainties and
// return an error, as does a result outside the Integer range. A nil
// operand gives nil.
func UncertainArith(op byte, a, b Value) (Value, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	al, ah, ok1 := uncertainRange(a)
	bl, bh, ok2 := uncertainRange(b)
	if !ok1 || !ok2 {
		return nil, errors.New("operands are not Integers or uncertainty intervals")
	}
	var lo, hi int64
	switch op {
	case '+':
		lo, hi = al+bl, ah+bh
	case '-':
		lo, hi = al-bh, ah-bl
	case '*':
		c := []int64{al * bl, al * bh, ah * bl, ah * bh}
		lo, hi = c[0], c[0]
		for _, x := range c[1:] {
			lo, hi = min(lo, x), max(hi, x)
		}
	default:
		return nil, errors.New("operator not defined on uncertainty intervals")
	}
	if lo < math.MinInt32 || hi > math.MaxInt32 {
		return nil, errors.New("result does not fit in an Integer")
	}
	if lo == hi {
		return Integer(lo), nil
	}
	return Interval{Low: Integer(lo), High: Integer(hi), LowClosed: true, HighClosed: true, PointType: typeInteger}, nil
}

func uncertainRange(v Value) (int64, int64, bool) {
	switch x := v.(type) {
	case Integer:
		return int64(x), int64(x), true
	case Interval:
		l, h, ok := uncertainBounds(x)
		return int64(l), int64(h), ok
	}
	return 0, 0, false
}
