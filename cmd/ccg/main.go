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
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.Stderr, "")
		return exitUsage
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, _ := lookup(args[1:]); c != nil {
				// The command's own -h prints its synopsis and flags.
				fmt.Fprintf(e.Stdout, "%s\n\n", c.Summary)
				help := *e
				help.Stderr = e.Stdout
				c.Run(ctx, &help, []string{"-h"})
				return exitOK
			}
			usage(e.Stdout, strings.Join(args[1:], " "))
			return exitOK
		}
		usage(e.Stdout, "")
		return exitOK
	}
	c, rest := lookup(args)
	if c == nil {
		fmt.Fprintf(e.Stderr, "ccg: unknown command %q\n\n", strings.Join(args, " "))
		usage(e.Stderr, args[0])
		return exitUsage
	}
	return c.Run(ctx, e, rest)
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

// usage prints the command list; with a prefix ("cql") only the commands
// of that group.
func usage(w io.Writer, prefix string) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		if prefix == "" || n == prefix || strings.HasPrefix(n, prefix+" ") {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		for n := range commands {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: ccg <command> [arguments]")
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
