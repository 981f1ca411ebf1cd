#!/usr/bin/env bash
# The CloudWatch agent (memory, disk, logs; installed by twine.sh from the signed repository), configured at bake
# time and started by systemd at boot. Every source runs the same units; a machine without an instance role ships
# nothing. The SSM agent, where the base image carries it (Canonical's AMIs, as a snap), carries this build's
# Session Manager connection, so it keeps running now but never starts again: an account's Default Host
# Management Configuration would register it with the instance's own identity and reopen Session Manager on
# every app server. (snapd keeps a service disabled across refreshes.)
set -euo pipefail

install -d -m 0755 /opt/aws/amazon-cloudwatch-agent/etc
install -m 0644 /tmp/twine-files/cloudwatch-agent.json /opt/aws/amazon-cloudwatch-agent/etc/twine.json
install -d -m 0755 -o syslog -g adm /var/log/twine
# The agent runs as cwagent; the adm group lets it read syslog and auth.log, nothing more.
usermod -a -G adm cwagent

if [ "${PACKER_BUILDER_TYPE:-}" = "amazon-ebs" ]; then
    # Translate the config now (it reads the instance's metadata), so boot only starts the agent.
    /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/opt/aws/amazon-cloudwatch-agent/etc/twine.json
fi
systemctl enable amazon-cloudwatch-agent.service
if command -v snap >/dev/null && snap list amazon-ssm-agent >/dev/null 2>&1; then
    systemctl disable snap.amazon-ssm-agent.amazon-ssm-agent.service
fi
if systemctl list-unit-files amazon-ssm-agent.service >/dev/null 2>&1; then
    systemctl disable amazon-ssm-agent.service
fi
