/**
 * The bastion's cloud-init user data, rendered from plain values: people and their keys, sshd hardening, and the
 * CloudWatch agent that ships SSH auth/session logs. Pure and deterministic (same input, same bytes), so a key
 * change shows in the plan as a user-data diff and nothing else.
 */
import { stringify } from "yaml";

export interface BastionUser {
    readonly name: string;
    readonly publicKeys: readonly string[];
    /** May administer the bastion (sudo without a password, since passwords are locked). @default false */
    readonly sudo?: boolean;
}

export interface BastionUserDataArgs {
    /** People who may log in; each gets a locked-password account with only these keys. */
    readonly users: readonly BastionUser[];
    /** Fully qualified host name, e.g. bastion.twinehr.com. */
    readonly hostName: string;
    /** CloudWatch log group the agent writes auth.log to. */
    readonly logGroupName: string;
    /** Region of the log group and of the agent package download. */
    readonly region: string;
}

/** Where sshd reads our settings; Ubuntu's sshd_config includes sshd_config.d/*.conf first and the first value wins. */
export const SSHD_DROP_IN = "/etc/ssh/sshd_config.d/10-twine-bastion.conf";
export const CLOUDWATCH_AGENT_CONFIG = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json";

/**
 * sshd settings of a jump host: keys only, no root, only the listed users; TCP forwarding on (that is what
 * `ssh -J` uses), everything else that turns the bastion into a general proxy or desktop off.
 */
export function sshdConfig(users: readonly BastionUser[]): string {
    return [
        "# Managed by twine-infra (bastion stack).",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        "PubkeyAuthentication yes",
        "AuthenticationMethods publickey",
        `AllowUsers ${users.map(u => u.name).join(" ")}`,
        "# ssh -J opens a direct-tcpip channel through the bastion.",
        "AllowTcpForwarding yes",
        "AllowAgentForwarding no",
        "AllowStreamLocalForwarding no",
        "X11Forwarding no",
        "PermitTunnel no",
        "GatewayPorts no",
        "PermitUserEnvironment no",
        "MaxAuthTries 3",
        "LoginGraceTime 30",
        "ClientAliveInterval 300",
        "ClientAliveCountMax 2",
        "# VERBOSE logs the fingerprint of the key each login used.",
        "LogLevel VERBOSE",
        "",
    ].join("\n");
}

/** The CloudWatch agent's config: auth.log (logins, key fingerprints, session open/close) into the log group. */
export function cloudWatchAgentConfig(logGroupName: string): string {
    const config = {
        agent: { run_as_user: "root" },
        logs: {
            logs_collected: {
                files: {
                    collect_list: [
                        { file_path: "/var/log/auth.log", log_group_name: logGroupName, log_stream_name: "{instance_id}/auth.log", timezone: "UTC" },
                        { file_path: "/var/log/cloud-init-output.log", log_group_name: logGroupName, log_stream_name: "{instance_id}/cloud-init-output.log", timezone: "UTC" },
                    ],
                },
            },
        },
    };
    return `${JSON.stringify(config, null, 2)}\n`;
}

/** The agent package from the region's own bucket (through the VPC's S3 endpoint), installed at first boot. */
export function cloudWatchAgentPackageUrl(region: string): string {
    return `https://amazoncloudwatch-agent-${region}.s3.${region}.amazonaws.com/ubuntu/amd64/latest/amazon-cloudwatch-agent.deb`;
}

export function renderBastionUserData(args: BastionUserDataArgs): string {
    if (args.users.length === 0) {
        throw new Error("renderBastionUserData: at least one user is required; a bastion nobody can log in to is useless");
    }
    const shortName = args.hostName.split(".")[0];
    const cloudConfig = {
        hostname: shortName,
        fqdn: args.hostName,
        prefer_fqdn_over_hostname: false,
        // No "default" entry: the image's ubuntu user is not created, so only named people can log in.
        users: args.users.map(u => ({
            name: u.name,
            shell: "/bin/bash",
            lock_passwd: true,
            ssh_authorized_keys: [...u.publicKeys],
            ...(u.sudo ? { sudo: "ALL=(ALL) NOPASSWD:ALL" } : {}),
        })),
        ssh_pwauth: false,
        disable_root: true,
        package_update: true,
        package_upgrade: true,
        packages: ["unattended-upgrades"],
        write_files: [
            { path: SSHD_DROP_IN, owner: "root:root", permissions: "0644", content: sshdConfig(args.users) },
            { path: CLOUDWATCH_AGENT_CONFIG, owner: "root:root", permissions: "0644", content: cloudWatchAgentConfig(args.logGroupName) },
        ],
        runcmd: [
            // runcmd does not stop at a failing line: restart only a config that sshd accepts, or the host loses SSH.
            ["sh", "-c", "sshd -t && systemctl restart ssh"],
            ["curl", "--fail", "--silent", "--show-error", "--retry", "5", "--output", "/tmp/amazon-cloudwatch-agent.deb", cloudWatchAgentPackageUrl(args.region)],
            ["dpkg", "-i", "/tmp/amazon-cloudwatch-agent.deb"],
            ["/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl", "-a", "fetch-config", "-m", "ec2", "-s", "-c", `file:${CLOUDWATCH_AGENT_CONFIG}`],
        ],
    };
    return `#cloud-config\n${stringify(cloudConfig, { lineWidth: 0 })}`;
}
