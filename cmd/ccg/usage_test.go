package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// commandFlagSet returns the flags command name defines, by running it
// with -h and catching the FlagSet its usage function prints.
func commandFlagSet(t *testing.T, name string) []*flag.Flag {
	t.Helper()
	var out lockedBuffer
	code := commands[name].Run(context.Background(), &env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}, []string{"-h"})
	if code != exitOK {
		t.Fatalf("ccg %s -h: exit %d\n%s", name, code, out.String())
	}
	// Each flag line of PrintDefaults: "  -name PLACEHOLDER" or "  -name".
	var flags []*flag.Flag
	for _, line := range strings.Split(out.String(), "\n") {
		m := regexp.MustCompile(`^  -(\S+)(?: (.*?))?(?:\t|$)`).FindStringSubmatch(line)
		if m == nil {
			continue
		}
		flags = append(flags, &flag.Flag{Name: m[1], Usage: m[2]})
	}
	if len(flags) == 0 && !strings.Contains(out.String(), "usage: ccg "+name) {
		t.Fatalf("ccg %s -h printed no usage:\n%s", name, out.String())
	}
	return flags
}

// TestUsageAgrees: for every command, the usage line (Args) names every
// flag the command takes, each flag's placeholder is one word (a second
// backquoted phrase in a flag's text turns into a nonsense placeholder,
// as "-password npm login" did), and the README shows the same usage line,
// so -h, `ccg help` and the manual cannot drift apart.
func TestUsageAgrees(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The README writes `|` as `\|` inside tables.
	manual := strings.ReplaceAll(string(readme), `\|`, "|")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		c := commands[name]
		for _, f := range commandFlagSet(t, name) {
			if !regexp.MustCompile(`(^|[\s\[|])--?` + regexp.QuoteMeta(f.Name) + `($|[\s\]|=])`).MatchString(c.Args) {
				t.Errorf("ccg %s: -%s is missing from the usage line %q", name, f.Name, c.Args)
			}
			if strings.Contains(f.Usage, " ") {
				t.Errorf("ccg %s -h: -%s has the placeholder %q (a backquoted phrase in its help text?)", name, f.Name, f.Usage)
			}
		}
		if line := strings.TrimSpace("ccg " + name + " " + c.Args); !strings.Contains(manual, line) {
			t.Errorf("README.md lacks the usage line of ccg %s:\n\t%s", name, line)
		}
	}
	// Groups and unknown names.
	for _, tc := range []struct {
		args []string
		code int
		want []string // substrings of stdout+stderr
		not  string
	}{
		{[]string{"cql"}, exitUsage, []string{"usage: ccg cql <command>", "cql eval", "cql check", "cql spec-tests"}, "unknown command"},
		{[]string{"fhirpath"}, exitUsage, []string{"usage: ccg fhirpath <command>", "fhirpath eval", "fhirpath spec-tests"}, "unknown command"},
		{[]string{"package"}, exitUsage, []string{"package build", "package validate", "package sign", "package keygen", "package init"}, "unknown command"},
		{[]string{"help", "package"}, exitOK, []string{"package validate"}, "unknown"},
		{[]string{"package", "-h"}, exitOK, []string{"usage: ccg package <command>", "package init"}, "name one of"},
		{[]string{"help", "nosuch"}, exitUsage, []string{`unknown help topic "nosuch"`}, ""},
		{[]string{"help", "sevre"}, exitUsage, []string{`did you mean "ccg serve"?`}, ""},
		{[]string{"sevre"}, exitUsage, []string{`unknown command "sevre"; did you mean "ccg serve"?`}, ""},
		{[]string{"pakage", "validate", "x"}, exitUsage, []string{`did you mean "ccg package validate"?`}, ""},
		{[]string{"cql", "evl", "x.cql"}, exitUsage, []string{`did you mean "ccg cql eval"?`}, ""},
		{[]string{"cql", "nosuch"}, exitUsage, []string{`unknown command "cql nosuch"`, "cql spec-tests"}, "did you mean"},
		{[]string{"xyzzy"}, exitUsage, []string{`unknown command "xyzzy"`, "ccg help"}, "did you mean"},
		{[]string{"--json"}, exitUsage, []string{"ccg: --json: name a command before its flags", "usage: ccg <command>"}, `unknown command ""`},
		// Help texts that once said something else.
		{[]string{"help", "token", "create"}, exitOK, []string{"-password PW", "-email ADDRESS"}, "npm login\n"},
		{[]string{"help", "package", "validate"}, exitOK, []string{"(*.pem, *.pub)"}, ""},
		{[]string{"help", "apply"}, exitOK, []string{"[--plan ID | --url URL]", "[--lenient]", "-lenient", "-url URL"}, ""},
	} {
		code, out, errOut := ccg(t, tc.args...)
		if code != tc.code {
			t.Errorf("ccg %v: exit %d, want %d", tc.args, code, tc.code)
		}
		for _, w := range tc.want {
			if !strings.Contains(out+errOut, w) {
				t.Errorf("ccg %v: output lacks %q:\n%s%s", tc.args, w, out, errOut)
			}
		}
		if tc.not != "" && strings.Contains(out+errOut, tc.not) {
			t.Errorf("ccg %v: output has %q:\n%s%s", tc.args, tc.not, out, errOut)
		}
	}
}
