/**
 * The only thing an app server learns at boot: which environment it is in. Everything else (packages, agents,
 * configuration templates) is baked into the AMI, so user data is a small settings file and a service restart,
 * never an install. Pure and deterministic, so the launch template only changes when a setting does.
 */

import * as fs from "fs";
import * as path from "path";
import { AccessCloudConfig, accessCloudConfigDocument } from "../access/accessCloudConfig";
import { cloudWatchAgentStartCommand } from "../access/bastionCloudConfig";

/** Environment settings as key/value pairs; keys are upper-case shell identifiers. */
export type AppSettings = Readonly<Record<string, string>>;

const KEY = /^[A-Z][A-Z0-9_]*$/;

/** Quotes a value for a systemd EnvironmentFile (double quotes; backslash, quote and dollar escaped). */
function quote(value: string): string {
    if (/[\n\r\0]/.test(value)) {
        throw new Error(`app setting values must be single-line, got ${JSON.stringify(value)}`);
    }
    return `"${value.replace(/[\\"$`]/g, c => `\\${c}`)}"`;
}

/** Renders the settings file, keys sorted. Throws on a key that is not a shell identifier. */
export function renderSettingsFile(settings: AppSettings): string {
    const keys = Object.keys(settings).sort();
    const bad = keys.filter(k => !KEY.test(k));
    if (bad.length > 0) {
        throw new Error(`app setting keys must match ${KEY}, got ${bad.join(", ")}`);
    }
    return keys.map(k => `${k}=${quote(settings[k])}`).join("\n") + "\n";
}

/** The hosts' log files the CloudWatch agent ships, each to its environment's own group (the image's agent config). */
export const APP_HOST_LOGS = ["syslog", "auth", "twine"] as const;
export const APP_METRIC_NAMESPACE = "Twine/App";
export const appHostLogGroupName = (environment: string, stream: string) => `/twine/${environment}/app/${stream}`;

/** Where the image keeps the agent's config (images/twine-app/scripts/agents.sh). */
export const AGENT_CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/twine.json";
const IMAGE_AGENT_CONFIG = path.join(__dirname, "..", "..", "images", "twine-app", "files", "cloudwatch-agent.json");

/**
 * The image's agent config with this environment's log groups: the groups the program creates (with retention) and
 * the only ones the instance role may write, so one environment never writes another's logs.
 */
export function appAgentConfig(environment: string): string {
    const config = JSON.parse(fs.readFileSync(IMAGE_AGENT_CONFIG, "utf8"));
    const files = config.logs.logs_collected.files.collect_list as { log_group_name: string }[];
    for (const file of files) {
        const stream = file.log_group_name.replace(/^\/twine\/app\//, "");
        if (!(APP_HOST_LOGS as readonly string[]).includes(stream))
            throw new Error(`appAgentConfig: unexpected log group ${file.log_group_name} in ${IMAGE_AGENT_CONFIG}`);
        file.log_group_name = appHostLogGroupName(environment, stream);
    }
    if (config.metrics?.namespace !== APP_METRIC_NAMESPACE)
        throw new Error(`appAgentConfig: the image's metrics namespace is not ${APP_METRIC_NAMESPACE}`);
    return `${JSON.stringify(config, null, 2)}\n`;
}

/** The launch lifecycle hook each server completes at the end of its boot (appFleet.ts declares it on the group). */
export const BOOT_HOOK_NAME = "twine-boot-complete";
const BOOT_COMPLETE_SCRIPT = path.join(__dirname, "files", "boot-complete.py");
const BOOT_COMPLETE_PATH = "/usr/local/sbin/twine-boot-complete";
const BOOT_COMPLETE_UNIT = "twine-boot-complete.service";

/** How long a launching server may wait on the hook before AWS abandons it (terminates and replaces it). */
export const BOOT_HOOK_HEARTBEAT_SECONDS = 600;
const BOOT_COMPLETE_RETRY_SECONDS = 15;

/**
 * The systemd unit that completes the launch hook on every boot, after cloud-init's final stage (the app restarted,
 * the access and log agent set up). Every boot, not once: a warm-pool server boots once into the pool and again
 * when it enters service, and the hook holds it both times.
 * Wanted by cloud-init.target, not multi-user.target: cloud-final.service is ordered after multi-user.target, so a
 * unit multi-user.target wants and that runs after cloud-final makes an ordering cycle, and systemd deletes its start
 * job on every boot after the first (cloud-init.target's own comment says to order after it this way). It retries
 * on failure until the hook's heartbeat has run out, and no longer: after that AWS has abandoned the server.
 */
export function bootCompleteUnit(hookName: string, heartbeatSeconds = BOOT_HOOK_HEARTBEAT_SECONDS): string {
    return [
        "[Unit]",
        "Description=Complete this server's launch lifecycle hook once its boot has finished",
        "After=cloud-final.service twine.service network-online.target",
        "Wants=network-online.target",
        `StartLimitIntervalSec=${heartbeatSeconds}`,
        `StartLimitBurst=${Math.ceil(heartbeatSeconds / BOOT_COMPLETE_RETRY_SECONDS)}`,
        "",
        "[Service]",
        "Type=oneshot",
        `Environment=TWINE_BOOT_HOOK=${hookName}`,
        `ExecStart=/usr/bin/python3 ${BOOT_COMPLETE_PATH}`,
        "Restart=on-failure",
        `RestartSec=${BOOT_COMPLETE_RETRY_SECONDS}`,
        "",
        "[Install]",
        "WantedBy=cloud-init.target",
        "",
    ].join("\n");
}

/** Files and commands that install the unit; started without blocking: it runs after cloud-final, which runs this. */
function bootComplete(hookName: string) {
    return {
        files: [
            { path: BOOT_COMPLETE_PATH, owner: "root:root", permissions: "0755", content: fs.readFileSync(BOOT_COMPLETE_SCRIPT, "utf8") },
            {
                path: `/etc/systemd/system/${BOOT_COMPLETE_UNIT}`,
                owner: "root:root",
                permissions: "0644",
                content: bootCompleteUnit(hookName),
            },
        ],
        commands: [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", BOOT_COMPLETE_UNIT],
            ["systemctl", "start", "--no-block", BOOT_COMPLETE_UNIT],
        ],
    };
}

/**
 * cloud-config that writes /etc/twine/environment and restarts the app, which the AMI's unit already reads; given
 * the environment's name, points the CloudWatch agent at that environment's log groups; given its access
 * (access/accessCloudConfig.ts hostAccess), adds the people who may log in from the bastion.
 * No packages, no installs. Given a launch hook's name, the server completes that hook once it has booted, on every
 * boot, so that neither the warm pool nor the group takes it before its boot has finished.
 */
export function renderAppUserData(settings: AppSettings, access?: AccessCloudConfig, environment?: string, launchHook?: string): string {
    const settingsFile = {
        path: "/etc/twine/environment",
        owner: "root:twine",
        permissions: "0640",
        content: renderSettingsFile(settings),
    };
    const agentFiles = environment
        ? [{ path: AGENT_CONFIG_PATH, owner: "root:root", permissions: "0644", content: appAgentConfig(environment) }]
        : [];
    const agentCommands = environment ? [cloudWatchAgentStartCommand(AGENT_CONFIG_PATH)] : [];
    const restart = ["systemctl", "restart", "twine.service"];
    const base = access ?? { users: [], bootcmd: [], write_files: [], runcmd: [] };
    const hook = launchHook ? bootComplete(launchHook) : { files: [], commands: [] };
    return accessCloudConfigDocument(
        {
            users: base.users,
            bootcmd: base.bootcmd,
            write_files: [...base.write_files, ...agentFiles, settingsFile, ...hook.files],
            // The hook last: everything before it is what the server must have done before it serves.
            runcmd: [...base.runcmd, ...agentCommands, restart, ...hook.commands],
        },
        {},
        HEADER,
    );
}

const HEADER = "# Generated by twine-infra: environment settings and access only; everything else is baked into the AMI.";
