#!/usr/bin/env bash
# Downloads AWS's CloudWatch agent package for Ubuntu and checks its signature against AWS's key, so the release
# pipeline can publish it into the Twine repository: the image installs it from there (images/twine-app/scripts/
# twine.sh), with the one trusted source it installs Twine from.
#
#   fetch-cloudwatch-agent.sh <output-dir>
#
# Follows AWS's documented verification (download the key, check its fingerprint, verify the detached signature):
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/verify-CloudWatch-Agent-Package-Signature.html
# CLOUDWATCH_AGENT_BASE_URL and CLOUDWATCH_AGENT_KEY_FINGERPRINT change where it downloads from and which key it
# accepts (the end-to-end test serves a stand-in package signed with its own key); the pipeline sets neither.
set -euo pipefail

[ "$#" -eq 1 ] || { echo "usage: $0 <output-dir>" >&2; exit 64; }
out=$1
base=${CLOUDWATCH_AGENT_BASE_URL:-https://amazoncloudwatch-agent.s3.amazonaws.com}
fingerprint=${CLOUDWATCH_AGENT_KEY_FINGERPRINT:-937616F3450B7D806CBD9725D58167303B789C72}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg"
install -d -m 0700 "$GNUPGHOME"

curl -fsSL -o "$work/agent.gpg" "$base/assets/amazon-cloudwatch-agent.gpg"
gpg --batch --quiet --import "$work/agent.gpg"
if ! gpg --batch --with-colons --list-keys | grep -q "^fpr:::::::::${fingerprint}:"; then
    echo "$0: the key at $base/assets/amazon-cloudwatch-agent.gpg is not ${fingerprint}" >&2
    exit 1
fi
curl -fsSL -o "$work/amazon-cloudwatch-agent.deb" "$base/ubuntu/amd64/latest/amazon-cloudwatch-agent.deb"
curl -fsSL -o "$work/amazon-cloudwatch-agent.deb.sig" "$base/ubuntu/amd64/latest/amazon-cloudwatch-agent.deb.sig"
gpg --batch --quiet --verify "$work/amazon-cloudwatch-agent.deb.sig" "$work/amazon-cloudwatch-agent.deb"

version="$(dpkg-deb -f "$work/amazon-cloudwatch-agent.deb" Version)"
install -d "$out"
install -m 0644 "$work/amazon-cloudwatch-agent.deb" "$out/amazon-cloudwatch-agent_${version}_amd64.deb"
echo "fetched amazon-cloudwatch-agent $version"
