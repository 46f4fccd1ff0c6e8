package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// decoder walks a yaml.Node tree against the config types. It reports every problem with the
// position of the node at fault and the key path leading to it, and remembers where each key
// path was found so that validation can point at it too.
type decoder struct {
	file   string
	errs   []*Error
	vals   map[string]*yaml.Node // key path -> value node ("" is the top-level mapping)
	keys   map[string]*yaml.Node // key path -> the mapping key naming it
	budget int                   // node visits left; bounds work on alias-heavy input
}

// maxVisits bounds the nodes visited, counting each alias expansion anew.
const maxVisits = 200000

func newDecoder(file string) *decoder {
	return &decoder{
		file:   file,
		vals:   map[string]*yaml.Node{},
		keys:   map[string]*yaml.Node{},
		budget: maxVisits,
	}
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	e := &Error{File: d.file, Key: key, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// spend uses up one visit; false once the budget is exhausted (reported once).
func (d *decoder) spend(n *yaml.Node, key string) bool {
	d.budget--
	if d.budget == -1 {
		d.fail(n, key, "document is too complex (too many aliases)")
	}
	return d.budget >= 0
}

// resolve follows aliases; nil (reported) when one does not lead anywhere.
func (d *decoder) resolve(n *yaml.Node, key string) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if n.Alias == nil || i > 32 {
			d.fail(n, key, "alias *%s does not resolve", n.Value)
			return nil
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is, for "expected X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return fmt.Sprintf("%q", clip(n.Value))
	case yaml.DocumentNode:
		return "a document"
	}
	return "an unknown node"
}

func joinKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func indexKey(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

var (
	durationType = reflect.TypeOf(Duration(0))
	sizeType     = reflect.TypeOf(Size(0))
	probeType    = reflect.TypeOf(Probe{})
)

// decodeQuantity fills v from a scalar that parse reads (a duration, a
// size); what names the kind of value in the error.
func decodeQuantity[T ~int64](d *decoder, n *yaml.Node, v reflect.Value, key, what string, parse func(string) (T, error)) {
	if !d.scalar(n, key, what) {
		return
	}
	q, err := parse(n.Value)
	if err != nil {
		d.fail(n, key, "%v", err)
		return
	}
	v.SetInt(int64(q))
}

// decode fills v from n. A null node leaves v at its zero value (the key counts as given).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string) {
	if !d.spend(n, key) {
		return
	}
	if n = d.resolve(n, key); n == nil {
		return
	}
	d.vals[key] = n
	if isNull(n) {
		return
	}
	switch v.Type() {
	case durationType:
		decodeQuantity(d, n, v, key, "a duration", ParseDuration)
		return
	case sizeType:
		decodeQuantity(d, n, v, key, "a size", ParseSize)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, key)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), key)
		v.Set(p)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, key, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), indexKey(key, i))
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, key)
	case reflect.String:
		if d.scalar(n, key, "a string") {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		if !d.scalar(n, key, "true or false") {
			return
		}
		switch strings.ToLower(n.Value) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			d.fail(n, key, "expected true or false, got %s", describe(n))
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if !d.scalar(n, key, "a whole number") {
			return
		}
		i, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64)
		if err != nil || v.OverflowInt(i) {
			d.fail(n, key, "expected a whole number, got %s", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		if !d.scalar(n, key, "a number") {
			return
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.fail(n, key, "expected a number, got %s", describe(n))
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, key, "internal error: cannot decode into %s", v.Type())
	}
}

// scalar reports (and returns false) when n is a list or mapping where a scalar belongs.
func (d *decoder) scalar(n *yaml.Node, key, want string) bool {
	if n.Kind == yaml.ScalarNode {
		return true
	}
	d.fail(n, key, "expected %s, got %s", want, describe(n))
	return false
}

type entry struct{ key, val *yaml.Node }

// entries lists a mapping's key/value pairs: explicit keys first (a repeated key is an
// error), then keys brought in by YAML merge keys ("<<: *anchor") that are not set explicitly.
func (d *decoder) entries(n *yaml.Node, path string, depth int) []entry {
	var out []entry
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !d.spend(n, path) {
			return out
		}
		k := d.resolve(n.Content[i], path)
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "a key must be a plain name, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, n.Content[i+1])
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, joinKey(path, k.Value), "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, entry{k, n.Content[i+1]})
	}
	for _, m := range merges {
		m = d.resolve(m, path)
		if m == nil {
			continue
		}
		var maps []*yaml.Node
		switch m.Kind {
		case yaml.MappingNode:
			maps = append(maps, m)
		case yaml.SequenceNode:
			for _, c := range m.Content {
				if c = d.resolve(c, path); c != nil && c.Kind == yaml.MappingNode {
					maps = append(maps, c)
				} else if c != nil {
					d.fail(c, path, "a merge (<<) takes a mapping or a list of mappings, got %s", describe(c))
				}
			}
		default:
			d.fail(m, path, "a merge (<<) takes a mapping or a list of mappings, got %s", describe(m))
		}
		for _, mm := range maps {
			if depth >= 8 {
				d.fail(mm, path, "merges (<<) are nested too deeply")
				return out
			}
			for _, e := range d.entries(mm, path, depth+1) {
				if _, ok := seen[e.key.Value]; ok {
					continue
				}
				seen[e.key.Value] = e.key
				out = append(out, e)
			}
		}
	}
	return out
}

// field is one yaml-tagged struct field.
type field struct {
	name  string
	index int
}

func fieldsOf(t reflect.Type) []field {
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs = append(fs, field{name, i})
	}
	return fs
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "expected a mapping, got %s", describe(n))
		return
	}
	fs := fieldsOf(v.Type())
	for _, e := range d.entries(n, key, 0) {
		name := e.key.Value
		fk := joinKey(key, name)
		idx := -1
		for _, f := range fs {
			if f.name == name {
				idx = f.index
				break
			}
		}
		if idx < 0 {
			d.unknownKey(e.key, fk, v.Type(), fs)
			continue
		}
		d.keys[fk] = e.key
		d.decode(e.val, v.Field(idx), fk)
	}
}

func (d *decoder) unknownKey(k *yaml.Node, key string, t reflect.Type, fs []field) {
	if t == probeType {
		d.fail(k, key, "unknown probe kind %q (want http, tcp, command or disk)", clip(k.Value))
		return
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	best, bestDist := "", 3
	for _, nm := range names {
		if dist := editDistance(strings.ToLower(k.Value), nm); dist < bestDist {
			best, bestDist = nm, dist
		}
	}
	if best != "" {
		d.fail(k, key, "unknown key; did you mean %q?", best)
		return
	}
	d.fail(k, key, "unknown key (valid here: %s)", strings.Join(names, ", "))
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "expected a mapping, got %s", describe(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
		d.fail(n, key, "internal error: cannot decode into %s", v.Type())
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, e := range d.entries(n, key, 0) {
		fk := joinKey(key, e.key.Value)
		d.keys[fk] = e.key
		val := reflect.New(v.Type().Elem()).Elem()
		d.decode(e.val, val, fk)
		m.SetMapIndex(reflect.ValueOf(e.key.Value).Convert(v.Type().Key()), val)
	}
	v.Set(m)
}

// editDistance is the Levenshtein distance, for "did you mean" hints on short keys.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a YAML parser error into an *Error with a line and column.
//
// The parser's line is that of the construct it was in (and, for some errors, one less),
// not where it gave up; so the line reported is the first one at which the text up to it
// fails with the same message, searched from the parser's line on. The column is that of the
// line's first non-blank character. Errors without a line are placed where the problem can be
// found (an undefined alias, a bad byte).
func syntaxError(file string, data []byte, err error) *Error {
	msg := oneLine(err.Error())
	e := &Error{File: file}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		e.Msg = "syntax error: " + m[2]
		from, _ := strconv.Atoi(m[1])
		e.Line = max(from, 1)
		end := min(len(lines), e.Line+maxSyntaxSearch)
		spent := 0
		for k := e.Line; k <= end && spent < maxSyntaxBytes; k++ {
			prefix := bytes.Join(lines[:k], nil)
			spent += len(prefix)
			perr := parseAll(prefix)
			if perr == nil {
				continue
			}
			pm := oneLine(perr.Error())
			if mm := lineRE.FindStringSubmatch(pm); mm != nil {
				pm = mm[2]
			} else {
				pm = strings.TrimPrefix(pm, "yaml: ")
			}
			if pm == m[2] {
				e.Line = k
				break
			}
		}
	} else {
		e.Msg = "syntax error: " + strings.TrimPrefix(msg, "yaml: ")
		e.Line, e.Column = locateProblem(data, msg)
	}
	if e.Line > len(lines) {
		e.Line = len(lines)
	}
	if e.Column == 0 && e.Line >= 1 {
		l := bytes.TrimRight(lines[e.Line-1], "\r\n")
		e.Column = utf8.RuneCount(l[:len(l)-len(bytes.TrimLeft(l, " "))]) + 1
	}
	return e
}

// maxSyntaxSearch and maxSyntaxBytes bound the work syntaxError does: the lines it tries and
// the bytes it parses again.
const (
	maxSyntaxSearch = 200
	maxSyntaxBytes  = 8 << 20
)

// parseAll parses every document in data and returns the first error.
func parseAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

var anchorRE = regexp.MustCompile(`unknown anchor '(.*)' referenced`)

// locateProblem finds the line and column for parser errors that carry no line.
func locateProblem(data []byte, msg string) (line, col int) {
	at := -1
	if m := anchorRE.FindStringSubmatch(msg); m != nil {
		at = bytes.Index(data, []byte("*"+m[1]))
	}
	if at < 0 {
		// invalid UTF-8 or a control character
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if (r == utf8.RuneError && size == 1) || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == 0xFEFF && i > 0 {
				at = i
				break
			}
			i += size
		}
	}
	if at < 0 {
		return 1, 1
	}
	before := data[:at]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
