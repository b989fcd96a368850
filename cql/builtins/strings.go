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
	b1Reg("Concatenate", s, b1Concatenate, s, s)
	b1Reg("Combine", s, b1Combine, ls)
	b1Reg("Combine", s, b1Combine, ls, s)
	b1Reg("Split", ls, b1Split, s, s)
	b1Reg("SplitOnMatches", ls, b1SplitOnMatches, s, s)
	b1Reg("Length", i, b1Length, s)
	b1Reg("Upper", s, b1Upper, s)
	b1Reg("Lower", s, b1Lower, s)
	b1Reg("Indexer", s, b1StringIndexer, s, i)
	b1Reg("PositionOf", i, b1PositionOf, s, s)
	b1Reg("LastPositionOf", i, b1LastPositionOf, s, s)
	b1Reg("Substring", s, b1Substring, s, i)
	b1Reg("Substring", s, b1Substring, s, i, i)
	b1Reg("StartsWith", b, b1StartsWith, s, s)
	b1Reg("EndsWith", b, b1EndsWith, s, s)
	b1Reg("Matches", b, b1Matches, s, s)
	b1Reg("ReplaceMatches", s, b1ReplaceMatches, s, s, s)
}

// b1Strs extracts n String arguments; null reports that one of them is null.
func b1Strs(op string, a []value.Value, n int) (out [3]string, null bool, err error) {
	for k := 0; k < n; k++ {
		switch x := a[k].(type) {
		case nil:
			null = true
		case value.String:
			out[k] = string(x)
		default:
			return out, false, b1TypeErr(op, a[k])
		}
	}
	return out, null, nil
}

func b1Concatenate(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Strs("Concatenate", a, 2)
	if null || err != nil {
		return nil, err
	}
	return value.String(s[0] + s[1]), nil
}

// b1Combine joins the non-null strings of a list; an empty result (no
// non-null elements) is null.
func b1Combine(_ *Context, a []value.Value) (value.Value, error) {
	l, null, err := b1Arg1[value.List]("Combine", a)
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
			return nil, b1TypeErr("Combine", a[1])
		}
		sep = string(x)
	}
	var sb strings.Builder
	n := 0
	for _, e := range l.Elems {
		if e == nil {
			continue
		}
		x, ok := e.(value.String)
		if !ok {
			return nil, b1TypeErr("Combine", e)
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

func b1StringList(parts []string) value.Value {
	elems := make([]value.Value, len(parts))
	for k, p := range parts {
		elems[k] = value.String(p)
	}
	return value.List{Elems: elems, ElemType: types.String}
}

func b1Split(c *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	src, ok := a[0].(value.String)
	if !ok {
		return nil, b1TypeErr("Split", a[0])
	}
	if a[1] == nil {
		return b1StringList([]string{string(src)}), nil
	}
	sep, ok := a[1].(value.String)
	if !ok {
		return nil, b1TypeErr("Split", a[1])
	}
	parts := strings.Split(string(src), string(sep))
	if err := c.CheckListSize(len(parts)); err != nil {
		return nil, err
	}
	return b1StringList(parts), nil
}

func b1SplitOnMatches(c *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	src, ok := a[0].(value.String)
	if !ok {
		return nil, b1TypeErr("SplitOnMatches", a[0])
	}
	if a[1] == nil {
		return b1StringList([]string{string(src)}), nil
	}
	pat, ok := a[1].(value.String)
	if !ok {
		return nil, b1TypeErr("SplitOnMatches", a[1])
	}
	re, err := b1Regexp(string(pat), false)
	if err != nil {
		return nil, err
	}
	parts := re.Split(string(src), -1)
	if err := c.CheckListSize(len(parts)); err != nil {
		return nil, err
	}
	return b1StringList(parts), nil
}

func b1Length(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Arg1[value.String]("Length", a)
	if null || err != nil {
		return nil, err
	}
	return value.Integer(utf8.RuneCountInString(string(s))), nil
}

func b1Upper(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Arg1[value.String]("Upper", a)
	if null || err != nil {
		return nil, err
	}
	return value.String(b1CaseMap(string(s), true)), nil
}

func b1Lower(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Arg1[value.String]("Lower", a)
	if null || err != nil {
		return nil, err
	}
	return value.String(b1CaseMap(string(s), false)), nil
}

// b1CaseMap converts to upper or lower case with the full Unicode mappings
// (upper-case 'ß' is "SS", as in Java); ASCII text takes the fast path.
func b1CaseMap(s string, upper bool) string {
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

// b1RuneOffset returns the byte offset of the code point with index i in s,
// or -1 when i is out of range; i == rune count gives len(s).
func b1RuneOffset(s string, i int) int {
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

func b1StringIndexer(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil || a[1] == nil {
		return nil, nil
	}
	s, ok := a[0].(value.String)
	if !ok {
		return nil, b1TypeErr("Indexer", a[0])
	}
	i, ok := a[1].(value.Integer)
	if !ok {
		return nil, b1TypeErr("Indexer", a[1])
	}
	off := b1RuneOffset(string(s), int(i))
	if off < 0 || off >= len(s) {
		return nil, nil
	}
	_, size := utf8.DecodeRuneInString(string(s[off:]))
	return s[off : off+size], nil
}

func b1PositionOf(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Strs("PositionOf", a, 2)
	if null || err != nil {
		return nil, err
	}
	k := strings.Index(s[1], s[0])
	if k < 0 {
		return value.Integer(-1), nil
	}
	return value.Integer(utf8.RuneCountInString(s[1][:k])), nil
}

func b1LastPositionOf(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Strs("LastPositionOf", a, 2)
	if null || err != nil {
		return nil, err
	}
	k := strings.LastIndex(s[1], s[0])
	if k < 0 {
		return value.Integer(-1), nil
	}
	return value.Integer(utf8.RuneCountInString(s[1][:k])), nil
}

// b1Substring returns the substring starting at a 0-based start index,
// optionally limited to length code points. A start index outside the
// string is null (the empty string accepts start 0).
func b1Substring(_ *Context, a []value.Value) (value.Value, error) {
	if a[0] == nil || a[1] == nil {
		return nil, nil
	}
	s, ok := a[0].(value.String)
	if !ok {
		return nil, b1TypeErr("Substring", a[0])
	}
	start, ok := a[1].(value.Integer)
	if !ok {
		return nil, b1TypeErr("Substring", a[1])
	}
	from := b1RuneOffset(string(s), int(start))
	if from < 0 || (from == len(s) && len(s) > 0) {
		return nil, nil
	}
	rest := s[from:]
	if len(a) < 3 || a[2] == nil {
		return rest, nil
	}
	n, ok := a[2].(value.Integer)
	if !ok {
		return nil, b1TypeErr("Substring", a[2])
	}
	if n < 0 {
		return nil, nil
	}
	if to := b1RuneOffset(string(rest), int(n)); to >= 0 {
		return rest[:to], nil
	}
	return rest, nil
}

func b1StartsWith(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Strs("StartsWith", a, 2)
	if null || err != nil {
		return nil, err
	}
	return b1Bool(strings.HasPrefix(s[0], s[1])), nil
}

func b1EndsWith(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Strs("EndsWith", a, 2)
	if null || err != nil {
		return nil, err
	}
	return b1Bool(strings.HasSuffix(s[0], s[1])), nil
}

// b1Matches reports whether the whole string matches the pattern.
func b1Matches(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Strs("Matches", a, 2)
	if null || err != nil {
		return nil, err
	}
	re, err := b1Regexp(s[1], true)
	if err != nil {
		return nil, err
	}
	return b1Bool(re.MatchString(s[0])), nil
}

func b1ReplaceMatches(_ *Context, a []value.Value) (value.Value, error) {
	s, null, err := b1Strs("ReplaceMatches", a, 3)
	if null || err != nil {
		return nil, err
	}
	re, err := b1Regexp(s[1], false)
	if err != nil {
		return nil, err
	}
	return value.String(re.ReplaceAllString(s[0], b1Replacement(s[2], re.NumSubexp()))), nil
}

// b1Replacement rewrites a Java-style replacement string (\x is a literal x,
// $n is group n, ${name} a named group) into Go's template syntax.
func b1Replacement(r string, groups int) string {
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

// Compiled patterns are cached; the cache stops growing at b1RegexpCacheMax
// entries so that generated patterns cannot exhaust memory.
const b1RegexpCacheMax = 512

var (
	b1RegexpMu    sync.RWMutex
	b1RegexpCache = map[string]*regexp.Regexp{}
	b1AnchorCache = map[string]*regexp.Regexp{}
)

// b1Regexp compiles pattern, anchored to the whole string when whole is set.
func b1Regexp(pattern string, whole bool) (*regexp.Regexp, error) {
	cache := b1RegexpCache
	if whole {
		cache = b1AnchorCache
	}
	b1RegexpMu.RLock()
	re := cache[pattern]
	b1RegexpMu.RUnlock()
	if re != nil {
		return re, nil
	}
	src := b1JavaRegexp(pattern)
	if whole {
		src = `\A(?:` + src + `)\z`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, Errorf("invalid regular expression %q: %v", pattern, err)
	}
	b1RegexpMu.Lock()
	if len(cache) < b1RegexpCacheMax {
		cache[pattern] = re
	}
	b1RegexpMu.Unlock()
	return re, nil
}

// b1PosixClasses maps Java's \p{Name} POSIX character classes (US-ASCII)
// to Go's bracket-expression names.
var b1PosixClasses = map[string]string{
	"Lower": "lower", "Upper": "upper", "ASCII": "ascii", "Alpha": "alpha", "Digit": "digit",
	"Alnum": "alnum", "Punct": "punct", "Graph": "graph", "Print": "print", "Blank": "blank",
	"Cntrl": "cntrl", "XDigit": "xdigit", "Space": "space",
}

// b1JavaRegexp rewrites the Java-only parts of a pattern that have a
// direct RE2 equivalent: the POSIX classes \p{Alpha} etc. (\P{...} negated),
// \p{IsLatin}-style script names and \p{javaLowerCase}-style classes.
// Everything else is passed through; unsupported constructs (lookaround,
// backreferences) make regexp.Compile fail with an error.
func b1JavaRegexp(p string) string {
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
			sb.WriteString(b1ClassFor(name, neg, inClass))
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

// b1ClassFor renders one Java \p{name} class in RE2 syntax.
func b1ClassFor(name string, neg, inClass bool) string {
	if posix, ok := b1PosixClasses[name]; ok {
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
