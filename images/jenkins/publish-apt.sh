#!/usr/bin/env bash
# Publishes .deb packages to the Twine apt repository with Aptly, signed.
#
#   publish-apt.sh <endpoint> <distribution> <component> <gpg-key-id> <package.deb>...
#
# <endpoint> is Aptly's publish target: "s3:twine:" on Jenkins (the S3 endpoint in aptly.conf), or a
# "filesystem:<name>:" endpoint for a local run. Set APTLY_CONFIG to use an aptly.conf other than ~/.aptly.conf.
# The signing key must already be in the GnuPG home (Jenkins imports it from Secrets Manager first).
# The first run creates the local repo and publishes it; later runs add the packages and update the publication.
set -euo pipefail

usage() {
    echo "usage: $0 <endpoint> <distribution> <component> <gpg-key-id> <package.deb>..." >&2
    exit 64
}
[ "$#" -ge 5 ] || usage
endpoint=$1 distribution=$2 component=$3 key=$4
shift 4

for tool in aptly gpg; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 69; }
done
for deb in "$@"; do
    [ -f "$deb" ] || { echo "$0: no such package: $deb" >&2; exit 66; }
done

aptly_cmd=(aptly)
if [ -n "${APTLY_CONFIG:-}" ]; then
    aptly_cmd+=("-config=$APTLY_CONFIG")
fi
repo="twine-$distribution-$component"
sign=("-gpg-key=$key" -batch)

if ! "${aptly_cmd[@]}" repo show "$repo" >/dev/null 2>&1; then
    "${aptly_cmd[@]}" repo create "-distribution=$distribution" "-component=$component" "$repo"
fi
"${aptly_cmd[@]}" repo add "$repo" "$@"

if "${aptly_cmd[@]}" publish show "$distribution" "$endpoint" >/dev/null 2>&1; then
    "${aptly_cmd[@]}" publish update "${sign[@]}" "$distribution" "$endpoint"
else
    "${aptly_cmd[@]}" publish repo "${sign[@]}" "-distribution=$distribution" "-component=$component" "$repo" "$endpoint"
fi
echo "published $# package(s) to $endpoint $distribution/$component"
