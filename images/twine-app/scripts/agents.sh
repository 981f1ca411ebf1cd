#!/usr/bin/env bash
# The SSM agent (shell access without SSH, patch inventory) and the CloudWatch agent (memory, disk, logs),
# configured at bake time and started by systemd at boot.
set -euo pipefail

if ! snap list amazon-ssm-agent >/dev/null 2>&1; then
    snap install amazon-ssm-agent --classic
fi

install -d -m 0755 /opt/aws/amazon-cloudwatch-agent/etc
install -m 0644 /tmp/twine-files/cloudwatch-agent.json /opt/aws/amazon-cloudwatch-agent/etc/twine.json
install -d -m 0755 -o syslog -g adm /var/log/twine
# The agent runs as cwagent; the adm group lets it read syslog and auth.log, nothing more.
usermod -a -G adm cwagent

if [ "${PACKER_BUILDER_TYPE:-}" = "amazon-ebs" ]; then
    # Translate the config now (it reads the instance's metadata), so boot only starts the agent.
    /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/opt/aws/amazon-cloudwatch-agent/etc/twine.json
    systemctl enable amazon-cloudwatch-agent.service
    systemctl enable snap.amazon-ssm-agent.amazon-ssm-agent.service
else
    # A developer VM has no instance role: the agents stay installed but off.
    systemctl disable amazon-cloudwatch-agent.service snap.amazon-ssm-agent.amazon-ssm-agent.service || true
fi
