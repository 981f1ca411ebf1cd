#!/usr/bin/env bash
# Builds the binary packages of a Debian source tree inside a build root of the image's Ubuntu release, without
# root: proot makes the root look like / (and the caller like root inside it), so the `jenkins` user builds
# noble packages with the root's compiler and debhelper, never the Jenkins image's own Debian ones.
#
#   build-packages.sh <build-root> <source-dir>
#
# The .deb files land beside <source-dir>, where dpkg-buildpackage writes them.
set -euo pipefail

[ "$#" -eq 2 ] || { echo "usage: $0 <build-root> <source-dir>" >&2; exit 64; }
root=$1 source=$2
command -v proot >/dev/null || { echo "$0: proot is not installed" >&2; exit 69; }
[ -x "$root/usr/bin/dpkg-buildpackage" ] || { echo "$0: $root is not a build root (no dpkg-buildpackage in it)" >&2; exit 66; }
[ -f "$source/debian/control" ] || { echo "$0: $source is not a Debian source tree (no debian/control)" >&2; exit 66; }

source=$(cd "$source" && pwd)
work=$(dirname "$source")
proot -0 -r "$root" -b /dev -b /proc -b /sys -b "$work:/build" -w "/build/$(basename "$source")" \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/build LC_ALL=C.UTF-8 \
    dpkg-buildpackage --build=binary --no-sign
