/**
 * sshd drop-ins for the bastion and for the boxes behind it. Ubuntu's (and Debian's) sshd_config includes
 * sshd_config.d/*.conf on its first line and the first value of a keyword wins, so these settings override the
 * image's; a Match block in an included file ends with that file. Checked by `sshd -t` / `sshd -T` and run for real
 * in network namespaces by test/sshAccess.test.ts.
 */
import { AccessUser, Forward, HostLogin, forwardPorts } from "./accessGrantsConfig";

/**
 * Keys live in root-owned files the program writes, one per user, never in the user's home: nobody can add a key
 * for themselves (or a colleague) that outlives their grant, and revoking a person is removing their file.
 */
export const AUTHORIZED_KEYS_DIR = "/etc/ssh/authorized_keys";

/** What a jump-only user's session runs instead of a shell (sshd runs it through their login shell, also this). */
export const NO_SHELL = "/usr/sbin/nologin";

/** Settings every Twine sshd has: keys only, from the managed files, no root, nothing but what is granted below. */
function commonSettings(): string[] {
    return [
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        "PubkeyAuthentication yes",
        "AuthenticationMethods publickey",
        `AuthorizedKeysFile ${AUTHORIZED_KEYS_DIR}/%u`,
        // EC2 Instance Connect adds keys through this hook; it would be a second way to grant access, so none.
        "AuthorizedKeysCommand none",
        "AllowAgentForwarding no",
        "AllowStreamLocalForwarding no",
        "X11Forwarding no",
        "PermitTunnel no",
        "GatewayPorts no",
        "PermitListen none",
        "PermitUserEnvironment no",
        "MaxAuthTries 3",
        "LoginGraceTime 30",
        "ClientAliveInterval 300",
        "ClientAliveCountMax 2",
        "# VERBOSE logs the fingerprint of the key each login used.",
        "LogLevel VERBOSE",
    ];
}

export interface BastionSshdArgs {
    readonly users: readonly AccessUser[];
    /** Each user's allowed forwards (accessGrantsConfig.bastionForwards), by name. */
    readonly forwards: Readonly<Record<string, readonly Forward[]>>;
}

/**
 * The bastion: only the listed users; TCP forwarding off except, per user, local forwards (what `ssh -J` and `-L`
 * use) to the ports their grants open (PermitOpen matches ports here; the firewall, firewallConfig.ts, limits the
 * destinations to the granted accounts' blocks, since PermitOpen cannot express a CIDR). Users without sudo get no
 * shell, no command, no TTY: a session runs nologin and ends.
 */
export function bastionSshdConfig(args: BastionSshdArgs): string {
    const lines = [
        "# Managed by twine-infra (bastion stack).",
        ...commonSettings(),
        `AllowUsers ${args.users.map(u => u.name).join(" ")}`,
        "AllowTcpForwarding no",
    ];
    for (const user of args.users) {
        const forwards = args.forwards[user.name] ?? [];
        const ports = forwardPorts(forwards);
        lines.push(
            "",
            `# ${user.name}: ${user.sudo ? "administers the bastion" : "jump only"}; forwards to ${describeForwards(forwards)}.`,
        );
        lines.push(`Match User ${user.name}`);
        lines.push(ports.length > 0 ? "    AllowTcpForwarding local" : "    AllowTcpForwarding no");
        lines.push(`    PermitOpen ${ports.length > 0 ? ports.map(p => `*:${p}`).join(" ") : "none"}`);
        if (!user.sudo) {
            lines.push("    PermitTTY no", `    ForceCommand ${NO_SHELL}`);
        }
    }
    return `${lines.join("\n")}\n`;
}

function describeForwards(forwards: readonly Forward[]): string {
    return forwards.length === 0 ? "nothing" : forwards.map(f => `${f.cidr} port ${f.port}`).join(", ");
}

export interface HostSshdArgs {
    /** The people on this box; none admits nobody. */
    readonly logins: readonly HostLogin[];
    /** The bastion's private address: the only source sshd admits these users from. */
    readonly bastionIp: string;
    /** What the box is, for the header comment, e.g. "production app servers". */
    readonly role: string;
}

/**
 * An app server or the Jenkins host: only the granted people, and only from the bastion's address (AllowUsers
 * user@address; the security group and the box's firewall say the same); no forwarding of any kind.
 */
export function hostSshdConfig(args: HostSshdArgs): string {
    // With nobody granted, nobody: DenyUsers * (AllowUsers with no names is a syntax error).
    const who = args.logins.length > 0 ? `AllowUsers ${args.logins.map(l => `${l.name}@${args.bastionIp}`).join(" ")}` : "DenyUsers *";
    const lines = [`# Managed by twine-infra: ${args.role}.`, ...commonSettings(), who, "AllowTcpForwarding no", "DisableForwarding yes"];
    return `${lines.join("\n")}\n`;
}
