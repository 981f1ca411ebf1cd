#!/usr/bin/env bash
# Resolves a ref of the app repository to a commit of its release branch, or refuses it: what the release pipeline
# builds and what the signing script (publish-apt.sh) signs are only such commits.
#
#   release-commit.sh <ref> <dir>
#
# <ref> is a full commit, the release branch's name, or a tag. It passes only if the commit is on the release
# branch's first-parent history: the states the branch itself has been in (each merge of a reviewed change, or each
# squashed change), never a commit a merge brought in from a side branch, which is an ancestor of the branch but was
# never reviewed as a whole (a pull request's intermediate commit). Fetches into <dir> (created empty) only the
# release branch and the tags, and prints the full commit; anything else exits 1 and says why.
#
# The repository and branch are pinned here, in the image, not in the pipeline: a re-run of an older build
# (Rebuild, Restart from Stage) runs that build's own script, but this check is the running image's.
# TWINE_APP_REPOSITORY and TWINE_APP_RELEASE_BRANCH replace them for tests and local runs; no pipeline sets them.
set -euo pipefail

APP_REPOSITORY="${TWINE_APP_REPOSITORY:-https://github.com/twine/twine.git}"
RELEASE_BRANCH="${TWINE_APP_RELEASE_BRANCH:-main}"

[ "$#" -eq 2 ] || { echo "usage: $0 <ref> <dir>" >&2; exit 64; }
ref=$1 dir=$2

refuse() {
    echo "Refused: $1" >&2
    echo "Only commits on $APP_REPOSITORY's release branch $RELEASE_BRANCH (its first-parent history) are built and" \
        "published; test other branches in the app repository's CI." >&2
    exit 1
}

case "$ref" in
    '' | -* | *..* | *[!A-Za-z0-9._/-]*) refuse "APP_REF '$ref' is not a branch, tag or full commit name." ;;
esac

rm -rf "$dir"
git init -q "$dir"
cd "$dir"
# Only the release branch and the tags: no other branch's name can stand in for a reviewed one.
git fetch -q --no-tags "$APP_REPOSITORY" "+refs/heads/$RELEASE_BRANCH:refs/remotes/origin/$RELEASE_BRANCH" '+refs/tags/*:refs/tags/*'

# A full commit is only that commit; a name is the release branch, else a tag.
if [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then
    candidate="$ref"
elif [ "$ref" = "$RELEASE_BRANCH" ]; then
    candidate="refs/remotes/origin/$RELEASE_BRANCH"
else
    candidate="refs/tags/$ref"
fi
commit="$(git rev-parse -q --verify "$candidate^{commit}")" ||
    refuse "APP_REF '$ref' is not the release branch $RELEASE_BRANCH, a tag, or a full commit either reaches in $APP_REPOSITORY."

# Listed to a file, not piped to grep -q: under pipefail, rev-list's SIGPIPE would fail the check on a match.
git rev-list --first-parent "refs/remotes/origin/$RELEASE_BRANCH" >.git/release-history
if ! grep -qx "$commit" .git/release-history; then
    refuse "APP_REF '$ref' is commit $commit, not on the first-parent history of $APP_REPOSITORY's release branch $RELEASE_BRANCH."
fi
echo "$commit"
