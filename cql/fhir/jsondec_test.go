package fhir

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func stdDecode(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.TrimLeft(data[d.InputOffset():], " \t\r\n")) > 0 {
		return nil, errTrailing
	}
	return v, nil
}

var errTrailing = &DataError{Msg: "trailing"}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{obsJSON, `{"a":"\u00e9\ud83d\ude00\n\t\"x\\/"}`, `[1,-0.5e+3,true,false,null,{}]`,
		`{"a":1,"a":2}`, `"\ud800"`, "\"\xff\xfe\"", `01`, `1.`, `{"a" 1}`, `[1,]`, `{}x`, ` {"k": [ ] } `, `-`, `"\u12"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := stdDecode(data)
		got, gerr := decodeJSON(data)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%q: std err %v, ours %v", data, werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q: std %#v, ours %#v", data, want, got)
		}
	})
}

func BenchmarkDecodeJSON(b *testing.B) {
	data := []byte(obsJSON)
	b.Run("ours", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			decodeJSON(data)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			stdDecode(data)
		}
	})
}
