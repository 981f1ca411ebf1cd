#!/usr/bin/env bash
# Prints the bastion's SSH host keys as known_hosts lines, read from the instance's console through the EC2 API
# (ec2:GetConsoleOutput, with credentials for the bastion account), so nobody trusts a new host key on first use.
# cloud-init writes the keys to the console once, at the end of the first boot (its keys_to_console module,
# between "-----BEGIN SSH HOST KEY KEYS-----" and "-----END SSH HOST KEY KEYS-----"); only the instance's root
# writes there. AWS documents this check: "Get the instance fingerprint" in
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/connection-prereqs-general.html.
#
#   scripts/bastion-known-hosts.sh bastion.twinehr.com [region] > /tmp/bastion.known_hosts
#   ssh-keygen -R bastion.twinehr.com && cat /tmp/bastion.known_hosts >> ~/.ssh/known_hosts
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 <bastion host name, e.g. bastion.twinehr.com> [region]" >&2
    exit 2
fi
host="$1"
region_args=()
if [ $# -eq 2 ]; then region_args=(--region "$2"); fi

# The running instance the bastion stack tagged with its host name, and its Elastic IP. No such instance is an
# empty answer, on which read fails: `|| true` lets the check below say so instead of set -e exiting silently.
instance="" address=""
read -r instance address < <(aws ec2 describe-instances "${region_args[@]}" \
    --filters "Name=tag:Name,Values=$host" "Name=instance-state-name,Values=running" \
    --query "Reservations[].Instances[].[InstanceId, PublicIpAddress]" --output text) || true
if [ -z "${instance:-}" ]; then
    echo "bastion-known-hosts: no running instance tagged Name=$host; check the name, the region and the account" >&2
    exit 1
fi

console="$(aws ec2 get-console-output "${region_args[@]}" --instance-id "$instance" --latest --query Output --output text)"
keys="$(printf '%s\n' "$console" | tr -d '\r' |
    sed -n '/^-----BEGIN SSH HOST KEY KEYS-----$/,/^-----END SSH HOST KEY KEYS-----$/p' | sed '1d;$d')"
if [ -z "$keys" ]; then
    echo "bastion-known-hosts: the console of $instance holds no host keys. Just launched: cloud-init prints them at the" \
        "end of its first boot, a few minutes after launch; try again shortly. Launched long ago: the EC2 API keeps only" \
        "the latest console output, and cloud-init prints the keys once per instance, so a reboot does not bring them" \
        "back; have an administrator read them on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) over a" \
        "connection verified otherwise, or move the AMI pin to replace the host (docs/runbook.md)" >&2
    exit 1
fi
# Every line must be a public key (type and base64), or the console was not what we expect: print nothing.
while read -r type key _; do
    if ! printf '%s %s\n' "$type" "$key" | ssh-keygen -l -f - >/dev/null 2>&1; then
        echo "bastion-known-hosts: the console of $instance holds a line that is not an SSH public key; not trusting it" >&2
        exit 1
    fi
done <<<"$keys"
while read -r type key _; do
    printf '%s %s %s\n' "$host${address:+,$address}" "$type" "$key"
done <<<"$keys"
