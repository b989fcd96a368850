package eval

import (
	"unsafe"

	"github.com/ccg-project/ccg/cql/builtins"
	"github.com/ccg-project/ccg/cql/value"
)

// The evaluation budget. Every value an evaluation builds is bounded:
// strings by Options.MaxStringLen, lists by Options.MaxListSize, tuples
// by Options.MaxTupleWidth, and all of them together by Options.MaxBytes,
// the bytes of the values built (counted where values grow: operator
// results, list and tuple selectors, query results, property paths over
// lists). The counting is done by builtins.Context, which operators share.

// Default bounds used when an Options field is 0. A negative field means
// no limit.
const (
	// DefaultMaxStringLen bounds strings (bytes).
	DefaultMaxStringLen = 16 << 20
	// DefaultMaxTupleWidth bounds the elements of a tuple.
	DefaultMaxTupleWidth = 10_000
)

// limit is the effective value of a limit option: def for 0, none (0)
// for negative values.
func limit(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// chargeResult counts a list an operator, conversion or property path
// built: its slots. A list that lies within the memory of one of the
// arguments (a list returned unchanged, or a part of it) was counted when
// that argument was built. Operators that build strings count them
// themselves (builtins: Concatenate, Combine, ...), since most operators
// returning strings return parts of their arguments.
func (a *activation) chargeResult(v value.Value, args []value.Value) error {
	x, ok := v.(value.List)
	if !ok || cap(x.Elems) == 0 {
		return nil
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(x.Elems)))
	for _, arg := range args {
		if l, ok := arg.(value.List); ok && cap(l.Elems) > 0 {
			b := uintptr(unsafe.Pointer(unsafe.SliceData(l.Elems)))
			if p >= b && p < b+uintptr(cap(l.Elems))*builtins.SlotBytes {
				return nil
			}
		}
	}
	if err := a.b.CheckListSize(len(x.Elems)); err != nil {
		return err
	}
	return a.b.Charge(len(x.Elems)*builtins.SlotBytes + builtins.ValueBytes)
}

// checkTuple bounds the width of a tuple being built and counts it.
func (a *activation) checkTuple(n int) error {
	if a.maxTuple > 0 && n > a.maxTuple {
		return &builtins.LimitError{Limit: "tuple width", Max: a.maxTuple}
	}
	return a.b.Charge(n*builtins.SlotBytes + builtins.ValueBytes)
}
