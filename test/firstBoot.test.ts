/**
 * A host's first seconds: sshd stays closed until its firewall is loaded, and stays tied to it on later boots.
 * Checked with the programs that decide it on the host: cloud-init's own module order (its packaged cloud.cfg) and
 * schema, systemd's unit loader (`systemd-analyze verify` over Debian's real ssh and nftables units with the drop-ins
 * the program writes), and the rendered runcmd lines run by a real shell against stand-ins for nft and systemctl.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { hostAccess, sshFirewallDropIn } from "../components/access/accessCloudConfig";
import { renderBastionUserData } from "../components/access/bastionCloudConfig";
import { renderAppUserData } from "../components/app/appUserDataConfig";
import { renderJenkinsUserData } from "../components/delivery/jenkinsHostConfig";
import { REPO, fixtureConfig } from "./helpers/config";
import { JENKINS_USER_DATA_ARGS } from "./helpers/jenkins";
import { NetnsHost, removeNetnsDirIfEmpty } from "./helpers/netnsHosts";

interface CloudConfig {
    bootcmd?: string[][];
    runcmd: string[][];
    write_files: { path: string; content: string }[];
}

/** sshd on Ubuntu 24.04: socket-activated, so both units must stay closed. */
const SSH_UNITS = ["ssh.socket", "ssh.service"] as const;
const users = JSON.parse(fixtureConfig("bastion")["twine-infra:bastionHost"]).users;
const rendered = renderBastionUserData({
    users,
    hostName: "bastion.twinehr.com",
    logGroupName: "/twine/bastion/b/ssh",
    region: "eu-west-1",
});
const config = parse(rendered) as CloudConfig;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "twine-first-boot-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A folder of stand-ins for system commands, each logging its arguments; returns the folder and a log reader. */
function standIns(commands: Readonly<Record<string, string>>): { bin: string; log: () => string[] } {
    const bin = fs.mkdtempSync(path.join(scratch, "bin-"));
    const log = path.join(bin, "log");
    for (const [name, body] of Object.entries(commands)) {
        fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    }
    return { bin, log: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []) };
}

function requireTool(command: string, pkg: string): void {
    const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
    assert.equal(found.status, 0, `${command} is not installed: run "bash scripts/setup.sh" as root (Debian package ${pkg})`);
}

describe("first boot: sshd closed until the firewall is loaded", () => {
    it("bootcmd masks ssh.socket and ssh.service once per instance, in cloud-init's init stage before users and files", () => {
        requireTool("cloud-init", "cloud-init");
        assert.deepEqual(config.bootcmd?.[0], ["cloud-init-per", "instance", "twine-ssh-closed", "systemctl", "mask", ...SSH_UNITS]);
        // cloud-init's own module order: bootcmd before write_files and users, runcmd not in that stage.
        const cloudCfg = parse(fs.readFileSync("/etc/cloud/cloud.cfg", "utf8")) as Record<string, string[]>;
        const init = cloudCfg.cloud_init_modules.map(m => m.replace(/-/g, "_"));
        assert.ok(init.indexOf("bootcmd") >= 0 && init.indexOf("bootcmd") < init.indexOf("write_files"), init.join(" "));
        assert.ok(init.indexOf("bootcmd") < init.indexOf("users_groups"), init.join(" "));
        assert.ok(!init.includes("runcmd") && !init.includes("scripts_user"), "runcmd runs later than the init stage");
        const file = path.join(scratch, "user-data.yaml");
        fs.writeFileSync(file, rendered);
        const schema = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
        assert.equal(schema.status, 0, schema.stderr + schema.stdout);
    });

    describe("systemd-analyze verify over Debian's ssh and nftables units", () => {
        const units = path.join(scratch, "units");
        const verify = (unit: string) =>
            spawnSync("systemd-analyze", ["verify", "--man=no", path.join(units, unit)], { encoding: "utf8", timeout: 60_000 });
        const probe = (unit: string, content: string) => {
            fs.mkdirSync(path.join(units, `${unit}.d`), { recursive: true });
            fs.writeFileSync(path.join(units, `${unit}.d`, "99-probe.conf"), `[Unit]\n${content}\n`);
        };
        const clearProbes = () => {
            for (const unit of ["nftables.service", "ssh.socket", "ssh.service", "cloud-init.service"]) {
                fs.rmSync(path.join(units, `${unit}.d`, "99-probe.conf"), { force: true });
            }
        };

        before(() => {
            requireTool("systemd-analyze", "systemd");
            fs.mkdirSync(units);
            for (const unit of ["ssh.service", "ssh.socket", "nftables.service", "cloud-init.service", "cloud-init-local.service"]) {
                const source = path.join("/lib/systemd/system", unit);
                assert.ok(fs.existsSync(source), `${source} is missing: run "bash scripts/setup.sh" as root`);
                fs.copyFileSync(source, path.join(units, unit));
            }
            // The drop-ins exactly as the user data writes them.
            for (const file of config.write_files.filter(f => f.path.startsWith("/etc/systemd/system/"))) {
                const target = path.join(units, file.path.slice("/etc/systemd/system/".length));
                fs.mkdirSync(path.dirname(target), { recursive: true });
                fs.writeFileSync(target, file.content);
            }
        });
        afterEach(clearProbes);

        it("cloud-init's init stage (where bootcmd masks sshd) is ordered before ssh.socket can listen", () => {
            assert.equal(verify("ssh.socket").status, 0, verify("ssh.socket").stderr);
            // A unit ordered both ways is a cycle: ssh.socket is already after cloud-init.service (via sysinit.target).
            probe("ssh.socket", "Before=cloud-init.service\nRequires=cloud-init.service");
            const cycle = verify("ssh.socket");
            assert.notEqual(cycle.status, 0);
            assert.match(cycle.stderr, /ordering cycle/);
        });

        for (const unit of SSH_UNITS) {
            it(`the rendered drop-in orders ${unit} after nftables.service and requires it (every later boot)`, () => {
                const clean = verify(unit);
                assert.equal(clean.status, 0, clean.stderr);
                // Ordering nftables after sshd must now be a cycle: sshd is after the firewall.
                probe("nftables.service", `After=${unit}`);
                const cycle = verify(unit);
                assert.notEqual(cycle.status, 0, `${unit} is not ordered after nftables.service`);
                assert.match(cycle.stderr, /ordering cycle/);
                clearProbes();
                // And required, not merely wanted: a firewall unit that conflicts with sshd makes sshd's start impossible.
                probe("nftables.service", `Conflicts=${unit}`);
                const conflict = verify(unit);
                assert.notEqual(conflict.status, 0, `${unit} does not require nftables.service`);
                assert.match(conflict.stderr, /conflicting jobs/);
            });
        }
    });

    describe("runcmd, run by a real shell with stand-ins for the system's commands", () => {
        /** Runs the rendered runcmd in order, as cloud-init's runcmd script does, with `nft -f` succeeding or not. */
        /**
         * Runs runcmd with stand-ins: `nft -f` loads or fails; the SSM agent is inactive unless `agentRuns`; its snap's
         * first `snap remove` fails when `removeFailsOnce` (snapd still seeding). Returns the log, and stderr.
         */
        function bootWith(nftLoads: boolean, opts: { agentRuns?: boolean; removeFailsOnce?: boolean } = {}) {
            const { bin, log } = standIns({
                nft: nftLoads ? "exit 0" : '[ "$1" = "-f" ] && exit 1; exit 0',
                systemctl: `[ "$1" = is-active ] && exit ${opts.agentRuns ? 0 : 3}; exit 0`,
                sshd: "exit 0",
                "apt-get": "exit 0",
                dpkg: "exit 0",
                snap: opts.removeFailsOnce
                    ? 'once="$(dirname "$0")/once"; if [ "$1" = remove ] && [ ! -e "$once" ]; then touch "$once"; exit 1; fi; exit 0'
                    : "exit 0",
                sleep: "exit 0",
            });
            let stderr = "";
            for (const line of config.runcmd.filter(l => !["curl", "dpkg", "/opt/aws"].some(p => l[0].startsWith(p)))) {
                stderr += spawnSync(line[0], line.slice(1), { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" }).stderr;
            }
            return { log: log(), stderr };
        }
        const boot = (nftLoads: boolean) => bootWith(nftLoads).log;

        it("unmasks and starts sshd only after the firewall loaded", () => {
            const log = boot(true);
            const loaded = log.indexOf("nft -f /etc/nftables.conf");
            const unmask = log.indexOf(`systemctl unmask ${SSH_UNITS.join(" ")}`);
            assert.ok(loaded >= 0, log.join("\n"));
            assert.ok(unmask > loaded, `sshd is never unmasked after nft -f:\n${log.join("\n")}`);
            assert.ok(
                log.some((l, i) => i > unmask && /^systemctl (start ssh\.socket|restart ssh\.service)$/.test(l)),
                log.join("\n"),
            );
            // EC2 Instance Connect is gone before sshd opens.
            assert.ok(log.findIndex(l => l.startsWith("apt-get purge")) < unmask);
        });

        it("fails closed: when nft -f fails, sshd is neither unmasked nor started", () => {
            const log = boot(false);
            assert.ok(log.includes("nft -f /etc/nftables.conf"), log.join("\n"));
            assert.deepEqual(
                log.filter(l => /^systemctl (unmask|start|restart|enable)/.test(l)),
                [],
            );
        });

        it("stops and disables the SSM agent's snap before removing it, and retries a removal snapd refuses", () => {
            const { log } = bootWith(true, { removeFailsOnce: true });
            const stop = log.indexOf("snap stop --disable amazon-ssm-agent");
            const removals = log.flatMap((l, i) => (l === "snap remove --purge amazon-ssm-agent" ? [i] : []));
            assert.ok(stop >= 0, log.join("\n"));
            assert.equal(removals.length, 2, `the failed removal is retried once it fails:\n${log.join("\n")}`);
            assert.ok(removals[0] > stop);
        });

        it("fails closed, visibly, when the SSM agent still runs: sshd is neither unmasked nor started", () => {
            const { log, stderr } = bootWith(true, { agentRuns: true });
            assert.ok(log.includes("nft -f /etc/nftables.conf"), "the firewall still loads");
            assert.deepEqual(
                log.filter(l => /^systemctl (unmask|start|restart)/.test(l)),
                [],
            );
            assert.match(stderr, /the SSM agent still runs after its removal .*sshd stays closed\. Fix: /);
        });

        it("shellcheck passes the shell lines", () => {
            requireTool("shellcheck", "shellcheck");
            for (const line of config.runcmd.filter(l => l[0] === "sh")) {
                const check = spawnSync("shellcheck", ["-s", "sh", "-"], { input: `${line[2]}\n`, encoding: "utf8" });
                assert.equal(check.status, 0, check.stdout);
            }
        });
    });
});

describe("no SSM agent on any host (Default Host Management would reopen Session Manager)", () => {
    const logins = [{ name: "bob", publicKeys: ["ssh-ed25519 AAAAbob"], sudo: false }];
    const access = (bakedImage: boolean) => hostAccess({ logins, bastionIp: "10.10.0.10", role: "a host", bakedImage });
    const documents = {
        bastion: config,
        jenkins: parse(renderJenkinsUserData(JENKINS_USER_DATA_ARGS, access(false))) as CloudConfig,
        app: parse(renderAppUserData({ TWINE_ENVIRONMENT: "integration" }, access(true))) as CloudConfig,
    };
    /** Runs the lines of one stage through sh with stand-ins that say the agent is installed (snap and deb). */
    const run = (lines: string[][]) => {
        const { bin, log } = standIns({
            systemctl: "exit 0",
            snap: "exit 0",
            dpkg: "exit 0",
            "apt-get": "exit 0",
            nft: "exit 0",
            sshd: "exit 0",
        });
        for (const line of lines.filter(l => l[0] === "sh")) spawnSync(line[0], line.slice(1), { env: { PATH: `${bin}:/usr/bin:/bin` } });
        return log();
    };

    for (const [host, doc] of Object.entries(documents)) {
        it(`${host}: bootcmd stops and disables the agent before it starts`, () => {
            assert.ok(
                run(doc.bootcmd ?? []).includes(
                    "systemctl disable --now --no-block snap.amazon-ssm-agent.amazon-ssm-agent.service amazon-ssm-agent.service",
                ),
                JSON.stringify(doc.bootcmd),
            );
        });
    }

    for (const host of ["bastion", "jenkins"] as const) {
        it(`${host} (Canonical's image): runcmd removes the agent's snap and package`, () => {
            const log = run(documents[host].runcmd);
            assert.ok(log.includes("snap remove --purge amazon-ssm-agent"), log.join("\n"));
            assert.ok(log.includes("apt-get purge -y amazon-ssm-agent"), log.join("\n"));
        });
    }

    it("the app image's agents.sh disables the agent at bake (it keeps running for the build's own session)", () => {
        const { bin, log } = standIns({ install: "exit 0", usermod: "exit 0", systemctl: "exit 0", snap: "exit 0" });
        const script = path.join(REPO, "images", "twine-app", "scripts", "agents.sh");
        const result = spawnSync("bash", [script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        const lines = log();
        assert.ok(lines.includes("systemctl disable snap.amazon-ssm-agent.amazon-ssm-agent.service"), lines.join("\n"));
        assert.ok(lines.includes("systemctl disable amazon-ssm-agent.service"), lines.join("\n"));
        assert.deepEqual(
            lines.filter(l => /ssm/.test(l) && /\b(enable|start)\b/.test(l)),
            [],
        );
        assert.deepEqual(
            lines.filter(l => /--now|\bstop\b|remove/.test(l) && /ssm/.test(l)),
            [],
            "stopping the agent would cut Packer's Session Manager connection mid-build",
        );
    });
});

describe("systemctl restart nftables on the Jenkins host: only our table goes, Docker's rules stay (real nft)", function () {
    this.timeout(60_000);
    const jenkins = parse(
        renderJenkinsUserData(
            JENKINS_USER_DATA_ARGS,
            hostAccess({
                logins: [{ name: "bob", publicKeys: ["ssh-ed25519 AAAAbob"], sudo: false }],
                bastionIp: "10.10.0.10",
                role: "jenkins",
            }),
        ),
    ) as CloudConfig;
    const unitFile = "/lib/systemd/system/nftables.service";
    const dropIns = jenkins.write_files
        .filter(f => f.path.startsWith("/etc/systemd/system/nftables.service.d/"))
        .sort((a, b) => a.path.localeCompare(b.path));
    // Docker's rules as iptables-nft writes them: the containers' NAT, and the agent's metadata block in DOCKER-USER.
    const docker = [
        "table ip nat {",
        "    chain POSTROUTING { type nat hook postrouting priority srcnat; policy accept; ip saddr 172.30.0.0/24 masquerade; }",
        "}",
        "table ip filter {",
        "    chain DOCKER-USER { ip saddr 172.30.0.3 ip daddr 169.254.169.254 drop; }",
        "}",
        "",
    ].join("\n");
    let host: NetnsHost;
    let netnsDirCreated = false;

    /**
     * A setting's commands as systemd runs them: the unit file's, then each drop-in's in name order, an empty
     * assignment resetting the list (systemd.unit(5), "drop-in"; systemd.service(5), ExecStart=).
     */
    function effective(setting: string): string[] {
        let commands: string[] = [];
        for (const text of [fs.readFileSync(unitFile, "utf8"), ...dropIns.map(f => f.content)]) {
            for (const line of text.split("\n").filter(l => l.startsWith(`${setting}=`))) {
                const value = line.slice(setting.length + 1).trim();
                commands = value === "" ? [] : [...commands, value];
            }
        }
        return commands;
    }
    /** Runs commands in the host as systemd would: a leading "-" lets the command fail. */
    const runAll = (commands: readonly string[]) => {
        for (const command of commands) {
            const result = host.exec(command.replace(/^-/, "").split(/\s+/));
            if (!command.startsWith("-")) assert.equal(result.status, 0, `${command}: ${result.stderr}`);
        }
    };

    before(() => {
        requireTool("nft", "nftables");
        assert.equal(process.getuid?.(), 0, "this suite makes a network namespace: run it as root (CI does)");
        assert.ok(fs.existsSync(unitFile), `${unitFile} is missing: run "bash scripts/setup.sh" as root (Debian package nftables)`);
        netnsDirCreated = !fs.existsSync("/etc/netns");
        host = new NetnsHost(`tw${process.pid.toString(36).slice(-4)}n`, scratch);
        // The firewall names the host's people, as cloud-init would have created them.
        fs.writeFileSync(
            path.join(host.etc, "passwd"),
            `${fs.readFileSync("/etc/passwd", "utf8").trimEnd()}\nbob:x:40100:40100::/nonexistent:/bin/bash\n`,
        );
        const conf = jenkins.write_files.find(f => f.path === "/etc/nftables.conf")!;
        fs.writeFileSync(path.join(host.etc, "nftables.conf"), conf.content);
        host.mustExec(["nft", "-f", "/etc/nftables.conf"]);
        assert.equal(host.exec(["nft", "-f", "-"], { input: docker }).status, 0, "Docker's stand-in rules load");
    });
    after(() => {
        host?.destroy();
        removeNetnsDirIfEmpty(netnsDirCreated);
    });

    it("a restart (ExecStop, then ExecStart) keeps Docker's NAT and the agent's metadata block, and reloads ours", () => {
        runAll([...effective("ExecStop"), ...effective("ExecStart")]);
        const ruleset = host.mustExec(["nft", "list", "ruleset"]);
        assert.match(ruleset, /masquerade/, "Docker's NAT was flushed");
        assert.match(ruleset, /ip daddr 169\.254\.169\.254 drop/, "the agent's metadata block was flushed");
        assert.match(ruleset, /table inet twine_access/);
    });

    it("a reload, as the docs say to apply changed rules, is the unit's nft -f: it replaces our rules and keeps Docker's", () => {
        const docs = fs.readFileSync(path.join(__dirname, "..", "docs", "cross-account.md"), "utf8");
        assert.match(
            docs,
            /apply changed rules run `systemctl reload nftables`: the unit's `ExecReload=\/usr\/sbin\/nft -f \/etc\/nftables\.conf`/,
        );
        assert.deepEqual(effective("ExecReload"), ["/usr/sbin/nft -f /etc/nftables.conf"]);
        const conf = path.join(host.etc, "nftables.conf");
        const before = fs.readFileSync(conf, "utf8");
        assert.match(before, /10\.10\.0\.10\b/, "the rules name the bastion's address");
        fs.writeFileSync(conf, before.replace(/10\.10\.0\.10\b/g, "10.10.0.11"));
        try {
            runAll(effective("ExecReload"));
            const ruleset = host.mustExec(["nft", "list", "ruleset"]);
            assert.match(ruleset, /10\.10\.0\.11/, "our table holds the new rules");
            assert.doesNotMatch(ruleset, /10\.10\.0\.10\b/, "the old rules are gone");
            assert.match(ruleset, /masquerade/, "Docker's NAT stays");
            assert.match(ruleset, /ip daddr 169\.254\.169\.254 drop/, "the agent's metadata block stays");
        } finally {
            fs.writeFileSync(conf, before);
            runAll(effective("ExecReload"));
        }
    });

    it("sshd's drop-in tells an administrator to reload, not restart", () => {
        assert.match(sshFirewallDropIn(), /^# .*apply changed rules with `systemctl reload nftables`/m);
    });

    it("a stop removes our table and nothing else; a second stop still succeeds", () => {
        runAll(effective("ExecStop"));
        const ruleset = host.mustExec(["nft", "list", "ruleset"]);
        assert.doesNotMatch(ruleset, /twine_access/);
        assert.match(ruleset, /masquerade/);
        runAll(effective("ExecStop"));
        runAll(effective("ExecStart"));
    });

    it("systemd-analyze verify accepts nftables.service with the drop-in", () => {
        requireTool("systemd-analyze", "systemd");
        const units = fs.mkdtempSync(path.join(scratch, "nft-units-"));
        fs.copyFileSync(unitFile, path.join(units, "nftables.service"));
        fs.mkdirSync(path.join(units, "nftables.service.d"));
        for (const f of dropIns) fs.writeFileSync(path.join(units, "nftables.service.d", path.basename(f.path)), f.content);
        const verify = spawnSync("systemd-analyze", ["verify", "--man=no", path.join(units, "nftables.service")], { encoding: "utf8" });
        assert.equal(verify.status, 0, verify.stderr);
        assert.equal(dropIns.length, 1, "one drop-in for nftables.service");
    });
});
