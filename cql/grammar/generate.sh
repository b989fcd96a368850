#!/usr/bin/env bash
# Regenerates the Go parser in cql/parser/gen from Cql.g4.
#
# Usage: cql/grammar/generate.sh [output-dir]
#   output-dir defaults to cql/parser/gen (relative to the repository root).
#
# The ANTLR tool (a 4.13 jar shipped in the antlr4ng-cli npm package, pinned
# below) is installed on first use into cql/grammar/.tools (gitignored), from
# https://registry.npmjs.org/ or $CCG_NPM_REGISTRY. Requires java (17+) and npm.
set -euo pipefail

ANTLR_NPM_PACKAGE="antlr4ng-cli@2.0.0"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/cql/parser/gen}"
tools="${CCG_ANTLR_TOOLS:-$here/.tools}"

find_jar() {
	find "$tools/node_modules/antlr4ng-cli" -maxdepth 1 -name 'antlr4-*-complete.jar' 2>/dev/null | head -n 1 || true
}

jar="$(find_jar)"
if [[ -z "$jar" ]]; then
	command -v npm >/dev/null || { echo "generate.sh: npm is required to install $ANTLR_NPM_PACKAGE" >&2; exit 1; }
	mkdir -p "$tools"
	echo "generate.sh: installing $ANTLR_NPM_PACKAGE into $tools" >&2
	# The public registry by name (CCG_NPM_REGISTRY for a mirror), so that a
	# registry set in the user's npm configuration (a local ccg, say) cannot
	# answer instead; errors are shown, not silenced.
	npm install --loglevel=error --no-audit --no-fund --registry "${CCG_NPM_REGISTRY:-https://registry.npmjs.org/}" \
		--prefix "$tools" "$ANTLR_NPM_PACKAGE" >&2
	jar="$(find_jar)"
	[[ -n "$jar" ]] || { echo "generate.sh: no ANTLR jar found after installing $ANTLR_NPM_PACKAGE" >&2; exit 1; }
fi
command -v java >/dev/null || { echo "generate.sh: java is required" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out"/*.go "$out"/*.interp "$out"/*.tokens
# Run from the grammar directory so the generated headers name only "Cql.g4"
# (no absolute paths), which keeps the output identical on every machine.
(cd "$here" && java -jar "$jar" -Dlanguage=Go -visitor -no-listener -package gen -Xexact-output-dir -o "$out" Cql.g4)
# Only the Go sources are committed.
rm -f "$out"/*.interp "$out"/*.tokens
# The ANTLR Go template keeps each rule's errorExit label used with a goto
# after the final return, which go vet reports as unreachable code. Jump to
# the label just before it instead (same behaviour, nothing unreachable).
perl -0pi -e 's/\n\treturn localctx\n\tgoto errorExit \/\/ Trick to prevent compiler error if the label is not used\n/\n\treturn localctx\n/g; s/\n\nerrorExit:\n/\n\tgoto errorExit \/\/ keeps the label used (ccg generate.sh)\n\nerrorExit:\n/g' "$out"/*.go
gofmt -w "$out"
