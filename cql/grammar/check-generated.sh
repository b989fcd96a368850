#!/usr/bin/env bash
# Fails when cql/parser/gen is not what generate.sh produces from Cql.g4.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$here/generate.sh" "$tmp/gen"
if ! diff -ru "$root/cql/parser/gen" "$tmp/gen"; then
	echo "check-generated: cql/parser/gen is stale; run cql/grammar/generate.sh and commit the result" >&2
	exit 1
fi
echo "check-generated: cql/parser/gen is up to date"
