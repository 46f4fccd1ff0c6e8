package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		str  string
	}{
		{"0", 0, "0s"},
		{"0s", 0, "0s"},
		{"90s", 90 * time.Second, "1m30s"},
		{"15m", 15 * time.Minute, "15m"},
		{"1h", time.Hour, "1h"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"7d", 7 * 24 * time.Hour, "7d"},
		{"30d", 30 * 24 * time.Hour, "30d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"36h", 36 * time.Hour, "1d12h"},
		{"1.5d", 36 * time.Hour, "1d12h"},
		{"2d3h4m5s", 2*24*time.Hour + 3*time.Hour + 4*time.Minute + 5*time.Second, "2d3h4m5s"},
		{"500ms", 500 * time.Millisecond, "500ms"},
		{"1.5s", 1500 * time.Millisecond, "1.5s"},
		{"1d0.25s", 24*time.Hour + 250*time.Millisecond, "1d0.25s"},
		{" 10m ", 10 * time.Minute, "10m"},
		{"+5m", 5 * time.Minute, "5m"},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tc.in, err)
			continue
		}
		if got.D() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, want %v", tc.in, got.D(), tc.want)
		}
		checkString(t, tc.in, got, tc.str, ParseDuration)
	}
	checkParseErrors(t, "ParseDuration", ParseDuration, []parseErrorCase{
		{"", "empty"},
		{"10", "missing unit"},
		{"-1h", "must not be negative"},
		{"-0s", "must not be negative"},
		{"1w", `unknown unit "w"`},
		{"d", "expected a number"},
		{"1h 30m", "unknown unit"},
		{"1..5h", "bad number"},
		{"300000000d", "too large"},
		{"9223372036854775807ns1ns", "too large"},
		{"abc", "expected a number"},
	})
}

// checkString asserts that got prints as want and parses back to itself.
func checkString[T interface {
	comparable
	String() string
}](t *testing.T, in string, got T, want string, parse func(string) (T, error)) {
	t.Helper()
	if s := got.String(); s != want {
		t.Errorf("String(%q) = %q, want %q", in, s, want)
	}
	if back, err := parse(got.String()); err != nil || back != got {
		t.Errorf("round trip of %q: %v, %v", got.String(), back, err)
	}
}

// parseErrorCase is an input a parser must refuse, and words of the refusal.
type parseErrorCase struct{ in, msg string }

// checkParseErrors asserts that parse refuses every input, saying msg.
func checkParseErrors[T any](t *testing.T, name string, parse func(string) (T, error), cases []parseErrorCase) {
	t.Helper()
	for _, tc := range cases {
		_, err := parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s(%q) error = %v, want %q", name, tc.in, err, tc.msg)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		str  string
	}{
		{"0", 0, "0B"},
		{"1024", 1024, "1KiB"},
		{"1023", 1023, "1023B"},
		{"1023B", 1023, "1023B"},
		{"500MB", 500e6, "500MB"},
		{"500mb", 500e6, "500MB"},
		{"50GiB", 50 << 30, "50GiB"},
		{"50gib", 50 << 30, "50GiB"},
		{"1.5TiB", 3 << 39, "1536GiB"},
		{"2TB", 2e12, "2TB"},
		{"10k", 10 << 10, "10KiB"},
		{"10K", 10 << 10, "10KiB"},
		{"10KB", 10e3, "10KB"},
		{"4M", 4 << 20, "4MiB"},
		{"1 GiB", 1 << 30, "1GiB"},
		{"1024000", 1024000, "1000KiB"},
		{"1.5B", 1, "1B"},
		{"8EiB", -1, ""}, // too large: checked below
	} {
		got, err := ParseSize(tc.in)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("ParseSize(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSize(%q): %v", tc.in, err)
			continue
		}
		if got.Bytes() != tc.want {
			t.Errorf("ParseSize(%q) = %d, want %d", tc.in, got, tc.want)
		}
		checkString(t, tc.in, got, tc.str, ParseSize)
	}
	checkParseErrors(t, "ParseSize", ParseSize, []parseErrorCase{
		{"", "want e.g."},
		{"-1GB", "must not be negative"},
		{"GB", "want e.g."},
		{"5XB", `unknown unit "XB"`},
		{"1e3", "want e.g."},
		{"1,5GB", "want e.g."},
		{"99999999999999999999", "too large"},
	})
}

func TestScalarsText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1d12h")); err != nil || d.D() != 36*time.Hour {
		t.Errorf("UnmarshalText: %v %v", d, err)
	}
	if b, _ := d.MarshalText(); string(b) != "1d12h" {
		t.Errorf("MarshalText = %s", b)
	}
	var s Size
	if err := s.UnmarshalText([]byte("50GiB")); err != nil || s != 50<<30 {
		t.Errorf("UnmarshalText: %v %v", s, err)
	}
	if b, _ := s.MarshalText(); string(b) != "50GiB" {
		t.Errorf("MarshalText = %s", b)
	}
}
