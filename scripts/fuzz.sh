#!/usr/bin/env bash
# Run every fuzz target of the module for $FUZZTIME (default 3m) each, one
# after the other, and print each target's execution count. Inputs that
# widen coverage are minimised for at most $FUZZMINIMIZETIME (default 2s)
# so the time goes to fuzzing. Every target runs; the script fails when
# one did (its crasher is in the package's testdata/fuzz/).
#
#   make fuzz                    # 3 minutes per target
#   FUZZTIME=20s make fuzz       # a quick pass
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-3m}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-2s}

# "package target" lines, from the test files' Fuzz functions.
targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./cql/parser/gen/' | sort | while read -r f; do
	dir=$(dirname "$f")
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$dir |"
done)

n=$(echo "$targets" | wc -l)
echo "fuzz: $n targets, $FUZZTIME each" >&2
failed=()
while read -r dir target; do
	echo "== $target ($dir)" >&2
	log=$(mktemp)
	"$GO" test -run '^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" \
		-fuzzminimizetime="$FUZZMINIMIZETIME" "$dir" >"$log" 2>&1 || true
	if grep -q -E '^(--- FAIL|FAIL)' "$log"; then
		if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log"; then
			# Go's fuzz coordinator can race its own -fuzztime deadline on a
			# busy machine (golang/go#75804): no input failed, nothing to fix.
			echo "   $target: stopped by the fuzztime deadline race, no failing input" >&2
		else
			cat "$log" >&2
			failed+=("$target")
		fi
	fi
	# the last progress line: "fuzz: elapsed: 15s, execs: 12345 (823/sec), new interesting: ..."
	last=$(grep -E 'execs: [0-9]+ \(' "$log" | tail -n 1 || true)
	echo "   $target: ${last:-no progress line}" >&2
	rm -f "$log"
done <<<"$targets"
if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz: failed: ${failed[*]} (crashers are in the packages' testdata/fuzz/)" >&2
	exit 1
fi
