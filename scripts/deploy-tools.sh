#!/usr/bin/env bash
# The tools a dev `pulumi up` runs beyond the tests' ones: a current Packer (the image template refuses Debian's
# 1.6) and the Session Manager plugin Packer reaches the build instance through. Pulumi Deployments runs it
# after scripts/setup.sh (components/account/deploymentPreviews.ts), so /usr/local/bin's Packer comes first on PATH.
# With a registry argument (the stack account's ECR registry, which Deployments passes), Docker also logs in to it
# through the ECR credential helper, as the Jenkins image's push needs (scripts/ecr-credential-helper.sh).
#   deploy-tools.sh [<account>.dkr.ecr.<region>.amazonaws.com]
# Safe to run again: a tool already at its version is left alone.
set -euo pipefail

PACKER_VERSION=1.11.2
# AWS's minimum supported plugin is 1.2.764.0; older ones may fail to open the session Packer needs
# (https://docs.aws.amazon.com/systems-manager/latest/userguide/plugin-version-history.html). 1.2.896.0 is the
# current release (2026-10-09; 1.2.889.0 was withdrawn the same day).
SESSION_MANAGER_PLUGIN_VERSION=1.2.896.0
# HashiCorp's release signing key (https://www.hashicorp.com/trust/security): SHA256SUMS is checked against it.
HASHICORP_KEY_FINGERPRINT=C874011F0AB405110D02105534365D9472D7468F

if [ "$(id -u)" -ne 0 ]; then
    echo "deploy-tools: run as root (it installs into /usr/local/bin and with dpkg)" >&2
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ "$(/usr/local/bin/packer version 2>/dev/null | head -n1)" != "Packer v${PACKER_VERSION}" ]; then
    base="https://releases.hashicorp.com/packer/${PACKER_VERSION}"
    zip="packer_${PACKER_VERSION}_linux_amd64.zip"
    curl -fsSL -o "$work/$zip" "$base/$zip"
    curl -fsSL -o "$work/SHA256SUMS" "$base/packer_${PACKER_VERSION}_SHA256SUMS"
    curl -fsSL -o "$work/SHA256SUMS.sig" "$base/packer_${PACKER_VERSION}_SHA256SUMS.sig"
    curl -fsSL -o "$work/hashicorp.asc" https://www.hashicorp.com/.well-known/pgp-key.txt
    export GNUPGHOME="$work/gnupg"
    install -d -m 0700 "$GNUPGHOME"
    gpg --batch --quiet --import "$work/hashicorp.asc"
    gpg --batch --with-colons --list-keys | grep -q "^fpr:::::::::${HASHICORP_KEY_FINGERPRINT}:" \
        || { echo "deploy-tools: HashiCorp's key is not ${HASHICORP_KEY_FINGERPRINT}" >&2; exit 1; }
    gpg --batch --quiet --verify "$work/SHA256SUMS.sig" "$work/SHA256SUMS"
    (cd "$work" && grep " ${zip}\$" SHA256SUMS | sha256sum -c --quiet -)
    unzip -q -o "$work/$zip" packer -d /usr/local/bin
fi
/usr/local/bin/packer version

if [ "$(dpkg-query -W -f='${Version}' session-manager-plugin 2>/dev/null || true)" != "$SESSION_MANAGER_PLUGIN_VERSION-1" ]; then
    # AWS's Debian package at a fixed version, over TLS from AWS's download bucket:
    # https://docs.aws.amazon.com/systems-manager/latest/userguide/install-plugin-debian-and-ubuntu.html
    plugin="https://s3.amazonaws.com/session-manager-downloads/plugin/${SESSION_MANAGER_PLUGIN_VERSION}"
    curl -fsSL -o "$work/session-manager-plugin.deb" "$plugin/ubuntu_64bit/session-manager-plugin.deb"
    dpkg -i "$work/session-manager-plugin.deb"
fi
session-manager-plugin --version

if [ -n "${1:-}" ]; then
    bash "$(dirname "${BASH_SOURCE[0]}")/ecr-credential-helper.sh" "$1"
fi
