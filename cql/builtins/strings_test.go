package builtins

import (
	"testing"

	"github.com/ccg-project/ccg/cql/types"
)

func TestStrings(t *testing.T) {
	s, i := types.String, types.Integer
	ls := ListOf(s)
	ss, si := tys(s, s), tys(s, i)
	runOpCases(t, []opCase{
		{name: "CombineNull", op: "Combine", params: tys(ls), args: argv(nil), want: nil},
		{name: "CombineEmptyList", op: "Combine", params: tys(ls), args: argv(listV(s)), want: nil},
		{name: "CombineABC", op: "Combine", params: tys(ls), args: argv(listV(s, strV("a"), strV("b"), strV("c"))), want: strV("abc")},
		{name: "CombineSkipsNulls", op: "Combine", params: tys(ls, s), args: argv(listV(s, strV("a"), nil, strV("c")), strV("-")), want: strV("a-c")},
		{name: "CombineABCSepDash", op: "Combine", params: tys(ls, s), args: argv(listV(s, strV("a"), strV("b"), strV("c")), strV("-")), want: strV("a-b-c")},
		{name: "ConcatenateNullNull", op: "Concatenate", params: ss, args: argv(nil, nil), want: nil},
		{name: "ConcatenateANull", op: "Concatenate", params: ss, args: argv(strV("a"), nil), want: nil},
		{name: "ConcatenateNullB", op: "Concatenate", params: ss, args: argv(nil, strV("b")), want: nil},
		{name: "ConcatenateAB", op: "Concatenate", params: ss, args: argv(strV("a"), strV("b")), want: strV("ab")},
		{name: "EndsWithNull", op: "EndsWith", params: ss, args: argv(nil, nil), want: nil},
		{name: "EndsWithTrue", op: "EndsWith", params: ss, args: argv(strV("Chris Schuler is the man!!"), strV("n!!")), want: boolV(true)},
		{name: "EndsWithFalse", op: "EndsWith", params: ss, args: argv(strV("Chris Schuler is the man!!"), strV("n!")), want: boolV(false)},
		{name: "IndexerNullNull", op: "Indexer", params: si, args: argv(nil, nil), want: nil},
		{name: "IndexerANull", op: "Indexer", params: si, args: argv(strV("a"), nil), want: nil},
		{name: "IndexerNull1String", op: "Indexer", params: si, args: argv(nil, intV(1)), want: nil},
		{name: "IndexerAB0", op: "Indexer", params: si, args: argv(strV("ab"), intV(0)), want: strV("a")},
		{name: "IndexerAB1", op: "Indexer", params: si, args: argv(strV("ab"), intV(1)), want: strV("b")},
		{name: "IndexerAB2", op: "Indexer", params: si, args: argv(strV("ab"), intV(2)), want: nil},
		{name: "IndexerABNeg1", op: "Indexer", params: si, args: argv(strV("ab"), intV(-1)), want: nil},
		{name: "IndexerUnicode", op: "Indexer", params: si, args: argv(strV("héllo"), intV(1)), want: strV("é")},
		{name: "LastPositionOfNull", op: "LastPositionOf", params: ss, args: argv(nil, nil), want: nil},
		{name: "LastPositionOfNull1", op: "LastPositionOf", params: ss, args: argv(nil, strV("hi")), want: nil},
		{name: "LastPositionOfNull2", op: "LastPositionOf", params: ss, args: argv(strV("hi"), nil), want: nil},
		{name: "LastPositionOf1", op: "LastPositionOf", params: ss, args: argv(strV("hi"), strV("Ohio is the place to be!")), want: intV(1)},
		{name: "LastPositionOf2", op: "LastPositionOf", params: ss, args: argv(strV("hi"), strV("Say hi to Ohio!")), want: intV(11)},
		{name: "LastPositionOfMissing", op: "LastPositionOf", params: ss, args: argv(strV("x"), strV("abc")), want: intV(-1)},
		{name: "LengthNullString", op: "Length", params: tys(s), args: argv(nil), want: nil},
		{name: "LengthEmptyString", op: "Length", params: tys(s), args: argv(strV("")), want: intV(0)},
		{name: "LengthAB", op: "Length", params: tys(s), args: argv(strV("ab")), want: intV(2)},
		{name: "LengthUnicode", op: "Length", params: tys(s), args: argv(strV("né")), want: intV(2)},
		{name: "LowerNull", op: "Lower", params: tys(s), args: argv(nil), want: nil},
		{name: "LowerEmpty", op: "Lower", params: tys(s), args: argv(strV("")), want: strV("")},
		{name: "LowerAB", op: "Lower", params: tys(s), args: argv(strV("Ab")), want: strV("ab")},
		{name: "UpperNull", op: "Upper", params: tys(s), args: argv(nil), want: nil},
		{name: "UpperSharpS", op: "Upper", params: tys(s), args: argv(strV("straße")), want: strV("STRASSE")},
		{name: "LowerGreek", op: "Lower", params: tys(s), args: argv(strV("ΑΒΓ")), want: strV("αβγ")},
		{name: "UpperAB", op: "Upper", params: tys(s), args: argv(strV("aB")), want: strV("AB")},
		{name: "MatchesNull", op: "Matches", params: ss, args: argv(strV("Not all who wander are lost"), nil), want: nil},
		{name: "MatchesNumberFalse", op: "Matches", params: ss, args: argv(strV("Not all who wander are lost"), strV(`.*\d+`)), want: boolV(false)},
		{name: "MatchesNumberTrue", op: "Matches", params: ss, args: argv(strV("Not all who wander are lost - circa 2017"), strV(`.*\d+`)), want: boolV(true)},
		{name: "MatchesAllTrue", op: "Matches", params: ss, args: argv(strV("Not all who wander are lost"), strV(`.*`)), want: boolV(true)},
		{name: "MatchesWordsAndSpacesTrue", op: "Matches", params: ss, args: argv(strV("Not all who wander are lost"), strV(`[\w|\s]+`)), want: boolV(true)},
		{name: "MatchesWordsAndSpacesFalse", op: "Matches", params: ss, args: argv(strV("Not all who wander are lost - circa 2017"), strV(`^[\w\s]+$`)), want: boolV(false)},
		{name: "MatchesNotWords", op: "Matches", params: ss, args: argv(strV("   "), strV(`\W+`)), want: boolV(true)},
		{name: "MatchesWhiteSpace", op: "Matches", params: ss, args: argv(strV(" \n\t"), strV(`\s+`)), want: boolV(true)},
		{name: "MatchesIsWholeString", op: "Matches", params: ss, args: argv(strV("abc"), strV(`b`)), want: boolV(false)},
		{name: "MatchesAlternationAnchored", op: "Matches", params: ss, args: argv(strV("ab"), strV(`a|ab`)), want: boolV(true)},
		{name: "MatchesBadPattern", op: "Matches", params: ss, args: argv(strV("abc"), strV(`(a`)), wantErr: true},
		{name: "PositionOfNullNull", op: "PositionOf", params: ss, args: argv(nil, nil), want: nil},
		{name: "PositionOfANull", op: "PositionOf", params: ss, args: argv(strV("a"), nil), want: nil},
		{name: "PositionOfNullA", op: "PositionOf", params: ss, args: argv(nil, strV("a")), want: nil},
		{name: "PositionOfAInAB", op: "PositionOf", params: ss, args: argv(strV("a"), strV("ab")), want: intV(0)},
		{name: "PositionOfBInAB", op: "PositionOf", params: ss, args: argv(strV("b"), strV("ab")), want: intV(1)},
		{name: "PositionOfCInAB", op: "PositionOf", params: ss, args: argv(strV("c"), strV("ab")), want: intV(-1)},
		{name: "PositionOfUnicode", op: "PositionOf", params: ss, args: argv(strV("b"), strV("éb")), want: intV(1)},
		{name: "ReplaceMatchesNull", op: "ReplaceMatches", params: tys(s, s, s),
			args: argv(strV("Not all who wander are lost"), nil, strV("But I am...")), want: nil},
		{name: "ReplaceMatchesAll", op: "ReplaceMatches", params: tys(s, s, s),
			args: argv(strV("Not all who wander are lost"), strV("Not all who wander are lost"), strV("But still waters run deep")),
			want: strV("But still waters run deep")},
		{name: "ReplaceMatchesMany", op: "ReplaceMatches", params: tys(s, s, s),
			args: argv(strV("Who put the bop in the bop she bop she bop?"), strV("bop"), strV("bang")),
			want: strV("Who put the bang in the bang she bang she bang?")},
		{name: "ReplaceMatchesSpaces", op: "ReplaceMatches", params: tys(s, s, s),
			args: argv(strV("All that glitters is not gold"), strV(`\s`), strV(`\$`)), want: strV("All$that$glitters$is$not$gold")},
		{name: "ReplaceMatchesGroups", op: "ReplaceMatches", params: tys(s, s, s),
			args: argv(strV("2014-01-05"), strV(`(\d+)-(\d+)-(\d+)`), strV(`$3/$2/$1`)), want: strV("05/01/2014")},
		{name: "SplitNullNull", op: "Split", params: ss, args: argv(nil, nil), want: nil},
		{name: "SplitNullComma", op: "Split", params: ss, args: argv(nil, strV(",")), want: nil},
		{name: "SplitABNull", op: "Split", params: ss, args: argv(strV("a,b"), nil), want: listV(s, strV("a,b"))},
		{name: "SplitABDash", op: "Split", params: ss, args: argv(strV("a,b"), strV("-")), want: listV(s, strV("a,b"))},
		{name: "SplitABComma", op: "Split", params: ss, args: argv(strV("a,b"), strV(",")), want: listV(s, strV("a"), strV("b"))},
		{name: "SplitOnMatches", op: "SplitOnMatches", params: ss, args: argv(strV("a, b,c"), strV(`,\s*`)), want: listV(s, strV("a"), strV("b"), strV("c"))},
		{name: "StartsWithNull", op: "StartsWith", params: ss, args: argv(nil, nil), want: nil},
		{name: "StartsWithNull1", op: "StartsWith", params: ss, args: argv(strV("hi"), nil), want: nil},
		{name: "StartsWithNull2", op: "StartsWith", params: ss, args: argv(nil, strV("hi")), want: nil},
		{name: "StartsWithTrue1", op: "StartsWith", params: ss, args: argv(strV("Breathe deep the gathering gloom"), strV("Bre")), want: boolV(true)},
		{name: "StartsWithFalse1", op: "StartsWith", params: ss, args: argv(strV("Breathe deep the gathering gloom"), strV("bre")), want: boolV(false)},
		{name: "SubstringNullNull", op: "Substring", params: si, args: argv(nil, nil), want: nil},
		{name: "SubstringANull", op: "Substring", params: si, args: argv(strV("a"), nil), want: nil},
		{name: "SubstringNull1", op: "Substring", params: si, args: argv(nil, intV(1)), want: nil},
		{name: "SubstringAB0", op: "Substring", params: si, args: argv(strV("ab"), intV(0)), want: strV("ab")},
		{name: "SubstringAB1", op: "Substring", params: si, args: argv(strV("ab"), intV(1)), want: strV("b")},
		{name: "SubstringAB2", op: "Substring", params: si, args: argv(strV("ab"), intV(2)), want: nil},
		{name: "SubstringABNeg1", op: "Substring", params: si, args: argv(strV("ab"), intV(-1)), want: nil},
		{name: "SubstringEmptyAnd0", op: "Substring", params: si, args: argv(strV(""), intV(0)), want: strV("")},
		{name: "SubstringAB0To1", op: "Substring", params: tys(s, i, i), args: argv(strV("ab"), intV(0), intV(1)), want: strV("a")},
		{name: "SubstringABC1To1", op: "Substring", params: tys(s, i, i), args: argv(strV("abc"), intV(1), intV(1)), want: strV("b")},
		{name: "SubstringAB0To3", op: "Substring", params: tys(s, i, i), args: argv(strV("ab"), intV(0), intV(3)), want: strV("ab")},
		{name: "SubstringNullLength", op: "Substring", params: tys(s, i, i), args: argv(strV("ab"), intV(0), nil), want: strV("ab")},
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
		if got := translateReplacement(tc.in, 1); got != tc.want {
			t.Errorf("translateReplacement(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJavaRegexpClasses(t *testing.T) {
	s := types.String
	ss := tys(s, s)
	runOpCases(t, []opCase{
		{name: "PosixAlpha", op: "Matches", params: ss, args: argv(strV("abcXYZ"), strV(`\p{Alpha}+`)), want: boolV(true)},
		{name: "PosixAlphaNo", op: "Matches", params: ss, args: argv(strV("abc1"), strV(`\p{Alpha}+`)), want: boolV(false)},
		{name: "PosixInClass", op: "Matches", params: ss, args: argv(strV("ab12"), strV(`[\p{Lower}\p{Digit}]+`)), want: boolV(true)},
		{name: "PosixNegated", op: "Matches", params: ss, args: argv(strV("12"), strV(`\P{Alpha}+`)), want: boolV(true)},
		{name: "PosixNegatedInClass", op: "Matches", params: ss, args: argv(strV("A"), strV(`[\P{Upper}]`)), want: boolV(false)},
		{name: "Script", op: "Matches", params: ss, args: argv(strV("αβ"), strV(`\p{IsGreek}+`)), want: boolV(true)},
		{name: "UnicodeLetter", op: "Matches", params: ss, args: argv(strV("né"), strV(`\p{L}+`)), want: boolV(true)},
		{name: "JavaLowerCase", op: "Matches", params: ss, args: argv(strV("né"), strV(`\p{javaLowerCase}+`)), want: boolV(true)},
		{name: "EscapedBackslashP", op: "Matches", params: ss, args: argv(strV(`\p{Alpha}`), strV(`\\p\{Alpha\}`)), want: boolV(true)},
		{name: "LiteralBracketInClass", op: "Matches", params: ss, args: argv(strV("]a"), strV(`[]\p{Alpha}]+`)), want: boolV(true)},
		{name: "Lookahead", op: "Matches", params: ss, args: argv(strV("ab"), strV(`a(?=b)b`)), wantErr: true},
	})
}
