/**
 * The hosts' own firewall (nftables), for what security groups cannot see: which local user opened a connection.
 * sshd opens a user's forwarded connections (`ssh -J`, `-L`) in that user's own process, so an owner match
 * (`meta skuid`) limits each person to their grants, and keeps everyone but root off the instance metadata service
 * (the instance role's credentials). One table of our own, replaced whole on each load, so other rules on the host
 * (Docker's on the Jenkins host) are left alone. Loaded with the real `nft` in test/sshAccess.test.ts.
 */
import { Forward, HostLogin, SSH_PORT } from "./accessGrantsConfig";

/** Where the rules are written; Ubuntu's nftables.service loads this file at boot. */
export const NFTABLES_CONFIG = "/etc/nftables.conf";
export const ACCESS_TABLE = "twine_access";
/** A drop-in for Ubuntu's nftables.service, so that stopping it (and so restarting it) removes our table only. */
export const NFTABLES_SERVICE_DROP_IN = "/etc/systemd/system/nftables.service.d/10-twine-own-table.conf";

/**
 * Ubuntu's nftables.service stops with `nft flush ruleset`: every table, Docker's (its NAT, and the Jenkins agent's
 * metadata block in DOCKER-USER) included, so a `systemctl restart nftables` would cut the Jenkins host's containers
 * off until Docker restarts. An empty ExecStop= clears the unit's list (systemd.service(5): "If the empty string is
 * assigned to this option, the list of commands to start is reset"); ours then deletes our own table, and `-` lets
 * the stop succeed when it is already gone. Run with the real nft in test/firstBoot.test.ts.
 */
export function nftablesServiceDropIn(): string {
    return [
        "# Managed by twine-infra: stopping or restarting nftables removes only our table, never Docker's rules.",
        "[Service]",
        "ExecStop=",
        `ExecStop=-/usr/sbin/nft delete table inet ${ACCESS_TABLE}`,
        "",
    ].join("\n");
}

/** The instance metadata service, IPv4 and (on Nitro instances with IPv6) IPv6. */
export const METADATA_IPV4 = "169.254.169.254";
export const METADATA_IPV6 = "fd00:ec2::254";
/** systemd-resolved's stub on Ubuntu: how a forward by host name (an RDS endpoint) gets resolved. */
export const RESOLVER_STUB = "127.0.0.53";

const REJECT = "reject with icmpx type admin-prohibited";
const quoted = (names: readonly string[]) => (names.length === 1 ? `"${names[0]}"` : `{ ${names.map(n => `"${n}"`).join(", ")} }`);

function table(chains: string[]): string {
    // "table ...; delete table ..." makes the file idempotent: a reload replaces our table and only ours.
    return [
        "#!/usr/sbin/nft -f",
        "# Managed by twine-infra.",
        `table inet ${ACCESS_TABLE}`,
        `delete table inet ${ACCESS_TABLE}`,
        `table inet ${ACCESS_TABLE} {`,
        ...chains,
        "}",
        "",
    ].join("\n");
}

export interface BastionFirewallArgs {
    /** Each bastion user's forwards (accessGrantsConfig.bastionForwards), by name; every user must be listed. */
    readonly forwards: Readonly<Record<string, readonly Forward[]>>;
}

/**
 * The bastion: no local user but root reaches the metadata service; each person's processes (their forwards
 * included) may open only their granted account blocks and ports, and name resolution; nothing else, so nobody
 * proxies to the Internet or to an account they are not granted. Root (apt, the CloudWatch agent) is unaffected.
 */
export function bastionFirewall(args: BastionFirewallArgs): string {
    const names = Object.keys(args.forwards).sort();
    const rules = [
        "    chain output {",
        "        type filter hook output priority filter; policy accept;",
        "        ct state established,related accept",
        "        # The instance role's credentials are for root only.",
        `        ip daddr ${METADATA_IPV4} meta skuid != 0 ${REJECT}`,
        `        ip6 daddr ${METADATA_IPV6} meta skuid != 0 ${REJECT}`,
    ];
    if (names.length > 0) {
        rules.push("        # Each person: their granted blocks and ports only.");
        for (const name of names) {
            for (const forward of args.forwards[name]) {
                rules.push(`        meta skuid "${name}" ip daddr ${forward.cidr} tcp dport ${forward.port} accept`);
            }
        }
        rules.push(`        meta skuid ${quoted(names)} ip daddr ${RESOLVER_STUB} meta l4proto { tcp, udp } th dport 53 accept`);
        rules.push(`        meta skuid ${quoted(names)} ${REJECT}`);
    }
    rules.push("    }");
    return table(rules);
}

export interface HostFirewallArgs {
    /** The people who log in to this box: none of them reaches the metadata service without sudo. */
    readonly logins: readonly HostLogin[];
    /** The bastion's private address: the only source of SSH. */
    readonly bastionIp: string;
}

/**
 * An app server or the Jenkins host: SSH only from the bastion (as its security group says; this still holds if the
 * group is ever widened), and the people who log in do not get the instance role's credentials. The app's own
 * service user keeps the metadata service: it signs its requests with the instance role.
 */
export function hostFirewall(args: HostFirewallArgs): string {
    const rules = [
        "    chain input {",
        "        type filter hook input priority filter; policy accept;",
        `        tcp dport ${SSH_PORT} ip saddr != ${args.bastionIp} reject with tcp reset`,
        `        tcp dport ${SSH_PORT} meta nfproto ipv6 reject with tcp reset`,
        "    }",
    ];
    if (args.logins.length > 0) {
        const names = quoted(args.logins.map(l => l.name));
        rules.push(
            "    chain output {",
            "        type filter hook output priority filter; policy accept;",
            `        ip daddr ${METADATA_IPV4} meta skuid ${names} ${REJECT}`,
            `        ip6 daddr ${METADATA_IPV6} meta skuid ${names} ${REJECT}`,
            "    }",
        );
    }
    return table(rules);
}
