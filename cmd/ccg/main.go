// Command ccg is the command-line front end of the ccg project: a CQL
// engine, a guideline engine and an npm-compatible guideline registry.
//
// Each command lives in its own file and adds itself to the command table
// from an init function, so new command groups can be added without
// touching this file:
//
//	func init() {
//		register(&command{
//			Name:    "token create",
//			Args:    "[--user NAME]",
//			Summary: "create a registry access token",
//			Run:     runTokenCreate,
//		})
//	}
//
// A command's Name is one or more words; "ccg cql eval x.cql" runs the
// command named "cql eval" with the arguments ["x.cql"].
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/agnivade/levenshtein"
)

// Exit codes shared by all commands.
const (
	exitOK      = 0 // success
	exitFailure = 1 // the command ran and failed (errors in input, failed tests, ...)
	exitUsage   = 2 // the command line was wrong
)

// env is what a command gets to talk to the outside world. Tests build one
// with buffers instead of the process's streams.
type env struct {
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads environment variables (os.Getenv in the real program).
	Getenv func(string) string
}

// command is one entry of the command table.
type command struct {
	// Name is the command's words, separated by single spaces ("cql eval").
	Name string
	// Args is a one-line synopsis of the arguments, shown in help.
	Args string
	// Summary is a one-line description shown in the command list.
	Summary string
	// Run runs the command with the arguments that follow its name and
	// returns the process exit code. Flag parsing is the command's job;
	// commandFlags gives a FlagSet that reports usage errors consistently.
	Run func(ctx context.Context, e *env, args []string) int
}

var commands = map[string]*command{}

// register adds c to the command table. It panics on a duplicate name,
// which is a programming error caught by any test run.
func register(c *command) {
	name := strings.Join(strings.Fields(c.Name), " ")
	if name == "" || c.Run == nil {
		panic("ccg: command without a name or Run function")
	}
	if _, dup := commands[name]; dup {
		panic("ccg: command registered twice: " + name)
	}
	c.Name = name
	commands[name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run finds the command named by the longest prefix of args and runs it.
// A command group without its subcommand ("ccg cql") lists the group's
// commands; an unknown command or help topic is a usage error that
// suggests the nearest command names.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.Stderr, "")
		return exitUsage
	}
	if args[0] == "help" || isHelpFlag(args[0]) {
		if len(args) == 1 {
			usage(e.Stdout, "")
			return exitOK
		}
		topic := strings.Join(args[1:], " ")
		if c, rest := lookup(args[1:]); c != nil && len(rest) == 0 {
			// The command's own -h prints its synopsis and flags.
			fmt.Fprintf(e.Stdout, "%s\n\n", c.Summary)
			help := *e
			help.Stderr = e.Stdout
			c.Run(ctx, &help, []string{"-h"})
			return exitOK
		}
		if isGroup(topic) {
			usage(e.Stdout, topic)
			return exitOK
		}
		fmt.Fprintf(e.Stderr, "ccg help: unknown help topic %q%s\n", topic, didYouMean(args[1:]))
		fmt.Fprintln(e.Stderr, "Run 'ccg help' for the list of commands.")
		return exitUsage
	}
	c, rest := lookup(args)
	if c == nil {
		words := commandWords(args)
		if len(words) == 0 {
			fmt.Fprintf(e.Stderr, "ccg: %s: name a command before its flags\n\n", args[0])
			usage(e.Stderr, "")
			return exitUsage
		}
		typed := strings.Join(words, " ")
		if isGroup(typed) {
			if rest := args[len(words):]; len(rest) > 0 && isHelpFlag(rest[0]) {
				usage(e.Stdout, typed)
				return exitOK
			}
			fmt.Fprintf(e.Stderr, "ccg %s: name one of its commands\n\n", typed)
			usage(e.Stderr, typed)
			return exitUsage
		}
		fmt.Fprintf(e.Stderr, "ccg: unknown command %q%s\n", typed, didYouMean(words))
		for n := len(words) - 1; n > 0; n-- {
			if g := strings.Join(words[:n], " "); isGroup(g) {
				fmt.Fprintln(e.Stderr)
				usage(e.Stderr, g)
				return exitUsage
			}
		}
		fmt.Fprintln(e.Stderr, "Run 'ccg help' for the list of commands.")
		return exitUsage
	}
	return c.Run(ctx, e, rest)
}

func isHelpFlag(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// commandWords returns the leading words of args that are not flags: the
// command name a user typed.
func commandWords(args []string) []string {
	n := 0
	for n < len(args) && !strings.HasPrefix(args[n], "-") {
		n++
	}
	return args[:n]
}

// isGroup reports whether name is the first word(s) of a longer command
// name ("cql" of "cql eval").
func isGroup(name string) bool {
	if name == "" {
		return false
	}
	for n := range commands {
		if strings.HasPrefix(n, name+" ") {
			return true
		}
	}
	return false
}

// didYouMean returns "; did you mean ...?" naming the commands or groups
// nearest to the words a user typed, or "" when none is near. A name of k
// words is compared with the first k typed words (edit distance at most a
// third of its length, and at least 2); longer names win over shorter
// ones, then the nearest.
func didYouMean(words []string) string {
	names := map[string]bool{}
	for n := range commands {
		nw := strings.Fields(n)
		for i := 1; i <= len(nw); i++ {
			names[strings.Join(nw[:i], " ")] = true
		}
	}
	var best []string
	bestK, bestD := 0, 0
	for n := range names {
		k := len(strings.Fields(n))
		if k > len(words) {
			continue
		}
		t := strings.Join(words[:k], " ")
		if t == n && k < len(words) {
			continue // the group itself: the next word is the wrong one
		}
		d := levenshtein.ComputeDistance(t, n)
		if d > max(2, len(n)/3) {
			continue
		}
		switch {
		case best == nil || k > bestK || k == bestK && d < bestD:
			best, bestK, bestD = []string{n}, k, d
		case k == bestK && d == bestD:
			best = append(best, n)
		}
	}
	if best == nil {
		return ""
	}
	sort.Strings(best)
	return "; did you mean \"ccg " + strings.Join(best, "\" or \"ccg ") + "\"?"
}

// lookup returns the command whose name is the longest prefix of args, and
// the remaining arguments.
func lookup(args []string) (*command, []string) {
	for n := len(args); n > 0; n-- {
		if strings.HasPrefix(args[n-1], "-") {
			continue
		}
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:]
		}
	}
	return nil, nil
}

// usage prints the command list; with a group ("cql") only the commands
// of that group.
func usage(w io.Writer, group string) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		if group == "" || strings.HasPrefix(n, group+" ") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if group != "" {
		fmt.Fprintf(w, "usage: ccg %s <command> [arguments]\n", group)
	} else {
		fmt.Fprintln(w, "usage: ccg <command> [arguments]")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].Summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'ccg help <command>' or 'ccg <command> -h' for a command's flags.")
}

// newFlagSet returns a FlagSet for command c that writes its messages to
// e.Stderr and prints the command's synopsis before the flag defaults.
func newFlagSet(e *env, c string, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("ccg "+c, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ccg %s %s\n", c, args)
		fs.PrintDefaults()
	}
	return fs
}

// commandFlags returns the FlagSet of the registered command name, whose
// usage line is the command's Args.
func commandFlags(e *env, name string) *flag.FlagSet {
	return newFlagSet(e, name, commands[name].Args)
}

// parseFlags parses args with fs, allowing flags after positional
// arguments ("ccg cql eval x.cql --json"). It returns the positional
// arguments, or an exit code when parsing failed or help was asked for.
func parseFlags(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			// "--" ends the flags: everything after it is positional.
			return append(pos, rest...), exitOK, true
		}
		// Move leading positional arguments out and keep parsing the rest.
		i := 0
		for i < len(rest) && (!strings.HasPrefix(rest[i], "-") || rest[i] == "-") {
			i++
		}
		pos = append(pos, rest[:i]...)
		if i == len(rest) {
			return pos, exitOK, true
		}
		args = rest[i:]
	}
}

// usageError prints a usage message for a command and returns exitUsage.
func usageError(e *env, fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(e.Stderr, "ccg: "+format+"\n", a...)
	fs.Usage()
	return exitUsage
}
