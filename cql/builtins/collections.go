package builtins

// Registration of the list and interval operators, in one place so that
// the order is fixed: when a call has an untyped null argument, several
// overloads can match equally well and the checker takes the one
// registered first. The list forms come first, so that
// "null properly includes {2}" is the list-list ProperIncludes (null)
// rather than the interval-point form (false).
func init() {
	b2RegisterLists()
	b2RegisterIntervals()
	b2RegisterCollapseExpand()
}
