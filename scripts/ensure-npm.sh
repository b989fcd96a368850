#!/usr/bin/env bash
# Make sure node and npm are on PATH for the registry's end-to-end tests
# (registry/e2e drives the real npm CLI). Idempotent: does nothing when npm
# is already installed; otherwise installs Debian's nodejs and npm (needs
# root, as in CI). Progress goes to stderr.
set -euo pipefail
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
	echo "ensure-npm: node $(node --version), npm $(npm --version)" >&2
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ensure-npm: npm is missing and this is not root: install nodejs and npm" >&2
	exit 1
fi
echo "ensure-npm: installing nodejs and npm" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq nodejs npm >&2
echo "ensure-npm: node $(node --version), npm $(npm --version)" >&2
