#!/usr/bin/env bash
# Runs the official CQL conformance harness (cqframework's cql-tests-runner,
# in ../shared/tools/cql-tests-runner) against a `ccg serve` it starts,
# through $cql and through Library/$evaluate, and fails when fewer tests
# pass than cql/conformance/harness-floor.txt demands.
#
# The runner is copied to a temporary directory (its source is never
# changed), its npm dependencies installed with `npm ci`, and the suite
# linked from ../shared/conformance/cql-tests. For Library/$evaluate the
# runner's own build-cql command writes one library per test file; the
# script wraps them as Library resources (url
# https://hl7.org/fhir/uv/cql/Library/NAME, version 1.0.000, as the runner
# asks for them) in a package that the server loads with --packages.
#
# Environment: CCG_SHARED (default ../shared), CCG_HARNESS_KEEP=1 keeps the
# temporary directory (results in results-cql/ and results-evaluate/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=$(cd "${CCG_SHARED:-../shared}" 2>/dev/null && pwd) || { echo "cql-harness: ../shared not found (set CCG_SHARED)" >&2; exit 1; }
runner="$shared/tools/cql-tests-runner"
suite="$shared/conformance/cql-tests"
for d in "$runner" "$suite"; do
	[ -d "$d" ] || { echo "cql-harness: $d not found" >&2; exit 1; }
done
command -v npm >/dev/null || { echo "cql-harness: npm is required" >&2; exit 1; }

start=$(date +%s)
tmp=$(mktemp -d)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	if [ "${CCG_HARNESS_KEEP:-}" = 1 ]; then echo "cql-harness: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

cp -r "$runner/." "$tmp/runner"
ln -s "$suite" "$tmp/runner/cql-tests"
(cd "$tmp/runner" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) || { cat "$tmp/npm.log" >&2; exit 1; }
go build -o "$tmp/ccg" ./cmd/ccg

# The test libraries for Library/$evaluate, as a package.
(cd "$tmp/runner" && npx tsx src/bin/cql-tests.ts build-cql conf/localhost-evaluate.json "$tmp/cql" >"$tmp/build-cql.log" 2>&1) ||
	{ cat "$tmp/build-cql.log" >&2; exit 1; }
mkdir -p "$tmp/pkg/package"
node "$root/scripts/cql-harness-package.mjs" "$tmp/cql" "$tmp/pkg/package"

# The runner sends no credential and its requests as fast as it can: a
# throwaway server on loopback, without authentication nor rate limit.
"$tmp/ccg" serve --addr 127.0.0.1:0 --data "$tmp/data" --packages "$tmp/pkg/package" --eval-timeout 30s \
	--auth off --evaluate-rate 0 2>"$tmp/serve.log" &
server_pid=$!
addr=""
for _ in $(seq 1 300); do
	addr=$(sed -n 's/.*"msg":"listening","addr":"\([^"]*\)".*/\1/p' "$tmp/serve.log" | head -n1)
	[ -n "$addr" ] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$addr" ] || { echo "cql-harness: the server did not start" >&2; cat "$tmp/serve.log" >&2; exit 1; }

run() { # run NAME CONF
	sed "s#http://localhost:8080/fhir/#http://$addr/#" "$tmp/runner/conf/$2" >"$tmp/runner/conf/ccg-$1.json"
	(cd "$tmp/runner" && npx tsx src/bin/cql-tests.ts run-tests "conf/ccg-$1.json" "$tmp/results-$1" >"$tmp/run-$1.log" 2>&1) ||
		{ tail -n 50 "$tmp/run-$1.log" >&2; exit 1; }
}
run cql localhost.json
run evaluate localhost-evaluate.json
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

node "$root/scripts/cql-harness-report.mjs" "$root/cql/conformance/harness-floor.txt" \
	cql "$tmp/results-cql" evaluate "$tmp/results-evaluate"
echo "cql-harness: $(($(date +%s) - start))s"
