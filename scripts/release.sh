#!/usr/bin/env bash
# Build the release binaries of ccg: static (CGO_ENABLED=0), trimmed,
# with the version linked in, for linux and darwin on amd64 and arm64,
# into dist/VERSION/ccg-VERSION-OS-ARCH, and write SHA256SUMS beside them.
#
#   scripts/release.sh VERSION        (make release does this)
#   cd dist/VERSION && sha256sum -c SHA256SUMS
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${1:?usage: scripts/release.sh VERSION}
GO=${GO:-go}
OUT=dist/$VERSION
rm -rf "$OUT"
mkdir -p "$OUT"
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64; do
	os=${target%/*} arch=${target#*/}
	bin=ccg-$VERSION-$os-$arch
	echo "building $bin" >&2
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch "$GO" build -trimpath \
		-ldflags "-s -w -X main.version=$VERSION" -o "$OUT/$bin" ./cmd/ccg
done
(cd "$OUT" && sha256sum ccg-* >SHA256SUMS)
echo "$OUT:" >&2
cat "$OUT/SHA256SUMS" >&2
