package builtins

// Registration of the list and interval operators, in one place so that
// the order is fixed: when a call has an untyped null argument, several
// overloads can match equally well and the checker takes the one
// registered first. The list forms come first, so that
// "null properly includes {2}" is the list-list ProperIncludes (null)
// rather than the interval-point form (false).
//
// Go runs the init functions of a package in the order of their file
// names, so the name of this file also places these operators after the
// arithmetic ones and before those of compare.go, datetime.go and
// strings.go.
func init() {
	registerLists()
	registerIntervals()
	registerCollapseExpand()
}
