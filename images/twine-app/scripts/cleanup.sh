#!/usr/bin/env bash
# Forgets everything that identifies the build machine, so each clone is unique: machine id, SSH host keys,
# cloud-init state, the build's login key, logs and caches.
set -euo pipefail

apt-get -q -y autoremove --purge
apt-get clean
rm -rf /var/lib/apt/lists/*

cloud-init clean --logs --seed

truncate -s 0 /etc/machine-id
rm -f /var/lib/dbus/machine-id
ln -s /etc/machine-id /var/lib/dbus/machine-id

rm -f /etc/ssh/ssh_host_*
# The key Packer logged in with; an instance gets its launch key from cloud-init, a VM Vagrant's (its vagrant
# user keeps Vagrant's key, which `vagrant up` replaces).
rm -f /home/ubuntu/.ssh/authorized_keys
rm -f /root/.ssh/authorized_keys

find /var/log -type f -exec truncate -s 0 {} +
rm -rf /tmp/* /var/tmp/*
rm -f /root/.bash_history /home/*/.bash_history
sync
