#!/usr/bin/env bash
# Sets up a fresh machine for the tests and the offline plan: the Debian tools the tests call, then the npm
# packages at the versions package-lock.json pins. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the test suite runs for real (see "Tests" in the README).
# Packer and shellcheck check the image templates and scripts (images/).
APT_PACKAGES=(packer shellcheck)
# The bastion user data is checked by the tools that read it: sshd -t (drop-in), cloud-init schema (cloud-config).
APT_PACKAGES+=(openssh-server cloud-init)
# The access suite (test/sshAccess.test.ts) runs sshd, ssh, nftables and sudo on hosts in network namespaces.
APT_PACKAGES+=(iproute2 nftables sudo)
# The apt publishing test (test/aptlyPublish.test.ts) runs the real aptly, GnuPG and dpkg-deb.
APT_PACKAGES+=(aptly gnupg dpkg-dev)
# The build chain end to end (test/e2e, `npm run test:e2e`): roots made by debootstrap, packages built in one with
# proot (as the pipeline does), systemd's verifiers, network namespaces (iproute2) and an SSH target.
APT_PACKAGES+=(debootstrap proot systemd iproute2 curl openssh-client util-linux)
# npm run docs draws docs/architecture.svg with Graphviz's dot.
APT_PACKAGES+=(graphviz)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: missing Debian packages: ${missing[*]}; run this script as root (or: sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# `twine-infra doctor` is tested against moto's AWS emulator (test/doctor.test.ts), which Debian does not package.
MOTO_VERSION=5.2.1
if ! command -v moto_server >/dev/null 2>&1; then
    python3 -m pip install --quiet "moto[server]==${MOTO_VERSION}"
fi

npm ci --no-audit --no-fund
