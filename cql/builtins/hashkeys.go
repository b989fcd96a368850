package builtins

// Hash keys for list elements, used by the set operators and membership
// tests on large lists.

import (
	"github.com/ccg-project/ccg/cql/value"
)

// decKey is the hash key of a Decimal: its text without trailing zeros,
// so that 1.0 and 1.00 share a key.
type decKey string

// hashKeyer computes hash keys for list elements such that two keys are equal
// exactly when CQL equality says the values are equal. Temporal values only
// get keys while they all have one precision (and DateTimes one offset),
// because equality across precisions may be unknown.
type hashKeyer struct {
	prec    value.Precision
	offset  int
	started bool
}

// key returns the key of a non-null value, or ok=false when the values
// seen so far cannot be hashed consistently.
func (k *hashKeyer) key(v value.Value) (any, bool) {
	switch x := v.(type) {
	case value.Integer, value.Long, value.String, value.Boolean:
		return v, true
	case value.Decimal:
		return decKey(value.DecReduce(x).String()), true
	case value.Date:
		return x, k.same(x.Precision, 0)
	case value.DateTime:
		x.HasOffset = false
		return x, k.same(x.Precision, x.OffsetMinutes)
	case value.Time:
		return x, k.same(x.Precision, 0)
	case value.HashKeyer:
		return x.HashKey()
	}
	return nil, false
}

func (k *hashKeyer) same(p value.Precision, off int) bool {
	if !k.started {
		k.prec, k.offset, k.started = p, off, true
		return true
	}
	return k.prec == p && k.offset == off
}

// hashKeys returns the keys of the elements of the given lists (nil for
// null elements), or ok=false when some element cannot be hashed.
func hashKeys(lists ...[]value.Value) (keys [][]any, ok bool) {
	var k hashKeyer
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
