package builtins

// String operators. Indexes are 0-based and count Unicode code points.
// Regular expressions use Go's RE2 syntax, which covers the Java-style
// patterns that CQL libraries normally use except backreferences,
// lookaround and possessive quantifiers (those patterns raise an error).

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ccg-project/ccg/cql/types"
	"github.com/ccg-project/ccg/cql/value"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

func init() {
	s, i, b := types.String, types.Integer, types.Boolean
	ls := ListOf(s)
	reg("Concatenate", s, concatenate, s, s)
	reg("Combine", s, combine, ls)
	reg("Combine", s, combine, ls, s)
	reg("Split", ls, split, s, s)
	reg("SplitOnMatches", ls, splitOnMatches, s, s)
	reg("Length", i, strLength, s)
	reg("Upper", s, strUpper, s)
	reg("Lower", s, strLower, s)
	reg("Indexer", s, stringIndexer, s, i)
	reg("PositionOf", i, positionOf, s, s)
	reg("LastPositionOf", i, lastPositionOf, s, s)
	reg("Substring", s, strSubstring, s, i)
	reg("Substring", s, strSubstring, s, i, i)
	reg("StartsWith", b, startsWith, s, s)
	reg("EndsWith", b, endsWith, s, s)
	reg("Matches", b, strMatches, s, s)
	reg("ReplaceMatches", s, replaceMatches, s, s, s)
}

// strs extracts n String arguments; null reports that one of them is null.
func strs(op string, a []value.Value, n int) (out [3]string, null bool, err error) {
	for k := 0; k < n; k++ {
		switch x := a[k].(type) {
		case nil:
			null = true
		case value.String:
			out[k] = string(x)
		default:
			return out, false, typeErr(op, a[k])
		}
	}
	return out, null, nil
}

func concatenate(c *Context, a []value.Value) (value.Value, error) {
	s, null, err := strs("Concatenate", a, 2)
	if null || err != nil {
		return nil, err
	}
	if err := c.grewString(len(s[0]) + len(s[1])); err != nil {
		return nil, err
	}
	return value.String(s[0] + s[1]), nil
}

// combine joins the non-null strings of a list; an empty result (no
// non-null elements) is null.
func combine(c *Context, a []value.Value) (value.Value, error) {
	l, null, err := arg1[value.List]("Combine", a)
	if null || err != nil {
		return nil, err
	}
	sep := ""
	if len(a) > 1 {
		if a[1] == nil {
			return nil, nil
		}
		x, ok := a[1].(value.String)
		if !ok {
			return nil, typeErr("Combine", a[1])
		}
		sep = string(x)
	}
	size := 0
	for _, e := range l.Elems {
		if x, ok := e.(value.String); ok {
			size += len(x) + len(sep)
		}
	}
	if err := c.grewString(size - len(sep)); err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.Grow(max(size-len(sep), 0))
	n := 0
	for _, e := range l.Elems {
		if e == nil {
			continue
		}
		x, ok := e.(value.String)
		if !ok {
			return nil, typeErr("Combine", e)
		}
		if n > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(string(x))
		n++
	}
	if n == 0 {
		return nil, nil
	}
	return value.String(sb.String()), nil
}

func stringList(parts []string) value.Value {
	elems := make([]value.Value, len(parts))
	for k, p := range parts {
		elems[k] = value.String(p)
	}
	return value.List{Elems: elems, ElemType: types.String}
}

func split(c *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	src, ok := a[0].(value.String)
	if !ok {
		return nil, typeErr("Split", a[0])
	}
	if a[1] == nil {
		return stringList([]string{string(src)}), nil
	}
	sep, ok := a[1].(value.String)
	if !ok {
		return nil, typeErr("Split", a[1])
	}
	parts := strings.Split(string(src), string(sep))
	if err := c.CheckListSize(len(parts)); err != nil {
		return nil, err
	}
	return stringList(parts), nil
}

func splitOnMatches(c *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	src, ok := a[0].(value.String)
	if !ok {
		return nil, typeErr("SplitOnMatches", a[0])
	}
	if a[1] == nil {
		return stringList([]string{string(src)}), nil
	}
	pat, ok := a[1].(value.String)
	if !ok {
		return nil, typeErr("SplitOnMatches", a[1])
	}
	re, err := compileRegexp(string(pat), false)
	if err != nil {
		return nil, err
	}
	parts := re.Split(string(src), -1)
	if err := c.CheckListSize(len(parts)); err != nil {
		return nil, err
	}
	return stringList(parts), nil
}

func strLength(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := arg1[value.String]("Length", a)
	if null || err != nil {
		return nil, err
	}
	return value.Integer(utf8.RuneCountInString(string(s))), nil
}

func strUpper(c *Context, a []value.Value) (value.Value, error) {
	s, null, err := arg1[value.String]("Upper", a)
	if null || err != nil {
		return nil, err
	}
	if err := c.grewString(len(s)); err != nil {
		return nil, err
	}
	return value.String(caseMap(string(s), true)), nil
}

func strLower(c *Context, a []value.Value) (value.Value, error) {
	s, null, err := arg1[value.String]("Lower", a)
	if null || err != nil {
		return nil, err
	}
	if err := c.grewString(len(s)); err != nil {
		return nil, err
	}
	return value.String(caseMap(string(s), false)), nil
}

// caseMap converts to upper or lower case with the full Unicode mappings
// (upper-case 'ß' is "SS", as in Java); ASCII text takes the fast path.
func caseMap(s string, upper bool) string {
	ascii := true
	for k := 0; k < len(s); k++ {
		if s[k] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	switch {
	case ascii && upper:
		return strings.ToUpper(s)
	case ascii:
		return strings.ToLower(s)
	case upper:
		return cases.Upper(language.Und).String(s)
	}
	return cases.Lower(language.Und).String(s)
}

// runeOffset returns the byte offset of the code point with index i in s,
// or -1 when i is out of range; i == rune count gives len(s).
func runeOffset(s string, i int) int {
	if i < 0 {
		return -1
	}
	n := 0
	for off := range s {
		if n == i {
			return off
		}
		n++
	}
	if n == i {
		return len(s)
	}
	return -1
}

func stringIndexer(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil || a[1] == nil {
		return nil, nil
	}
	s, ok := a[0].(value.String)
	if !ok {
		return nil, typeErr("Indexer", a[0])
	}
	i, ok := a[1].(value.Integer)
	if !ok {
		return nil, typeErr("Indexer", a[1])
	}
	off := runeOffset(string(s), int(i))
	if off < 0 || off >= len(s) {
		return nil, nil
	}
	_, size := utf8.DecodeRuneInString(string(s[off:]))
	return s[off : off+size], nil
}

func positionOf(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := strs("PositionOf", a, 2)
	if null || err != nil {
		return nil, err
	}
	k := strings.Index(s[1], s[0])
	if k < 0 {
		return value.Integer(-1), nil
	}
	return value.Integer(utf8.RuneCountInString(s[1][:k])), nil
}

func lastPositionOf(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := strs("LastPositionOf", a, 2)
	if null || err != nil {
		return nil, err
	}
	k := strings.LastIndex(s[1], s[0])
	if k < 0 {
		return value.Integer(-1), nil
	}
	return value.Integer(utf8.RuneCountInString(s[1][:k])), nil
}

// strSubstring returns the substring starting at a 0-based start index,
// optionally limited to length code points. A start index outside the
// string is null (the empty string accepts start 0).
func strSubstring(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil || a[1] == nil {
		return nil, nil
	}
	s, ok := a[0].(value.String)
	if !ok {
		return nil, typeErr("Substring", a[0])
	}
	start, ok := a[1].(value.Integer)
	if !ok {
		return nil, typeErr("Substring", a[1])
	}
	from := runeOffset(string(s), int(start))
	if from < 0 || (from == len(s) && len(s) > 0) {
		return nil, nil
	}
	rest := s[from:]
	if len(a) < 3 || a[2] == nil {
		return rest, nil
	}
	n, ok := a[2].(value.Integer)
	if !ok {
		return nil, typeErr("Substring", a[2])
	}
	if n < 0 {
		return nil, nil
	}
	if to := runeOffset(string(rest), int(n)); to >= 0 {
		return rest[:to], nil
	}
	return rest, nil
}

func startsWith(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := strs("StartsWith", a, 2)
	if null || err != nil {
		return nil, err
	}
	return boolValue(strings.HasPrefix(s[0], s[1])), nil
}

func endsWith(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := strs("EndsWith", a, 2)
	if null || err != nil {
		return nil, err
	}
	return boolValue(strings.HasSuffix(s[0], s[1])), nil
}

// strMatches reports whether the whole string matches the pattern.
func strMatches(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := strs("Matches", a, 2)
	if null || err != nil {
		return nil, err
	}
	re, err := compileRegexp(s[1], true)
	if err != nil {
		return nil, err
	}
	return boolValue(re.MatchString(s[0])), nil
}

func replaceMatches(c *Context, a []value.Value) (value.Value, error) {
	s, null, err := strs("ReplaceMatches", a, 3)
	if null || err != nil {
		return nil, err
	}
	re, err := compileRegexp(s[1], false)
	if err != nil {
		return nil, err
	}
	// Replace match by match (as ReplaceAllString does) so that a result
	// over the string length limit is refused before it is built.
	tmpl := translateReplacement(s[2], re.NumSubexp())
	var out []byte
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s[0], -1) {
		if err := c.Tick(); err != nil {
			return nil, err
		}
		out = append(out, s[0][last:m[0]]...)
		out = re.ExpandString(out, tmpl, s[0], m)
		last = m[1]
		if err := c.CheckStringLen(len(out) + len(s[0]) - last); err != nil {
			return nil, err
		}
	}
	out = append(out, s[0][last:]...)
	if err := c.Charge(len(out)); err != nil {
		return nil, err
	}
	return value.String(out), nil
}

// translateReplacement rewrites a Java-style replacement string (\x is a literal x,
// $n is group n, ${name} a named group) into Go's template syntax.
func translateReplacement(r string, groups int) string {
	if !strings.ContainsAny(r, `\$`) {
		return r
	}
	var sb strings.Builder
	for k := 0; k < len(r); k++ {
		ch := r[k]
		switch {
		case ch == '\\' && k+1 < len(r):
			k++
			if r[k] == '$' {
				sb.WriteString("$$")
			} else {
				sb.WriteByte(r[k])
			}
		case ch == '$' && k+1 < len(r) && r[k+1] >= '0' && r[k+1] <= '9':
			// Java takes the longest digit run naming an existing group.
			n := int(r[k+1] - '0')
			j := k + 2
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				m := n*10 + int(r[j]-'0')
				if m > groups {
					break
				}
				n = m
				j++
			}
			sb.WriteString("${")
			sb.WriteString(r[k+1 : j])
			sb.WriteString("}")
			k = j - 1
		case ch == '$' && k+1 < len(r) && r[k+1] == '{':
			end := strings.IndexByte(r[k:], '}')
			if end < 0 {
				sb.WriteString("$$")
				continue
			}
			sb.WriteString(r[k : k+end+1])
			k += end
		case ch == '$':
			sb.WriteString("$$")
		default:
			sb.WriteByte(ch)
		}
	}
	return sb.String()
}

// Compiled patterns are cached; the cache stops growing at regexpCacheMax
// entries so that generated patterns cannot exhaust memory.
const regexpCacheMax = 512

var (
	regexpMu    sync.RWMutex
	regexpCache = map[string]*regexp.Regexp{}
	anchorCache = map[string]*regexp.Regexp{}
)

// compileRegexp compiles pattern, anchored to the whole string when whole is set.
func compileRegexp(pattern string, whole bool) (*regexp.Regexp, error) {
	cache := regexpCache
	if whole {
		cache = anchorCache
	}
	regexpMu.RLock()
	re := cache[pattern]
	regexpMu.RUnlock()
	if re != nil {
		return re, nil
	}
	src := javaRegexp(pattern)
	if whole {
		src = `\A(?:` + src + `)\z`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, Errorf("invalid regular expression %q: %v", pattern, err)
	}
	regexpMu.Lock()
	if len(cache) < regexpCacheMax {
		cache[pattern] = re
	}
	regexpMu.Unlock()
	return re, nil
}

// posixClasses maps Java's \p{Name} POSIX character classes (US-ASCII)
// to Go's bracket-expression names.
var posixClasses = map[string]string{
	"Lower": "lower", "Upper": "upper", "ASCII": "ascii", "Alpha": "alpha", "Digit": "digit",
	"Alnum": "alnum", "Punct": "punct", "Graph": "graph", "Print": "print", "Blank": "blank",
	"Cntrl": "cntrl", "XDigit": "xdigit", "Space": "space",
}

// javaRegexp rewrites the Java-only parts of a pattern that have a
// direct RE2 equivalent: the POSIX classes \p{Alpha} etc. (\P{...} negated),
// \p{IsLatin}-style script names and \p{javaLowerCase}-style classes.
// Everything else is passed through; unsupported constructs (lookaround,
// backreferences) make regexp.Compile fail with an error.
func javaRegexp(p string) string {
	if !strings.Contains(p, `\p{`) && !strings.Contains(p, `\P{`) {
		return p
	}
	var sb strings.Builder
	inClass := false
	for k := 0; k < len(p); k++ {
		ch := p[k]
		switch {
		case ch == '\\' && k+1 < len(p) && (p[k+1] == 'p' || p[k+1] == 'P') && k+2 < len(p) && p[k+2] == '{':
			end := strings.IndexByte(p[k:], '}')
			if end < 0 {
				sb.WriteString(p[k:])
				return sb.String()
			}
			name := p[k+3 : k+end]
			neg := p[k+1] == 'P'
			sb.WriteString(classFor(name, neg, inClass))
			k += end
		case ch == '\\' && k+1 < len(p):
			sb.WriteByte(ch)
			sb.WriteByte(p[k+1])
			k++
		case ch == '[' && !inClass:
			inClass = true
			sb.WriteByte(ch)
			// A ']' right after '[' or '[^' is a literal.
			if k+1 < len(p) && p[k+1] == '^' {
				sb.WriteByte('^')
				k++
			}
			if k+1 < len(p) && p[k+1] == ']' {
				sb.WriteByte(']')
				k++
			}
		case ch == ']' && inClass:
			inClass = false
			sb.WriteByte(ch)
		default:
			sb.WriteByte(ch)
		}
	}
	return sb.String()
}

// classFor renders one Java \p{name} class in RE2 syntax.
func classFor(name string, neg, inClass bool) string {
	if posix, ok := posixClasses[name]; ok {
		c := "[:" + posix + ":]"
		if neg {
			c = "[:^" + posix + ":]"
		}
		if inClass {
			return c
		}
		return "[" + c + "]"
	}
	switch name {
	case "javaLowerCase", "IsLowercase":
		name = "Ll"
	case "javaUpperCase", "IsUppercase":
		name = "Lu"
	case "IsAlphabetic", "javaLetter":
		name = "L"
	case "IsDigit", "javaDigit":
		name = "Nd"
	case "IsWhite_Space", "javaWhitespace":
		if neg {
			return `\S`
		}
		return `\s`
	default:
		// \p{IsLatin}, \p{IsL} -> Latin, L; other names pass through.
		name = strings.TrimPrefix(name, "Is")
	}
	if neg {
		return `\P{` + name + `}`
	}
	return `\p{` + name + `}`
}
