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
# The app servers' boot-complete script (components/app/files) is checked against botocore's request signer.
APT_PACKAGES+=(python3-botocore)
# npm run docs draws docs/architecture.svg with Graphviz's dot.
APT_PACKAGES+=(graphviz)
# docs/data-tier.md's proxy secret bootstrap is run by test/databaseProxy.test.ts, with the real jq.
APT_PACKAGES+=(jq)
# doctor's registrar-NS check (test/doctor.test.ts) asks a real authoritative DNS server on loopback.
APT_PACKAGES+=(nsd)
# test/releaseCommit.test.ts runs the release pipeline's stages (images/jenkins/jobs/Jenkinsfile) with Groovy 2.4,
# the line Jenkins embeds, its own steps stubbed.
APT_PACKAGES+=(groovy)

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

# `twine-infra doctor` is tested against moto's AWS emulator (test/doctor.test.ts). Neither registry CI reaches (npm,
# Debian apt) offers moto, so the machine image provides it (moto 5.2 with boto3, e.g. under pyenv). Only look for it
# here, in the places test/helpers/moto.ts searches, and say so when it is missing: the doctor tests then fail naming it.
moto_found=""
for dir in $(printf '%s' "${PATH}" | tr ':' ' ') ${PYENV_ROOT:+"$PYENV_ROOT/shims"} "$HOME/.pyenv/shims" "$HOME/.local/bin" /usr/local/bin; do
    if [ -x "$dir/moto_server" ] || { [ -x "$dir/python3" ] && "$dir/python3" -c 'import moto.server' >/dev/null 2>&1; }; then
        moto_found="$dir"
        break
    fi
done
if [ -z "$moto_found" ]; then
    echo "setup: WARNING: moto's AWS emulator (moto_server, moto 5.2) was not found on PATH, in \$HOME/.pyenv/shims or" \
        "\$HOME/.local/bin; test/doctor.test.ts will fail until the machine provides it" >&2
fi

# The deploy roles' action catalog is re-learned by test/deployActions.test.ts, and the cross-account profiles'
# credential chain runs through test/roleProfileChain.test.ts, both with Terraform 1.11 and a local mirror of
# hashicorp/aws 5.100.0 (TF_PLUGIN_MIRROR, default /opt/tf-plugins), which the machine image provides: neither is in
# npm or Debian's archive. Say so when either is missing: those tests are then skipped, saying why.
tf_mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
if ! command -v terraform >/dev/null 2>&1; then
    echo "setup: WARNING: terraform (1.11) is not on PATH; test/deployActions.test.ts skips re-learning the catalog" \
        "and test/roleProfileChain.test.ts is skipped" >&2
elif [ ! -d "$tf_mirror/registry.terraform.io/hashicorp/aws/5.100.0" ]; then
    echo "setup: WARNING: no hashicorp/aws 5.100.0 under $tf_mirror (set TF_PLUGIN_MIRROR);" \
        "test/deployActions.test.ts skips re-learning the catalog and test/roleProfileChain.test.ts is skipped" >&2
fi

npm ci --no-audit --no-fund
