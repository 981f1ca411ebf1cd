#!/usr/bin/env bash
# Publishes .deb packages to the Twine apt repository with Aptly, signed.
#
#   publish-apt.sh <commit> <endpoint> <distribution> <component> <gpg-key-id> <package.deb>...
#
# <commit> is the full commit of the app repository the packages were built from. Nothing is signed unless this
# script's own check (twine-release-commit, release-commit.sh, pinned in the image) finds it on the release branch's
# first-parent history; so a pipeline script older than that check (a Rebuild or Restart from Stage of an old build),
# which passes no commit, fails here. It checks the commit's name only, not that the packages are its build
# (docs/build-and-delivery.md).
# <endpoint> is Aptly's publish target: "s3:twine:" on Jenkins (the S3 endpoint in aptly.conf), or a
# "filesystem:<name>:" endpoint for a local run. Set APTLY_CONFIG to use an aptly.conf other than ~/.aptly.conf.
# The signing key must already be in the GnuPG home (Jenkins imports it from Secrets Manager first).
# The first run creates the local repo and publishes it; later runs add the packages and update the publication.
set -euo pipefail

usage() {
    echo "usage: $0 <commit> <endpoint> <distribution> <component> <gpg-key-id> <package.deb>..." >&2
    exit 64
}
[ "$#" -ge 6 ] || usage
commit=$1 endpoint=$2 distribution=$3 component=$4 key=$5
shift 5
[[ "$commit" =~ ^[0-9a-f]{40}$ ]] || { echo "$0: '$commit' is not a full commit of the app repository" >&2; usage; }

for tool in aptly gpg git twine-release-commit; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 69; }
done
for deb in "$@"; do
    [ -f "$deb" ] || { echo "$0: no such package: $deb" >&2; exit 66; }
done

# Before aptly reads the key: the commit must be on the release branch, fetched here, not taken on trust.
checkout="$(mktemp -d)"
trap 'rm -rf "$checkout"' EXIT
checked="$(twine-release-commit "$commit" "$checkout/app")" || { echo "$0: nothing signed" >&2; exit 1; }
[ "$checked" = "$commit" ] || { echo "$0: $commit resolved to $checked; nothing signed" >&2; exit 1; }

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
echo "published $# package(s) of $commit to $endpoint $distribution/$component"
