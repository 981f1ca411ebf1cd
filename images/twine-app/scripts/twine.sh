#!/usr/bin/env bash
# Installs Twine from the private apt repository at one pinned version, and holds it there.
# Needs APT_REPO_URL, APT_DISTRIBUTION, APT_SIGNING_KEY_B64, TWINE_VERSION and TWINE_PACKAGES.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

: "${APT_REPO_URL:?APT_REPO_URL is required: base URL of the private apt repository}"
: "${APT_DISTRIBUTION:?APT_DISTRIBUTION is required}"
: "${APT_SIGNING_KEY_B64:?APT_SIGNING_KEY_B64 is required: public key of the repository, base64-encoded}"
: "${TWINE_VERSION:?TWINE_VERSION is required: the Twine version to install}"
: "${TWINE_PACKAGES:?TWINE_PACKAGES is required: the Twine packages to install}"

# The repository is trusted for its own packages only (signed-by), never for the rest of the system.
install -d -m 0755 /etc/apt/keyrings
echo "$APT_SIGNING_KEY_B64" | base64 -d | gpg --dearmor --yes -o /etc/apt/keyrings/twine.gpg
chmod 0644 /etc/apt/keyrings/twine.gpg
cat >/etc/apt/sources.list.d/twine.sources <<SOURCES
Types: deb
URIs: ${APT_REPO_URL}
Suites: ${APT_DISTRIBUTION}
Components: main
Signed-By: /etc/apt/keyrings/twine.gpg
SOURCES

apt-get update -q

read -r -a packages <<<"$TWINE_PACKAGES"
pinned=()
for package in "${packages[@]}"; do
    pinned+=("${package}=${TWINE_VERSION}")
done
# The CloudWatch agent comes from the same signed repository, so the image has a single trusted source.
apt-get -q -y install --no-install-recommends "${pinned[@]}" amazon-cloudwatch-agent
apt-mark hold "${packages[@]}" >/dev/null

for package in "${packages[@]}"; do
    installed="$(dpkg-query -W -f='${Version}' "$package")"
    if [ "$installed" != "$TWINE_VERSION" ]; then
        echo "twine.sh: $package is at $installed, expected $TWINE_VERSION" >&2
        exit 1
    fi
done
