#!/usr/bin/env bash
# Brings the base image up to date at bake time, so no instance needs to patch itself at boot.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
apt-get -q -y install --no-install-recommends ca-certificates curl gnupg
