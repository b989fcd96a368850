package main

import (
	"flag"
	"fmt"

	"github.com/ccg-project/ccg/registry/store"
)

// storeFlags are the --data and --db flags of the commands that work on the
// store of a `ccg serve` (token and registry administration). Their
// defaults are serve's own: its default data directory, and CCG_DATA /
// CCG_DB where the flag is not given, so that these commands find the
// store that serve uses without being told.
type storeFlags struct{ data, db *string }

func addStoreFlags(fs *flag.FlagSet, e *env) storeFlags {
	return storeFlags{
		data: fs.String("data", defaultDataDir(e.Getenv), "data `DIR`ectory of ccg serve (default $CCG_DATA, else serve's default)"),
		db:   fs.String("db", "", "database `URL` (postgres://...); empty = SQLite in the data directory"),
	}
}

// open opens the store once the flags are parsed. On failure it has said
// why and returns the exit code.
func (s storeFlags) open(e *env, fs *flag.FlagSet, command string) (store.Store, int) {
	if err := applyFlagEnv(fs, e.Getenv, "data", "db"); err != nil {
		return nil, usageError(e, fs, "bad environment: %v", err)
	}
	if *s.data == "" && *s.db == "" {
		return nil, usageError(e, fs, "no data directory: give --data DIR (or $CCG_DATA)")
	}
	st, err := openRegistryStore(*s.db, *s.data)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ccg %s: %v\n", command, err)
		return nil, exitFailure
	}
	return st, exitOK
}
