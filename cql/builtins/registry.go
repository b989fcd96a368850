// Package builtins implements the CQL operators and functions of the System
// model over run-time values. Each operator is registered once, with the
// signatures the checker resolves overloads against; the evaluator calls the
// chosen overload's implementation directly, so no overload search happens at
// run time.
package builtins

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
)

// Context is the per-evaluation state that operators may read. It is built
// by the evaluator for each evaluation and never shared between goroutines.
type Context struct {
	// Ctx carries cancellation and deadlines.
	Ctx context.Context
	// Now is the evaluation's fixed timestamp (Now(), Today(), TimeOfDay()),
	// with the evaluation's timezone offset.
	Now value.DateTime
	// MaxListSize bounds lists built by operators such as Expand; 0 means no limit.
	MaxListSize int
	// MaxStringLen bounds the length in bytes of strings built by
	// operators; 0 means no limit.
	MaxStringLen int
	// MaxBytes is the evaluation's allocation budget: the bytes of the
	// values built during it (strings, list and tuple slots), counted where
	// values grow. It counts what was built, not what is still live, so
	// intermediate results count too. 0 means no limit.
	MaxBytes int
	used     int
	ticks    uint32
}

// Value slot sizes the budget counts: one element of a list or tuple (an
// interface value) and the fixed part of a value.
const (
	SlotBytes  = 16
	ValueBytes = 32
)

// CheckListSize returns a *LimitError when n exceeds the list size limit.
func (c *Context) CheckListSize(n int) error {
	if c != nil && c.MaxListSize > 0 && n > c.MaxListSize {
		return &LimitError{Limit: "list size", Max: c.MaxListSize}
	}
	return nil
}

// CheckStringLen returns a *LimitError when a string of n bytes exceeds the
// string length limit.
func (c *Context) CheckStringLen(n int) error {
	if c != nil && c.MaxStringLen > 0 && n > c.MaxStringLen {
		return &LimitError{Limit: "string length", Max: c.MaxStringLen, Unit: "bytes"}
	}
	return nil
}

// grewString checks and counts a string of n bytes an operator is about
// to build.
func (c *Context) grewString(n int) error {
	if err := c.CheckStringLen(n); err != nil {
		return err
	}
	return c.Charge(n + ValueBytes)
}

// Charge counts n bytes against the evaluation's budget and returns a
// *LimitError once the budget is spent.
func (c *Context) Charge(n int) error {
	if c == nil || c.MaxBytes <= 0 {
		return nil
	}
	c.used += n
	if c.used > c.MaxBytes || n < 0 {
		return &LimitError{Limit: "evaluation memory", Max: c.MaxBytes, Unit: "bytes"}
	}
	return nil
}

// Used is the number of bytes charged so far.
func (c *Context) Used() int { return c.used }

// Tick is called once per iteration of loops whose length the input
// decides; every 1024 ticks it returns the evaluation's cancellation
// error, if any, so that work stops soon after the deadline.
func (c *Context) Tick() error {
	if c == nil {
		return nil
	}
	c.ticks++
	if c.ticks&1023 == 0 {
		return cancelled(c)
	}
	return nil
}

// LimitError reports that an evaluation (or a compilation) exceeded a
// configured limit.
type LimitError struct {
	Limit string
	Max   int
	// Unit follows Max in the message ("bytes"); empty for counts.
	Unit string
}

func (e *LimitError) Error() string {
	if e.Unit != "" {
		return fmt.Sprintf("exceeded the %s limit of %d %s", e.Limit, e.Max, e.Unit)
	}
	return fmt.Sprintf("exceeded the %s limit of %d", e.Limit, e.Max)
}

// Error is a run-time error raised by an operator (for example a failed
// conversion, an overflow reported as an error, or Message with severity
// Error). The evaluator adds the source location.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Errorf builds an *Error.
func Errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Func is an operator implementation. Arguments have already been converted
// to the overload's parameter types; any of them may be nil (null).
type Func func(c *Context, args []value.Value) (value.Value, error)

// PrecisionFunc is the implementation of an operator that takes an optional
// precision ("same day as", "months between"). p is value.Unset when the
// expression gives none.
type PrecisionFunc func(c *Context, p value.Precision, args []value.Value) (value.Value, error)

// Overload is one signature of an operator.
type Overload struct {
	// Name is the operator's ELM name (Add, Contains, SameAs, ...).
	Name string
	// Params are the parameter types; they may contain *types.Var, bound
	// by the checker when it resolves a call.
	Params []types.Type
	// Variadic makes the last parameter repeat zero or more times.
	Variadic bool
	// Result is the result type, in terms of the Vars of Params.
	Result types.Type
	// Exactly one of Fn and PFn is set.
	Fn  Func
	PFn PrecisionFunc
}

var (
	mu        sync.RWMutex
	overloads = map[string][]*Overload{}
)

// Register adds overloads. It is called from init functions and panics on a
// malformed overload, which is a programming error.
func Register(ovs ...*Overload) {
	mu.Lock()
	defer mu.Unlock()
	for _, o := range ovs {
		if o.Name == "" || (o.Fn == nil) == (o.PFn == nil) || o.Result == nil {
			panic("builtins: malformed overload " + o.Name)
		}
		overloads[o.Name] = append(overloads[o.Name], o)
	}
}

// Lookup returns the overloads registered under name.
func Lookup(name string) []*Overload {
	mu.RLock()
	defer mu.RUnlock()
	return overloads[name]
}

// Names returns the names of all registered operators, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(overloads))
	for n := range overloads {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Convenience for writing signatures.
var (
	T     = &types.Var{Name: "T"}
	ListT = &types.List{Elem: T}
	IvlT  = &types.Interval{Point: T}
)

// ListOf returns List<t>.
func ListOf(t types.Type) types.Type { return &types.List{Elem: t} }

// IntervalOf returns Interval<t>.
func IntervalOf(t types.Type) types.Type { return &types.Interval{Point: t} }

// offset is the evaluation's timezone offset in minutes east of UTC; it is
// what DateTimes built without an explicit offset take.
func (c *Context) offset() int {
	if c == nil {
		return 0
	}
	return c.Now.OffsetMinutes
}
