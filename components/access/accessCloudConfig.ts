/**
 * The access part of a host's cloud-config: the people (accounts with locked passwords), their keys in root-owned
 * files, the sshd drop-in and the firewall, and the boot commands that apply them. The bastion's and the boxes' user
 * data merge this fragment. On first boot sshd stays closed until the firewall is loaded: bootcmd masks it in
 * cloud-init's init stage (cloud-init.service is ordered before sysinit.target, so before ssh.socket can listen),
 * and runcmd, last (cloud_final_modules, after any package upgrade), unmasks it only once `nft -f` succeeded.
 *
 * Why keys at boot, and not EC2 Instance Connect or SSH certificates: see docs/cross-account.md ("How keys reach
 * the boxes"). In short: one place (the bastion stack's config) says who may reach what; public keys are not secret,
 * so user data (readable with ec2:DescribeInstanceAttribute) may carry them; and a change rolls out by replacement,
 * which the ASGs' instance refresh and the bastion's userDataReplaceOnChange already do.
 */
import { stringify } from "yaml";
import { AccessUser, Forward, HostLogin } from "./accessGrantsConfig";
import {
    ACCESS_TABLE,
    bastionFirewall,
    hostFirewall,
    NFTABLES_CONFIG,
    NFTABLES_SERVICE_DROP_IN,
    nftablesServiceDropIn,
} from "./firewallConfig";
import { AUTHORIZED_KEYS_DIR, bastionSshdConfig, hostSshdConfig, NO_SHELL } from "./sshdConfig";

export interface CloudInitUser {
    readonly name: string;
    readonly shell: string;
    readonly lock_passwd: true;
    readonly sudo?: string;
}

export interface CloudInitFile {
    readonly path: string;
    readonly owner: string;
    readonly permissions: string;
    readonly content: string;
}

/** The pieces of cloud-config this module owns; the host's renderer merges them into its document. */
export interface AccessCloudConfig {
    readonly users: readonly CloudInitUser[];
    readonly write_files: readonly CloudInitFile[];
    /** Early boot commands (cloud-init's init stage, before users, files and sshd), in order, before the host's own. */
    readonly bootcmd: readonly (readonly string[])[];
    /** Boot commands, in order, after the host's own. */
    readonly runcmd: readonly (readonly string[])[];
}

/** sshd's drop-in for the bastion and for the boxes behind it. */
export const BASTION_SSHD_DROP_IN = "/etc/ssh/sshd_config.d/10-twine-bastion.conf";
export const HOST_SSHD_DROP_IN = "/etc/ssh/sshd_config.d/10-twine-access.conf";

/** sudo for administrators: passwords are locked, so no password prompt. */
export const ADMIN_SUDO = "ALL=(ALL) NOPASSWD:ALL";

function keyFile(name: string, publicKeys: readonly string[]): CloudInitFile {
    return { path: `${AUTHORIZED_KEYS_DIR}/${name}`, owner: "root:root", permissions: "0644", content: `${publicKeys.join("\n")}\n` };
}

/** sshd's units: Ubuntu 24.04 socket-activates it (ssh.socket starts ssh.service on the first connection). */
export const SSH_UNITS = ["ssh.socket", "ssh.service"] as const;
/** A drop-in beside each of them (SSH_UNITS) that ties sshd to the firewall on every later boot. */
export const SSH_FIREWALL_DROP_IN = "10-twine-firewall.conf";

/**
 * The firewall before sshd on every boot after the first: nftables.service loads /etc/nftables.conf, and sshd's
 * socket and service require it, so rules that fail to load keep sshd down (checked with systemd-analyze verify in
 * test/firstBoot.test.ts). Requires= also stops sshd when nftables stops (never sshd without the table) and restarts
 * it with a restart: a short outage, not an opening. Requisite= and PartOf= propagate stop and restart alike, so rule
 * changes are applied with `systemctl reload nftables` (the stock unit's ExecReload=, `nft -f /etc/nftables.conf`,
 * one transaction that replaces our table), which touches no other unit.
 */
export function sshFirewallDropIn(): string {
    return [
        "# Managed by twine-infra: sshd only once the host's firewall is loaded; if it fails, sshd stays down.",
        "# Requires= also stops and restarts sshd with nftables: apply changed rules with `systemctl reload nftables`.",
        "[Unit]",
        "Requires=nftables.service",
        "After=nftables.service",
        "",
    ].join("\n");
}

/** The SSM agent: a snap on Canonical's images (its unit), a deb where AWS's package is installed instead. */
export const SSM_AGENT_UNITS = ["snap.amazon-ssm-agent.amazon-ssm-agent.service", "amazon-ssm-agent.service"] as const;

/**
 * No Session Manager on any host: the bastion is the only way in. The instance roles grant no SSM, but an account's
 * Default Host Management Configuration registers any running agent with the instance's own identity, no role
 * needed ("Managing EC2 instances automatically with Default Host Management Configuration",
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/fleet-manager-default-host-management-configuration.html),
 * so the agent must not run. Stopped in bootcmd, before it starts (it is ordered after cloud-init's init stage);
 * snap units live in /etc/systemd/system, where `mask` cannot replace them, so they are disabled, and a stock
 * image's snap is removed in runcmd (snapd is seeded by then). The app image disables it at bake (agents.sh).
 */
function ssmAgentOffAtBoot(): string[][] {
    return [["sh", "-c", `systemctl disable --now --no-block ${SSM_AGENT_UNITS.join(" ")} 2>/dev/null || true`]];
}

/**
 * Canonical's snap: `snap remove` refuses while its service runs or while snapd still seeds (first boot), so the
 * service is stopped and disabled first and the removal retried; if it still fails the snap is disabled (no service
 * of it can run). The check in applyCommands then keeps sshd closed if the agent runs all the same.
 */
function removeSsmAgentCommands(): string[][] {
    return [
        [
            "sh",
            "-c",
            "if snap list amazon-ssm-agent >/dev/null 2>&1; then snap stop --disable amazon-ssm-agent; " +
                "for _ in 1 2 3; do snap remove --purge amazon-ssm-agent && break; sleep 10; done; " +
                "if snap list amazon-ssm-agent >/dev/null 2>&1; then snap disable amazon-ssm-agent; fi; fi; " +
                "if dpkg -s amazon-ssm-agent >/dev/null 2>&1; then apt-get purge -y amazon-ssm-agent; fi",
        ],
    ];
}

/**
 * Succeeds when no SSM agent runs; otherwise says so on the console (cloud-init's output) and fails, so the chain in
 * applyCommands keeps sshd closed: a failed removal is seen at once, as a failed firewall is.
 */
const SSM_AGENT_STOPPED =
    `{ ! systemctl is-active --quiet ${SSM_AGENT_UNITS.join(" ")} || ` +
    '{ echo "twine-infra: the SSM agent still runs after its removal (Session Manager could reach this host); sshd stays ' +
    'closed. Fix: see snap changes and cloud-init-output.log, then replace the host" >&2; false; }; }';

/**
 * First boot: sshd masked before anyone exists. bootcmd runs on every boot, so `cloud-init-per instance` masks once
 * per instance (runcmd, which unmasks, also runs once per instance). Masking reloads systemd, so the boot's queued
 * start of ssh.socket fails instead of listening.
 */
function closeSshCommands(): string[][] {
    return [["cloud-init-per", "instance", "twine-ssh-closed", "systemctl", "mask", ...SSH_UNITS]];
}

/**
 * Applies the files: the firewall first, and sshd only with it. sshd was masked at boot (closeSshCommands) and is
 * unmasked only when the rules loaded, no SSM agent runs (SSM_AGENT_STOPPED) and sshd accepts its config; otherwise
 * it stays masked, across reboots too: a host without its firewall would let a jump-only user reach the metadata
 * service or the Internet, so it fails closed (visible at once: nobody gets in; the console output says why).
 * Ubuntu images ship EC2 Instance Connect,
 * which passes its AuthorizedKeysCommand to sshd on the command line (overriding the drop-in): it is removed first,
 * with the SSM agent's snap (ssmAgentOffAtBoot).
 * Where ssh.socket is enabled (Ubuntu 24.04), it is started and starts sshd on demand; elsewhere ssh.service is.
 */
function applyCommands(stockImage = true): string[][] {
    const units = SSH_UNITS.join(" ");
    return [
        ...(stockImage
            ? [
                  ["sh", "-c", "if dpkg -s ec2-instance-connect >/dev/null 2>&1; then apt-get purge -y ec2-instance-connect; fi"],
                  ...removeSsmAgentCommands(),
              ]
            : []),
        [
            "sh",
            "-c",
            `nft -f ${NFTABLES_CONFIG} && nft list table inet ${ACCESS_TABLE} >/dev/null && systemctl enable nftables.service && ` +
                `${SSM_AGENT_STOPPED} && sshd -t && systemctl unmask ${units} && ` +
                "if systemctl is-enabled --quiet ssh.socket; then systemctl start ssh.socket; else systemctl restart ssh.service; fi",
        ],
    ];
}

/**
 * The systemd drop-ins of every host: sshd behind the firewall on later boots (sshFirewallDropIn), one per sshd
 * unit, and nftables.service stopping with our table only (nftablesServiceDropIn).
 */
function systemdDropIns(): CloudInitFile[] {
    return [
        ...SSH_UNITS.map(unit => ({ path: `/etc/systemd/system/${unit}.d/${SSH_FIREWALL_DROP_IN}`, content: sshFirewallDropIn() })),
        { path: NFTABLES_SERVICE_DROP_IN, content: nftablesServiceDropIn() },
    ].map(f => ({ ...f, owner: "root:root", permissions: "0644" }));
}

export interface BastionAccessArgs {
    readonly users: readonly AccessUser[];
    /** Each user's allowed forwards (accessGrantsConfig.bastionForwards), by name. */
    readonly forwards: Readonly<Record<string, readonly Forward[]>>;
}

/** The bastion: every person, with a shell only for those who administer it (sudo). */
export function bastionAccess(args: BastionAccessArgs): AccessCloudConfig {
    const forwards = Object.fromEntries(args.users.map(u => [u.name, args.forwards[u.name] ?? []]));
    return {
        users: args.users.map(u => ({
            name: u.name,
            shell: u.sudo ? "/bin/bash" : NO_SHELL,
            lock_passwd: true,
            ...(u.sudo ? { sudo: ADMIN_SUDO } : {}),
        })),
        write_files: [
            ...args.users.map(u => keyFile(u.name, u.publicKeys)),
            {
                path: BASTION_SSHD_DROP_IN,
                owner: "root:root",
                permissions: "0644",
                content: bastionSshdConfig({ users: args.users, forwards }),
            },
            { path: NFTABLES_CONFIG, owner: "root:root", permissions: "0644", content: bastionFirewall({ forwards }) },
            ...systemdDropIns(),
        ],
        bootcmd: [...closeSshCommands(), ...ssmAgentOffAtBoot()],
        runcmd: applyCommands(),
    };
}

export interface HostAccessArgs {
    /** The people granted this box's target (accessGrantsConfig.hostLogins). */
    readonly logins: readonly HostLogin[];
    /** The bastion's private address: the only source of SSH. */
    readonly bastionIp: string;
    /** What the box is, for the sshd header comment. */
    readonly role: string;
    /**
     * The image already lacks EC2 Instance Connect and runs no SSM agent (ours: harden.sh, agents.sh), so boot removes
     * nothing. @default false
     */
    readonly bakedImage?: boolean;
}

/** An app server or the Jenkins host: the granted people with a shell (sudo for admins), from the bastion only. */
export function hostAccess(args: HostAccessArgs): AccessCloudConfig {
    return {
        users: args.logins.map(l => ({ name: l.name, shell: "/bin/bash", lock_passwd: true, ...(l.sudo ? { sudo: ADMIN_SUDO } : {}) })),
        write_files: [
            ...args.logins.map(l => keyFile(l.name, l.publicKeys)),
            { path: HOST_SSHD_DROP_IN, owner: "root:root", permissions: "0644", content: hostSshdConfig(args) },
            { path: NFTABLES_CONFIG, owner: "root:root", permissions: "0644", content: hostFirewall(args) },
            ...systemdDropIns(),
        ],
        bootcmd: [...closeSshCommands(), ...ssmAgentOffAtBoot()],
        runcmd: applyCommands(!args.bakedImage),
    };
}

/**
 * A cloud-config document of an access fragment, the host's own keys after it (`extra`), and a comment line. Empty
 * users are left out, so a host without people keeps the image's (none, for ours) rather than an empty list.
 */
export function accessCloudConfigDocument(fragment: AccessCloudConfig, extra: Record<string, unknown> = {}, comment?: string): string {
    const body = {
        ...(fragment.users.length > 0 ? { users: fragment.users } : {}),
        ...(fragment.bootcmd.length > 0 ? { bootcmd: fragment.bootcmd } : {}),
        write_files: fragment.write_files,
        runcmd: fragment.runcmd,
        ...extra,
    };
    return withinUserDataLimit(`#cloud-config\n${comment ? `${comment}\n` : ""}${stringify(body, { lineWidth: 0 })}`);
}

/**
 * EC2 refuses user data over 16 KB before base64 ("Work with instance user data",
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html). Each person adds about
 * 300 bytes per host, so this only trips with very many people on one host: say so before any launch fails.
 */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

export function withinUserDataLimit(document: string): string {
    const bytes = Buffer.byteLength(document, "utf8");
    if (bytes > USER_DATA_LIMIT_BYTES) {
        throw new Error(
            `user data is ${bytes} bytes, over EC2's limit of ${USER_DATA_LIMIT_BYTES}: grant fewer people or keys on this ` +
                `host, or split the grant`,
        );
    }
    return document;
}
