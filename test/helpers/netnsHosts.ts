/**
 * Hosts in network namespaces, made and removed by a test: each gets its own network stack (`ip netns`, veth), and
 * its own /etc/passwd, /etc/group, /etc/shadow, /etc/ssh, /etc/sudoers.d and /etc/nftables.conf through
 * `ip netns exec`'s per-namespace /etc (files under /etc/netns/<name>/ are bind-mounted over /etc/ in a private mount
 * namespace for every command run in it). So the users a cloud-config declares exist only inside their host, and the
 * machine's own accounts, sshd and keys are never touched. Needs root, iproute2, nftables, openssh-server and sudo.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** Ubuntu 24.04's (and Debian 12's) stock sshd_config: our drop-ins must win over it, as on a real box. */
export const STOCK_SSHD_CONFIG = [
    "Include /etc/ssh/sshd_config.d/*.conf",
    "KbdInteractiveAuthentication no",
    "UsePAM yes",
    "X11Forwarding yes",
    "PrintMotd no",
    "AcceptEnv LANG LC_*",
    "Subsystem sftp /usr/lib/openssh/sftp-server",
    "",
].join("\n");

export function run(
    command: string,
    args: readonly string[],
    options: { input?: string; timeout?: number } = {},
): SpawnSyncReturns<string> {
    return spawnSync(command, args, { encoding: "utf8", input: options.input ?? "", timeout: options.timeout ?? 20_000 });
}

export function mustRun(command: string, args: readonly string[]): string {
    const result = run(command, args);
    assert.equal(result.status, 0, `${command} ${args.join(" ")} failed: ${result.stderr}${result.error ?? ""}`);
    return result.stdout;
}

/** Fails with what to install when a tool the suite needs is missing. */
export function requireTools(tools: Record<string, string>): void {
    const missing = Object.entries(tools).filter(([command]) => run("sh", ["-c", `command -v ${command}`]).status !== 0);
    assert.deepEqual(
        missing,
        [],
        `missing: ${missing.map(([c, p]) => `${c} (Debian package ${p})`).join(", ")}; run "bash scripts/setup.sh" as root`,
    );
}

interface CloudConfig {
    users?: { name: string; shell: string; sudo?: string }[];
    write_files?: { path: string; owner: string; permissions: string; content: string }[];
}

/** A host: a network namespace with its own /etc overlay, the processes started in it, and its users' homes. */
export class NetnsHost {
    private readonly processes: ChildProcess[] = [];
    readonly etc: string;
    readonly logs: string[] = [];

    constructor(
        readonly name: string,
        private readonly scratch: string,
    ) {
        this.etc = path.join("/etc/netns", name);
        mustRun("ip", ["netns", "add", name]);
        fs.mkdirSync(this.etc, { recursive: true });
        this.exec(["ip", "link", "set", "lo", "up"]);
    }

    /** Runs a command inside the host (its network, its /etc). */
    exec(args: readonly string[], options: { input?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
        return run("ip", ["netns", "exec", this.name, ...args], options);
    }

    mustExec(args: readonly string[]): string {
        const result = this.exec(args);
        assert.equal(result.status, 0, `${this.name}: ${args.join(" ")} failed: ${result.stderr}`);
        return result.stdout;
    }

    /** Starts a long-running process inside the host; stopped (by its pid) in destroy. */
    start(args: readonly string[]): ChildProcess {
        const child = spawn("ip", ["netns", "exec", this.name, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        child.stdout!.on("data", d => this.logs.push(String(d)));
        child.stderr!.on("data", d => this.logs.push(String(d)));
        this.processes.push(child);
        return child;
    }

    /**
     * Applies the access parts of a cloud-config as cloud-init would on first boot: the users (locked passwords,
     * their shells, sudo rules), then every file under /etc/ssh and /etc/nftables.conf at its own path. Files for
     * other programs (the CloudWatch agent) are returned unapplied, for the caller to check.
     */
    applyCloudConfig(document: string, uids: Map<string, number>): string[] {
        assert.match(document, /^#cloud-config\n/);
        const config = parse(document) as CloudConfig;
        const passwd = [fs.readFileSync("/etc/passwd", "utf8").trimEnd()];
        const group = [fs.readFileSync("/etc/group", "utf8").trimEnd()];
        const shadow = [fs.readFileSync("/etc/shadow", "utf8").trimEnd()];
        const sudoers: string[] = [];
        for (const user of config.users ?? []) {
            const uid = uids.get(user.name);
            assert.ok(uid, `no test uid for ${user.name}`);
            const home = path.join(this.scratch, "home", user.name);
            fs.mkdirSync(home, { recursive: true, mode: 0o755 });
            fs.chownSync(home, uid, uid);
            passwd.push(`${user.name}:x:${uid}:${uid}::${home}:${user.shell}`);
            group.push(`${user.name}:x:${uid}:`);
            shadow.push(`${user.name}:!:20000:0:99999:7:::`); // lock_passwd: true
            if (user.sudo) sudoers.push(`${user.name} ${user.sudo}`);
        }
        this.writeEtc("passwd", `${passwd.join("\n")}\n`, 0o644);
        this.writeEtc("group", `${group.join("\n")}\n`, 0o644);
        this.writeEtc("shadow", `${shadow.join("\n")}\n`, 0o640);
        fs.mkdirSync(path.join(this.etc, "sudoers.d"), { recursive: true, mode: 0o755 });
        this.writeEtc("sudoers.d/90-cloud-init-users", `${sudoers.join("\n")}\n`, 0o440);
        this.writeEtc("ssh/sshd_config", STOCK_SSHD_CONFIG, 0o644);

        const skipped: string[] = [];
        for (const file of config.write_files ?? []) {
            if (file.path.startsWith("/etc/ssh/") || file.path === "/etc/nftables.conf") {
                assert.equal(file.owner, "root:root", `${file.path} must be root's`);
                this.writeEtc(file.path.slice("/etc/".length), file.content, parseInt(file.permissions, 8));
            } else {
                skipped.push(file.path);
            }
        }
        return skipped;
    }

    private writeEtc(relative: string, content: string, mode: number): void {
        const target = path.join(this.etc, relative);
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
        fs.writeFileSync(target, content, { mode });
        fs.chmodSync(target, mode);
    }

    /** A fresh ed25519 host key, as cloud-init makes one on first boot; returns the public key. */
    makeHostKey(): string {
        const key = path.join(this.etc, "ssh", "ssh_host_ed25519_key");
        fs.mkdirSync(path.dirname(key), { recursive: true, mode: 0o755 });
        mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", this.name, "-f", key]);
        return fs.readFileSync(`${key}.pub`, "utf8").trim();
    }

    /** Debian's sshd with the host's /etc/ssh; no pid file (it would be the machine's), in the foreground. */
    startSshd(): void {
        fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
        const check = this.exec(["/usr/sbin/sshd", "-t"]);
        assert.equal(check.status, 0, `${this.name}: sshd -t refused the rendered config: ${check.stderr}`);
        this.start(["/usr/sbin/sshd", "-D", "-e", "-o", "PidFile=none", "-h", "/etc/ssh/ssh_host_ed25519_key"]);
    }

    /** A TCP listener that greets and closes: a service the test can tell apart from a refusal. */
    startGreeter(address: string, port: number, greeting: string): void {
        // A client that hangs up first (the port probe) must not end the server.
        const reply = JSON.stringify(`${greeting}\n`);
        const script =
            `require("net").createServer(s => s.on("error", () => {}).end(${reply})).listen(${port}, ` + `${JSON.stringify(address)})`;
        this.start([process.execPath, "-e", script]);
    }

    destroy(): void {
        for (const child of this.processes) {
            if (child.exitCode === null && child.pid) child.kill("SIGTERM");
        }
        run("ip", ["netns", "del", this.name]);
        fs.rmSync(this.etc, { recursive: true, force: true });
    }
}

/** Waits until `host` accepts TCP on address:port (a started server is listening). */
export async function waitForPort(host: NetnsHost, address: string, port: number): Promise<void> {
    const probe =
        `const s=require("net").connect(${port},${JSON.stringify(address)});s.on("connect",()=>process.exit(0));` +
        `s.on("error",()=>process.exit(1))`;
    for (let i = 0; i < 100; i++) {
        if (host.exec([process.execPath, "-e", probe]).status === 0) return;
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    assert.fail(`${host.name}: nothing listens on ${address}:${port}; logs:\n${host.logs.join("")}`);
}

/** Joins two hosts with a veth pair: each end gets its address (/32) and a route to the other end's address. */
export function link(a: NetnsHost, aDev: string, aAddress: string, b: NetnsHost, bDev: string, bAddress: string): void {
    mustRun("ip", ["link", "add", aDev, "netns", a.name, "type", "veth", "peer", "name", bDev, "netns", b.name]);
    for (const [host, dev, own, other] of [
        [a, aDev, aAddress, bAddress],
        [b, bDev, bAddress, aAddress],
    ] as const) {
        host.mustExec(["ip", "addr", "add", `${own}/32`, "dev", dev]);
        host.mustExec(["ip", "link", "set", dev, "up"]);
        host.mustExec(["ip", "route", "add", `${other}/32`, "dev", dev, "src", own]);
    }
}

/** Removes /etc/netns when the suite made it and left it empty. */
export function removeNetnsDirIfEmpty(createdBySuite: boolean): void {
    if (createdBySuite && fs.existsSync("/etc/netns") && fs.readdirSync("/etc/netns").length === 0) fs.rmdirSync("/etc/netns");
}
