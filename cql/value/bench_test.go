package value

import "testing"

func TestNoAllocSimpleCompare(t *testing.T) {
	a, b := Value(Integer(1000)), Value(Integer(2000))
	s1, s2 := Value(String("abc")), Value(String("abd"))
	l1, l2 := Value(Long(1)), Value(Long(2))
	d1, d2 := Value(dec("1.5")), Value(dec("2.5"))
	t1, t2 := Value(mk(2012, 1, 1, 10)), Value(mk(2012, 1, 2))
	n := testing.AllocsPerRun(100, func() {
		Compare(a, b)
		Equal(a, b)
		Compare(s1, s2)
		Equal(s1, s2)
		Compare(l1, l2)
		Equal(l1, l2)
		Compare(d1, d2)
		Equal(d1, d2)
		Equal(Boolean(true), Boolean(false))
		Compare(t1, t2)
		Equal(t1, t2)
	})
	if n != 0 {
		t.Errorf("simple comparisons allocate: %v allocs per run", n)
	}
}

func BenchmarkEqualInteger(b *testing.B) {
	x, y := Value(Integer(1000)), Value(Integer(1000))
	for i := 0; i < b.N; i++ {
		Equal(x, y)
	}
}

func BenchmarkCompareDateTime(b *testing.B) {
	x, y := Value(mk(2012, 1, 1, 10, 0, 0, 0)), Value(mk(2012, 1, 1, 10, 0, 0, 1))
	for i := 0; i < b.N; i++ {
		Compare(x, y)
	}
}

func BenchmarkDecAdd(b *testing.B) {
	x, y := dec("1.5"), dec("2.25")
	for i := 0; i < b.N; i++ {
		_, _ = DecAdd(x, y)
	}
}
