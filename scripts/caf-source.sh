#!/usr/bin/env bash
# Usage: scripts/caf-source.sh DIR — puts CAF 0.17.6's libcaf_core sources (the version libcaf-dev
# installs) under DIR/libcaf_core/src, for the ThreadSanitizer build (third_party/caf). They come
# from Debian's own archive, the source of the libcaf-dev package: its orig tarball, checked
# against the checksum below; nothing is downloaded when DIR already holds them.
set -euo pipefail
dir=$1
version=0.17.6
sha256=e2bf5bd243f08bb7d8adde197cfe3e6d71314ed3378fe0692f8932f4c3b3928c
tarball=actor-framework_${version}.orig.tar.gz
[ -f "$dir/.complete-$version" ] && exit 0
# Debian's main archive first, then whatever apt is configured with.
mirrors=(http://deb.debian.org/debian)
mirrors+=($(grep -h -o -E '^(URIs: *|deb +)https?://[^ ]+' /etc/apt/sources.list.d/* \
  /etc/apt/sources.list 2>/dev/null | grep -o -E 'https?://[^ ]+' || true))
mkdir -p "$dir"
fetched=0
for mirror in "${mirrors[@]}"; do
  curl -fsSL --retry 2 -o "$dir/$tarball" "${mirror%/}/pool/main/a/actor-framework/$tarball" &&
    fetched=1 && break
done
[ $fetched = 1 ] || { echo "caf-source: $tarball is on none of: ${mirrors[*]}" >&2; exit 1; }
echo "$sha256  $dir/$tarball" | sha256sum -c --quiet -
tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1 --wildcards '*/libcaf_core/src/*' '*/LICENSE*'
rm -f "$dir/$tarball"
touch "$dir/.complete-$version"
