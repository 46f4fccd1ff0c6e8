package config

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/hide"
)

const day = 24 * time.Hour

// ParseDuration parses Go duration syntax ("90s", "1h30m", "1.5h") extended with "d" for
// 24-hour days ("7d", "1d12h"). Negative durations are an error.
func ParseDuration(s string) (Duration, error) {
	in := s
	s = strings.TrimSpace(s)
	bad := func(why string) error {
		return fmt.Errorf("invalid duration %q: %s (want e.g. 90s, 15m, 1h, 7d, 1d12h)", clip(in), why)
	}
	if s == "" {
		return 0, bad("empty")
	}
	if s[0] == '-' {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", clip(in))
	}
	if s[0] == '+' {
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, bad("expected a number")
		}
		j := i
		for j < len(s) && !isDigit(s[j]) && s[j] != '.' {
			j++
		}
		num, unit := s[:i], s[i:j]
		if unit == "" {
			return 0, bad("missing unit")
		}
		var part time.Duration
		var err error
		if unit == "d" {
			part, err = time.ParseDuration(num + "h")
			if err == nil {
				if part > math.MaxInt64/24 {
					return 0, bad("too large")
				}
				part *= 24
			}
		} else {
			part, err = time.ParseDuration(num + unit)
		}
		if err != nil {
			var why string
			switch {
			case strings.Contains(err.Error(), "unknown unit"):
				why = fmt.Sprintf("unknown unit %q", clip(unit))
			case numRE.MatchString(num):
				why = "too large"
			default:
				why = fmt.Sprintf("bad number %q", clip(num))
			}
			return 0, bad(why)
		}
		if total > math.MaxInt64-part {
			return 0, bad("too large")
		}
		total += part
		s = s[j:]
	}
	return Duration(total), nil
}

// String prints d compactly, with days: "7d", "1d12h", "1h30m", "90s" prints as "1m30s";
// below a second Go's form ("500ms"). ParseDuration reads it back to the same value.
func (d Duration) String() string {
	if d < 0 {
		return time.Duration(d).String()
	}
	if d == 0 {
		return "0s"
	}
	t := time.Duration(d)
	if t < time.Second {
		return t.String()
	}
	var b strings.Builder
	days := t / day
	t -= days * day
	h := t / time.Hour
	t -= h * time.Hour
	m := t / time.Minute
	t -= m * time.Minute
	sec := t / time.Second
	ns := t - sec*time.Second
	if days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10) + "d")
	}
	if h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "h")
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "m")
	}
	if sec > 0 || ns > 0 {
		b.WriteString(strconv.FormatInt(int64(sec), 10))
		if ns > 0 {
			b.WriteString("." + strings.TrimRight(fmt.Sprintf("%09d", int64(ns)), "0"))
		}
		b.WriteString("s")
	}
	return b.String()
}

// MarshalText writes the String form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what ParseDuration accepts.
func (d *Duration) UnmarshalText(b []byte) error { return unmarshalText(d, b, ParseDuration) }

var numRE = regexp.MustCompile(`^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$`)

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// sizeUnits maps a lower-cased unit to its factor: B; KB, MB, GB, TB, PB, EB are powers of
// 1000; KiB ... EiB and the single letters K, M, G, T, P, E (as restic reads them) are powers
// of 1024.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15, "eb": 1e18,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "pib": 1 << 50, "eib": 1 << 60,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50, "e": 1 << 60,
}

// ParseSize parses a byte count: "1024", "500MB", "50GiB", "1.5TiB", "10k". The unit is
// case-insensitive; a bare number is bytes; fractions of a byte are dropped.
func ParseSize(s string) (Size, error) {
	in := s
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("invalid size %q: must not be negative", clip(in))
	}
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid size %q (want e.g. 1024, 500MB, 50GiB, 1.5TiB)", clip(in))
	}
	f, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (want B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)", clip(in), clip(m[2]))
	}
	r, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return 0, fmt.Errorf("invalid size %q", clip(in))
	}
	r.Mul(r, new(big.Rat).SetInt64(f))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, fmt.Errorf("invalid size %q: too large", clip(in))
	}
	return Size(q.Int64()), nil
}

var sizeNames = []struct {
	name string
	f    int64
}{
	{"EiB", 1 << 60}, {"EB", 1e18}, {"PiB", 1 << 50}, {"PB", 1e15}, {"TiB", 1 << 40}, {"TB", 1e12},
	{"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3},
}

// String prints s with the largest unit that divides it exactly: "50GiB", "500MB", "1023B".
func (s Size) String() string {
	if s > 0 {
		for _, u := range sizeNames {
			if int64(s)%u.f == 0 {
				return strconv.FormatInt(int64(s)/u.f, 10) + u.name
			}
		}
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

// MarshalText writes the String form.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what ParseSize accepts.
func (s *Size) UnmarshalText(b []byte) error { return unmarshalText(s, b, ParseSize) }

// unmarshalText sets *dst to what parse reads from b, and leaves it alone
// when parse fails.
func unmarshalText[T any](dst *T, b []byte, parse func(string) (T, error)) error {
	v, err := parse(string(b))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// Bytes returns the value as an int64.
func (s Size) Bytes() int64 { return int64(s) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// clip shortens a value quoted in an error message.
// clip shortens a value an error quotes, without a URL password in it.
func clip(s string) string {
	s = hide.URLPassword(s)
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
