package storage

import (
	"reflect"
	"testing"
)

func TestListEncoding(t *testing.T) {
	cases := [][]string{
		nil,
		{""},
		{"", ""},
		{"/srv/data"},
		{"/a", "/b,c", `/quote"d`, `/back\slash`, "/new\nline", "/tab\t", "/<html>&", "/ünïcode", `","`, `["x"]`},
	}
	for _, in := range cases {
		enc, err := encodeList(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := decodeList(enc)
		if err != nil {
			t.Fatalf("decode %q: %v", enc, err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("%q -> %q -> %q", in, enc, out)
		}
	}
	if enc, _ := encodeList([]string{}); enc != "" {
		t.Errorf("empty list encoded as %q", enc)
	}
	// Non-compact JSON (say, written by hand) still decodes.
	for enc, want := range map[string][]string{
		`["a", "b"]`:  {"a", "b"},
		`["a" ,"b"]`:  {"a", "b"},
		`[ "a","b" ]`: {"a", "b"},
		`[]`:          {},
	} {
		got, err := decodeList(enc)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeList(%q) = %q, %v; want %q", enc, got, err, want)
		}
	}
	if _, err := decodeList(`not json`); err == nil {
		t.Error("decodeList of garbage succeeded")
	}
}
