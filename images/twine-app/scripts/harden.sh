#!/usr/bin/env bash
# Host hardening: SSH keys only, kernel network defaults, no package changes after the image is baked.
set -euo pipefail

install -m 0644 /tmp/twine-files/sshd-twine.conf /etc/ssh/sshd_config.d/50-twine.conf
install -m 0644 /tmp/twine-files/sysctl-twine.conf /etc/sysctl.d/60-twine.conf
install -m 0644 /tmp/twine-files/cloud-init-twine.cfg /etc/cloud/cloud.cfg.d/99-twine.cfg
install -m 0644 /tmp/twine-files/twine-ssh-host-keys.service /etc/systemd/system/twine-ssh-host-keys.service
systemctl enable twine-ssh-host-keys.service
sshd -t -f /etc/ssh/sshd_config

# Immutable servers: fixes arrive in a new image, never by an upgrade on a running box.
systemctl disable apt-daily.timer apt-daily-upgrade.timer
# Stopped too where systemd runs this machine (sd_booted's test), so neither starts before the image is taken.
if [ -d /run/systemd/system ]; then
    systemctl stop apt-daily.timer apt-daily-upgrade.timer
fi
cat >/etc/apt/apt.conf.d/99-twine-no-periodic <<'APT'
APT::Periodic::Update-Package-Lists "0";
APT::Periodic::Unattended-Upgrade "0";
APT::Periodic::Download-Upgradeable-Packages "0";
APT

# No password logins for anyone, and no root login at all.
passwd -l root
chmod 0600 /etc/ssh/sshd_config.d/50-twine.conf
rm -rf /tmp/twine-files
