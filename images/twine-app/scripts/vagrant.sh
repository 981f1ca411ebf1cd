#!/usr/bin/env bash
# Developer VM only: Vagrant's login and a network config that works for any MAC address. cloud-init stays on,
# as on the AMI; it only leaves the network to this file.
set -euo pipefail

# Vagrant's published insecure key; `vagrant up` replaces it with a per-machine key on first boot.
install -d -m 0700 -o vagrant -g vagrant /home/vagrant/.ssh
curl -fsSL https://raw.githubusercontent.com/hashicorp/vagrant/main/keys/vagrant.pub -o /home/vagrant/.ssh/authorized_keys
chown vagrant:vagrant /home/vagrant/.ssh/authorized_keys
chmod 0600 /home/vagrant/.ssh/authorized_keys
passwd -d vagrant >/dev/null

# DHCP on the first NIC, whatever its MAC (cloud-init's own file names the build VM's MAC).
rm -f /etc/netplan/50-cloud-init.yaml
cat >/etc/netplan/01-vagrant.yaml <<'NETPLAN'
network:
  version: 2
  ethernets:
    primary:
      match:
        name: "en*"
      dhcp4: true
NETPLAN
chmod 0600 /etc/netplan/01-vagrant.yaml
echo 'network: {config: disabled}' >/etc/cloud/cloud.cfg.d/90-vagrant-network.cfg
