#!/usr/bin/env bash
# Lets Docker log in to one ECR registry through Amazon's credential helper (ecr-login), from the session's AWS
# credentials: the Jenkins image's push (components/delivery/jenkins.ts) passes no password, so that none lands in
# state, and the Docker provider then asks the helper named in the Docker config for the registry
# (https://github.com/awslabs/amazon-ecr-credential-helper, "Configuration"). scripts/deploy-tools.sh runs it.
#   ecr-credential-helper.sh <account>.dkr.ecr.<region>.amazonaws.com
# Installs Debian's amazon-ecr-credential-helper when missing, and merges {"credHelpers": {<registry>: "ecr-login"}}
# into $DOCKER_CONFIG/config.json (default ~/.docker), keeping what the file already holds. Safe to run again.
set -euo pipefail

registry="${1:-}"
if ! [[ "$registry" =~ ^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$ ]]; then
    echo "ecr-credential-helper: \"$registry\" is not an ECR registry (<account>.dkr.ecr.<region>.amazonaws.com)" >&2
    exit 1
fi

if ! command -v docker-credential-ecr-login >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends amazon-ecr-credential-helper
fi

config_dir="${DOCKER_CONFIG:-$HOME/.docker}"
install -d -m 0700 "$config_dir"
config="$config_dir/config.json"
[ -s "$config" ] || echo '{}' >"$config"
node -e '
const fs = require("fs");
const [file, registry] = process.argv.slice(1);
const config = JSON.parse(fs.readFileSync(file, "utf8"));
config.credHelpers = { ...(config.credHelpers ?? {}), [registry]: "ecr-login" };
fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
' "$config" "$registry"
chmod 0600 "$config"
echo "ecr-credential-helper: $registry logs in through ecr-login ($config)"
