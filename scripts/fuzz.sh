#!/usr/bin/env bash
# Run every fuzz target of the module for $FUZZTIME (default 3m) each, one
# after the other, and print each target's execution count. Inputs that
# widen coverage are minimised for at most $FUZZMINIMIZETIME (default 5s)
# so the time goes to fuzzing. Stops at the first target that fails (its
# crasher is in the package's testdata/fuzz/).
#
#   make fuzz                    # 3 minutes per target
#   FUZZTIME=20s make fuzz       # a quick pass
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-3m}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-5s}

# "package target" lines, from the test files' Fuzz functions.
targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./cql/parser/gen/' | sort | while read -r f; do
	dir=$(dirname "$f")
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$dir |"
done)

n=$(echo "$targets" | wc -l)
echo "fuzz: $n targets, $FUZZTIME each" >&2
while read -r dir target; do
	echo "== $target ($dir)" >&2
	log=$(mktemp)
	if ! "$GO" test -run '^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" \
		-fuzzminimizetime="$FUZZMINIMIZETIME" "$dir" 2>&1 | tee "$log" | grep -E '^(--- FAIL|FAIL|ok|panic)' >&2; then
		:
	fi
	if grep -q -E '^(--- FAIL|FAIL)' "$log"; then
		cat "$log" >&2
		rm -f "$log"
		exit 1
	fi
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 || true)
	echo "   $target: ${execs:-no count} in $FUZZTIME" >&2
	rm -f "$log"
done <<<"$targets"
