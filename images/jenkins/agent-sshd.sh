#!/usr/bin/env bash
# Entry point of the build agent container (the controller's image, started by jenkins-agent.service): an sshd
# that admits only the controller's key, as the jenkins user, so the controller launches the agent through it.
# The container mounts no JENKINS_HOME and no secret; its keys come read-only from /run/twine/agent-ssh.
set -euo pipefail

keys=/run/twine/agent-ssh
for file in ssh_host_ed25519_key authorized_keys; do
    [ -s "$keys/$file" ] || { echo "$0: $keys/$file is missing (jenkins-agent-setup makes it on the host)" >&2; exit 66; }
done

install -d -m 0755 /run/sshd
install -m 0600 "$keys/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
install -d -o jenkins -g jenkins -m 0700 /srv/agent
cat > /etc/ssh/sshd_config.d/twine-agent.conf <<CONF
HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile $keys/authorized_keys
AllowUsers jenkins
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowTcpForwarding no
X11Forwarding no
StrictModes no
CONF
exec /usr/sbin/sshd -D -e
