/**
 * The bastion's cloud-init user data, rendered from plain values: people and their keys, sshd hardening, and the
 * CloudWatch agent that ships SSH auth/session logs. Pure and deterministic (same input, same bytes), so a key
 * change shows in the plan as a user-data diff and nothing else.
 */
import { stringify } from "yaml";
import { AccessUser, Forward } from "./accessGrantsConfig";
import { bastionAccess, withinUserDataLimit } from "./accessCloudConfig";

/** A person on the bastion; `sudo` administers it, everyone else may only jump (components/access). */
export type BastionUser = AccessUser;

export interface BastionUserDataArgs {
    /** People who may log in; each gets a locked-password account with only these keys. */
    readonly users: readonly BastionUser[];
    /** Each user's allowed forwards (access/accessGrantsConfig.bastionForwards), by name. @default - nobody forwards anywhere */
    readonly forwards?: Readonly<Record<string, readonly Forward[]>>;
    /** Fully qualified host name, e.g. bastion.twinehr.com. */
    readonly hostName: string;
    /** CloudWatch log group the agent writes auth.log to. */
    readonly logGroupName: string;
    /** Region of the log group and of the agent package download. */
    readonly region: string;
}

export const CLOUDWATCH_AGENT_CONFIG = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json";

/** The CloudWatch agent's config: auth.log (logins, key fingerprints, session open/close) into the log group. */
export function cloudWatchAgentConfig(logGroupName: string): string {
    const config = {
        agent: { run_as_user: "root" },
        logs: {
            logs_collected: {
                files: {
                    collect_list: [
                        {
                            file_path: "/var/log/auth.log",
                            log_group_name: logGroupName,
                            log_stream_name: "{instance_id}/auth.log",
                            timezone: "UTC",
                        },
                        {
                            file_path: "/var/log/cloud-init-output.log",
                            log_group_name: logGroupName,
                            log_stream_name: "{instance_id}/cloud-init-output.log",
                            timezone: "UTC",
                        },
                    ],
                },
            },
        },
    };
    return `${JSON.stringify(config, null, 2)}\n`;
}

/** Loads an agent config file and (re)starts the CloudWatch agent with it. */
export function cloudWatchAgentStartCommand(configPath: string): string[] {
    return [
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
        "-a",
        "fetch-config",
        "-m",
        "ec2",
        "-s",
        "-c",
        `file:${configPath}`,
    ];
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
    const access = bastionAccess({ users: args.users, forwards: args.forwards ?? {} });
    const cloudConfig = {
        hostname: shortName,
        fqdn: args.hostName,
        prefer_fqdn_over_hostname: false,
        // No "default" entry: the image's ubuntu user is not created, so only named people can log in.
        users: access.users,
        // sshd closed until runcmd has loaded the firewall (access/accessCloudConfig.ts).
        bootcmd: access.bootcmd,
        ssh_pwauth: false,
        disable_root: true,
        // The host keys on the console at the end of the first boot, where scripts/bastion-known-hosts.sh reads them
        // through the EC2 API: a new host's keys are checked, never trusted on first use.
        ssh: { emit_keys_to_console: true },
        package_update: true,
        package_upgrade: true,
        // nftables: the per-user firewall (access/firewallConfig.ts).
        packages: ["nftables", "unattended-upgrades"],
        write_files: [
            ...access.write_files,
            { path: CLOUDWATCH_AGENT_CONFIG, owner: "root:root", permissions: "0644", content: cloudWatchAgentConfig(args.logGroupName) },
        ],
        runcmd: [
            // runcmd does not stop at a failing line: each access command guards the next (access/accessCloudConfig.ts).
            ...access.runcmd,
            [
                "curl",
                "--fail",
                "--silent",
                "--show-error",
                "--retry",
                "5",
                "--output",
                "/tmp/amazon-cloudwatch-agent.deb",
                cloudWatchAgentPackageUrl(args.region),
            ],
            ["dpkg", "-i", "/tmp/amazon-cloudwatch-agent.deb"],
            cloudWatchAgentStartCommand(CLOUDWATCH_AGENT_CONFIG),
        ],
    };
    return withinUserDataLimit(`#cloud-config\n${stringify(cloudConfig, { lineWidth: 0 })}`);
}
