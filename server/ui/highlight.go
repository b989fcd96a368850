package ui

import (
	"html/template"
	"strings"
	"unicode"
)

// cqlKeywords are the CQL words shown as keywords.
var cqlKeywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`after all and as asc ascending before between by called case cast code codesystem
		codesystems concept context contains day days default define desc descending difference display distinct
		div duration during else end ends except exists expand false flatten fluent from function hour hours if
		implies in include included intersect is let library maximum meets minimum minute minutes mod month months
		not null occurs of on or overlaps parameter per point predecessor private properly public retain return
		same second seconds singleton sort start starts such successor that then timezoneoffset to true union
		using valueset version week weeks when where width with within without xor year years millisecond
		milliseconds interval list tuple`) {
		cqlKeywords[w] = true
	}
}

// highlightCQL marks up CQL source for display: keywords, strings,
// quoted identifiers, numbers and comments get their own class. Only the
// classes are added; the text is escaped as it is.
func highlightCQL(src string) template.HTML {
	var b strings.Builder
	span := func(class, text string) {
		b.WriteString(`<span class="`)
		b.WriteString(class)
		b.WriteString(`">`)
		b.WriteString(template.HTMLEscapeString(text))
		b.WriteString(`</span>`)
	}
	rs := []rune(src)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '/' && i+1 < len(rs) && rs[i+1] == '/':
			j := i
			for j < len(rs) && rs[j] != '\n' {
				j++
			}
			span("c", string(rs[i:j]))
			i = j
		case r == '/' && i+1 < len(rs) && rs[i+1] == '*':
			j := i + 2
			for j+1 < len(rs) && !(rs[j] == '*' && rs[j+1] == '/') {
				j++
			}
			j = min(j+2, len(rs))
			span("c", string(rs[i:j]))
			i = j
		case r == '\'' || r == '"' || r == '`':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				if rs[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(rs))
			class := "s"
			if r != '\'' {
				class = "i"
			}
			span(class, string(rs[i:j]))
			i = j
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			span("n", string(rs[i:j]))
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			w := string(rs[i:j])
			if cqlKeywords[w] {
				span("k", w)
			} else {
				b.WriteString(template.HTMLEscapeString(w))
			}
			i = j
		default:
			b.WriteString(template.HTMLEscapeString(string(r)))
			i++
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every piece of text above is escaped
}
