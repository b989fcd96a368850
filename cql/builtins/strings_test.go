package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

func TestStrings(t *testing.T) {
	s, i := types.String, types.Integer
	ls := ListOf(s)
	ss, si := b1Ts(s, s), b1Ts(s, i)
	b1Run(t, []b1Case{
		{name: "CombineNull", op: "Combine", params: b1Ts(ls), args: b1Vs(nil), want: nil},
		{name: "CombineEmptyList", op: "Combine", params: b1Ts(ls), args: b1Vs(b1List(s)), want: nil},
		{name: "CombineABC", op: "Combine", params: b1Ts(ls), args: b1Vs(b1List(s, b1S("a"), b1S("b"), b1S("c"))), want: b1S("abc")},
		{name: "CombineSkipsNulls", op: "Combine", params: b1Ts(ls, s), args: b1Vs(b1List(s, b1S("a"), nil, b1S("c")), b1S("-")), want: b1S("a-c")},
		{name: "CombineABCSepDash", op: "Combine", params: b1Ts(ls, s), args: b1Vs(b1List(s, b1S("a"), b1S("b"), b1S("c")), b1S("-")), want: b1S("a-b-c")},
		{name: "ConcatenateNullNull", op: "Concatenate", params: ss, args: b1Vs(nil, nil), want: nil},
		{name: "ConcatenateANull", op: "Concatenate", params: ss, args: b1Vs(b1S("a"), nil), want: nil},
		{name: "ConcatenateNullB", op: "Concatenate", params: ss, args: b1Vs(nil, b1S("b")), want: nil},
		{name: "ConcatenateAB", op: "Concatenate", params: ss, args: b1Vs(b1S("a"), b1S("b")), want: b1S("ab")},
		{name: "EndsWithNull", op: "EndsWith", params: ss, args: b1Vs(nil, nil), want: nil},
		{name: "EndsWithTrue", op: "EndsWith", params: ss, args: b1Vs(b1S("Chris Schuler is the man!!"), b1S("n!!")), want: b1B(true)},
		{name: "EndsWithFalse", op: "EndsWith", params: ss, args: b1Vs(b1S("Chris Schuler is the man!!"), b1S("n!")), want: b1B(false)},
		{name: "IndexerNullNull", op: "Indexer", params: si, args: b1Vs(nil, nil), want: nil},
		{name: "IndexerANull", op: "Indexer", params: si, args: b1Vs(b1S("a"), nil), want: nil},
		{name: "IndexerNull1String", op: "Indexer", params: si, args: b1Vs(nil, b1I(1)), want: nil},
		{name: "IndexerAB0", op: "Indexer", params: si, args: b1Vs(b1S("ab"), b1I(0)), want: b1S("a")},
		{name: "IndexerAB1", op: "Indexer", params: si, args: b1Vs(b1S("ab"), b1I(1)), want: b1S("b")},
		{name: "IndexerAB2", op: "Indexer", params: si, args: b1Vs(b1S("ab"), b1I(2)), want: nil},
		{name: "IndexerABNeg1", op: "Indexer", params: si, args: b1Vs(b1S("ab"), b1I(-1)), want: nil},
		{name: "IndexerUnicode", op: "Indexer", params: si, args: b1Vs(b1S("héllo"), b1I(1)), want: b1S("é")},
		{name: "LastPositionOfNull", op: "LastPositionOf", params: ss, args: b1Vs(nil, nil), want: nil},
		{name: "LastPositionOfNull1", op: "LastPositionOf", params: ss, args: b1Vs(nil, b1S("hi")), want: nil},
		{name: "LastPositionOfNull2", op: "LastPositionOf", params: ss, args: b1Vs(b1S("hi"), nil), want: nil},
		{name: "LastPositionOf1", op: "LastPositionOf", params: ss, args: b1Vs(b1S("hi"), b1S("Ohio is the place to be!")), want: b1I(1)},
		{name: "LastPositionOf2", op: "LastPositionOf", params: ss, args: b1Vs(b1S("hi"), b1S("Say hi to Ohio!")), want: b1I(11)},
		{name: "LastPositionOfMissing", op: "LastPositionOf", params: ss, args: b1Vs(b1S("x"), b1S("abc")), want: b1I(-1)},
		{name: "LengthNullString", op: "Length", params: b1Ts(s), args: b1Vs(nil), want: nil},
		{name: "LengthEmptyString", op: "Length", params: b1Ts(s), args: b1Vs(b1S("")), want: b1I(0)},
		{name: "LengthAB", op: "Length", params: b1Ts(s), args: b1Vs(b1S("ab")), want: b1I(2)},
		{name: "LengthUnicode", op: "Length", params: b1Ts(s), args: b1Vs(b1S("né")), want: b1I(2)},
		{name: "LowerNull", op: "Lower", params: b1Ts(s), args: b1Vs(nil), want: nil},
		{name: "LowerEmpty", op: "Lower", params: b1Ts(s), args: b1Vs(b1S("")), want: b1S("")},
		{name: "LowerAB", op: "Lower", params: b1Ts(s), args: b1Vs(b1S("Ab")), want: b1S("ab")},
		{name: "UpperNull", op: "Upper", params: b1Ts(s), args: b1Vs(nil), want: nil},
		{name: "UpperSharpS", op: "Upper", params: b1Ts(s), args: b1Vs(b1S("straße")), want: b1S("STRASSE")},
		{name: "LowerGreek", op: "Lower", params: b1Ts(s), args: b1Vs(b1S("ΑΒΓ")), want: b1S("αβγ")},
		{name: "UpperAB", op: "Upper", params: b1Ts(s), args: b1Vs(b1S("aB")), want: b1S("AB")},
		{name: "MatchesNull", op: "Matches", params: ss, args: b1Vs(b1S("Not all who wander are lost"), nil), want: nil},
		{name: "MatchesNumberFalse", op: "Matches", params: ss, args: b1Vs(b1S("Not all who wander are lost"), b1S(`.*\d+`)), want: b1B(false)},
		{name: "MatchesNumberTrue", op: "Matches", params: ss, args: b1Vs(b1S("Not all who wander are lost - circa 2017"), b1S(`.*\d+`)), want: b1B(true)},
		{name: "MatchesAllTrue", op: "Matches", params: ss, args: b1Vs(b1S("Not all who wander are lost"), b1S(`.*`)), want: b1B(true)},
		{name: "MatchesWordsAndSpacesTrue", op: "Matches", params: ss, args: b1Vs(b1S("Not all who wander are lost"), b1S(`[\w|\s]+`)), want: b1B(true)},
		{name: "MatchesWordsAndSpacesFalse", op: "Matches", params: ss, args: b1Vs(b1S("Not all who wander are lost - circa 2017"), b1S(`^[\w\s]+$`)), want: b1B(false)},
		{name: "MatchesNotWords", op: "Matches", params: ss, args: b1Vs(b1S("   "), b1S(`\W+`)), want: b1B(true)},
		{name: "MatchesWhiteSpace", op: "Matches", params: ss, args: b1Vs(b1S(" \n\t"), b1S(`\s+`)), want: b1B(true)},
		{name: "MatchesIsWholeString", op: "Matches", params: ss, args: b1Vs(b1S("abc"), b1S(`b`)), want: b1B(false)},
		{name: "MatchesAlternationAnchored", op: "Matches", params: ss, args: b1Vs(b1S("ab"), b1S(`a|ab`)), want: b1B(true)},
		{name: "MatchesBadPattern", op: "Matches", params: ss, args: b1Vs(b1S("abc"), b1S(`(a`)), wantErr: true},
		{name: "PositionOfNullNull", op: "PositionOf", params: ss, args: b1Vs(nil, nil), want: nil},
		{name: "PositionOfANull", op: "PositionOf", params: ss, args: b1Vs(b1S("a"), nil), want: nil},
		{name: "PositionOfNullA", op: "PositionOf", params: ss, args: b1Vs(nil, b1S("a")), want: nil},
		{name: "PositionOfAInAB", op: "PositionOf", params: ss, args: b1Vs(b1S("a"), b1S("ab")), want: b1I(0)},
		{name: "PositionOfBInAB", op: "PositionOf", params: ss, args: b1Vs(b1S("b"), b1S("ab")), want: b1I(1)},
		{name: "PositionOfCInAB", op: "PositionOf", params: ss, args: b1Vs(b1S("c"), b1S("ab")), want: b1I(-1)},
		{name: "PositionOfUnicode", op: "PositionOf", params: ss, args: b1Vs(b1S("b"), b1S("éb")), want: b1I(1)},
		{name: "ReplaceMatchesNull", op: "ReplaceMatches", params: b1Ts(s, s, s),
			args: b1Vs(b1S("Not all who wander are lost"), nil, b1S("But I am...")), want: nil},
		{name: "ReplaceMatchesAll", op: "ReplaceMatches", params: b1Ts(s, s, s),
			args: b1Vs(b1S("Not all who wander are lost"), b1S("Not all who wander are lost"), b1S("But still waters run deep")),
			want: b1S("But still waters run deep")},
		{name: "ReplaceMatchesMany", op: "ReplaceMatches", params: b1Ts(s, s, s),
			args: b1Vs(b1S("Who put the bop in the bop she bop she bop?"), b1S("bop"), b1S("bang")),
			want: b1S("Who put the bang in the bang she bang she bang?")},
		{name: "ReplaceMatchesSpaces", op: "ReplaceMatches", params: b1Ts(s, s, s),
			args: b1Vs(b1S("All that glitters is not gold"), b1S(`\s`), b1S(`\$`)), want: b1S("All$that$glitters$is$not$gold")},
		{name: "ReplaceMatchesGroups", op: "ReplaceMatches", params: b1Ts(s, s, s),
			args: b1Vs(b1S("2014-01-05"), b1S(`(\d+)-(\d+)-(\d+)`), b1S(`$3/$2/$1`)), want: b1S("05/01/2014")},
		{name: "SplitNullNull", op: "Split", params: ss, args: b1Vs(nil, nil), want: nil},
		{name: "SplitNullComma", op: "Split", params: ss, args: b1Vs(nil, b1S(",")), want: nil},
		{name: "SplitABNull", op: "Split", params: ss, args: b1Vs(b1S("a,b"), nil), want: b1List(s, b1S("a,b"))},
		{name: "SplitABDash", op: "Split", params: ss, args: b1Vs(b1S("a,b"), b1S("-")), want: b1List(s, b1S("a,b"))},
		{name: "SplitABComma", op: "Split", params: ss, args: b1Vs(b1S("a,b"), b1S(",")), want: b1List(s, b1S("a"), b1S("b"))},
		{name: "SplitOnMatches", op: "SplitOnMatches", params: ss, args: b1Vs(b1S("a, b,c"), b1S(`,\s*`)), want: b1List(s, b1S("a"), b1S("b"), b1S("c"))},
		{name: "StartsWithNull", op: "StartsWith", params: ss, args: b1Vs(nil, nil), want: nil},
		{name: "StartsWithNull1", op: "StartsWith", params: ss, args: b1Vs(b1S("hi"), nil), want: nil},
		{name: "StartsWithNull2", op: "StartsWith", params: ss, args: b1Vs(nil, b1S("hi")), want: nil},
		{name: "StartsWithTrue1", op: "StartsWith", params: ss, args: b1Vs(b1S("Breathe deep the gathering gloom"), b1S("Bre")), want: b1B(true)},
		{name: "StartsWithFalse1", op: "StartsWith", params: ss, args: b1Vs(b1S("Breathe deep the gathering gloom"), b1S("bre")), want: b1B(false)},
		{name: "SubstringNullNull", op: "Substring", params: si, args: b1Vs(nil, nil), want: nil},
		{name: "SubstringANull", op: "Substring", params: si, args: b1Vs(b1S("a"), nil), want: nil},
		{name: "SubstringNull1", op: "Substring", params: si, args: b1Vs(nil, b1I(1)), want: nil},
		{name: "SubstringAB0", op: "Substring", params: si, args: b1Vs(b1S("ab"), b1I(0)), want: b1S("ab")},
		{name: "SubstringAB1", op: "Substring", params: si, args: b1Vs(b1S("ab"), b1I(1)), want: b1S("b")},
		{name: "SubstringAB2", op: "Substring", params: si, args: b1Vs(b1S("ab"), b1I(2)), want: nil},
		{name: "SubstringABNeg1", op: "Substring", params: si, args: b1Vs(b1S("ab"), b1I(-1)), want: nil},
		{name: "SubstringEmptyAnd0", op: "Substring", params: si, args: b1Vs(b1S(""), b1I(0)), want: b1S("")},
		{name: "SubstringAB0To1", op: "Substring", params: b1Ts(s, i, i), args: b1Vs(b1S("ab"), b1I(0), b1I(1)), want: b1S("a")},
		{name: "SubstringABC1To1", op: "Substring", params: b1Ts(s, i, i), args: b1Vs(b1S("abc"), b1I(1), b1I(1)), want: b1S("b")},
		{name: "SubstringAB0To3", op: "Substring", params: b1Ts(s, i, i), args: b1Vs(b1S("ab"), b1I(0), b1I(3)), want: b1S("ab")},
		{name: "SubstringNullLength", op: "Substring", params: b1Ts(s, i, i), args: b1Vs(b1S("ab"), b1I(0), nil), want: b1S("ab")},
	})
}

func TestReplacementTranslation(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{`\$`, "$$"},
		{`a$1b`, "a${1}b"},
		{`$12`, "${1}2"},
		{`${name}`, "${name}"},
		{`$`, "$$"},
		{`\\`, `\`},
	} {
		if got := b1Replacement(tc.in, 1); got != tc.want {
			t.Errorf("b1Replacement(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJavaRegexpClasses(t *testing.T) {
	s := types.String
	ss := b1Ts(s, s)
	b1Run(t, []b1Case{
		{name: "PosixAlpha", op: "Matches", params: ss, args: b1Vs(b1S("abcXYZ"), b1S(`\p{Alpha}+`)), want: b1B(true)},
		{name: "PosixAlphaNo", op: "Matches", params: ss, args: b1Vs(b1S("abc1"), b1S(`\p{Alpha}+`)), want: b1B(false)},
		{name: "PosixInClass", op: "Matches", params: ss, args: b1Vs(b1S("ab12"), b1S(`[\p{Lower}\p{Digit}]+`)), want: b1B(true)},
		{name: "PosixNegated", op: "Matches", params: ss, args: b1Vs(b1S("12"), b1S(`\P{Alpha}+`)), want: b1B(true)},
		{name: "PosixNegatedInClass", op: "Matches", params: ss, args: b1Vs(b1S("A"), b1S(`[\P{Upper}]`)), want: b1B(false)},
		{name: "Script", op: "Matches", params: ss, args: b1Vs(b1S("αβ"), b1S(`\p{IsGreek}+`)), want: b1B(true)},
		{name: "UnicodeLetter", op: "Matches", params: ss, args: b1Vs(b1S("né"), b1S(`\p{L}+`)), want: b1B(true)},
		{name: "JavaLowerCase", op: "Matches", params: ss, args: b1Vs(b1S("né"), b1S(`\p{javaLowerCase}+`)), want: b1B(true)},
		{name: "EscapedBackslashP", op: "Matches", params: ss, args: b1Vs(b1S(`\p{Alpha}`), b1S(`\\p\{Alpha\}`)), want: b1B(true)},
		{name: "LiteralBracketInClass", op: "Matches", params: ss, args: b1Vs(b1S("]a"), b1S(`[]\p{Alpha}]+`)), want: b1B(true)},
		{name: "Lookahead", op: "Matches", params: ss, args: b1Vs(b1S("ab"), b1S(`a(?=b)b`)), wantErr: true},
	})
}
