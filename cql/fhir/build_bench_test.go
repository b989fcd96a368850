package fhir

import "testing"

func BenchmarkBuildModel(b *testing.B) {
	for i := 0; i < b.N; i++ {
		build()
	}
}
