#!/usr/bin/env bash
# Prepare the web workbench's browser tests (server/ui): Debian's chromium
# and axe-core (npm ci in server/ui/testdata/axe, from its package-lock.json).
# Prints the chromium binary's path on stdout (one line, nothing else);
# progress goes to stderr. Idempotent: installs chromium only when it is
# missing (needs root, as in CI) and runs npm ci only when axe-core is not
# installed at the locked version.
#
#   export CCG_CHROMIUM="$(scripts/test-ui.sh)"
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
AXE="$ROOT/server/ui/testdata/axe"

log() { echo "test-ui: $*" >&2; }

find_chromium() {
	for b in chromium chromium-browser google-chrome; do
		if command -v "$b" >/dev/null 2>&1; then
			command -v "$b"
			return 0
		fi
	done
	return 1
}

# Several test processes may call this at once: one at a time.
if command -v flock >/dev/null 2>&1; then
	exec 9>"${TMPDIR:-/tmp}/ccg-test-ui.lock"
	flock 9
fi

if ! BIN=$(find_chromium); then
	if [ "$(id -u)" -ne 0 ]; then
		log "chromium is not installed and this is not root: apt-get install chromium"
		exit 1
	fi
	log "installing chromium"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq chromium >&2
	BIN=$(find_chromium)
fi
log "$("$BIN" --version 2>/dev/null || echo "$BIN")"

"$ROOT/scripts/ensure-npm.sh"
want=$(node -e 'console.log(require(process.argv[1]).packages["node_modules/axe-core"].version)' "$AXE/package-lock.json")
have=$(node -e 'try{console.log(require(process.argv[1]).version)}catch(e){console.log("")}' "$AXE/node_modules/axe-core/package.json")
if [ "$want" != "$have" ]; then
	log "npm ci (axe-core $want)"
	(cd "$AXE" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
echo "$BIN"
