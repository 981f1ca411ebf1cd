/**
 * The end-to-end test's machines, made from Debian with the tools scripts/setup.sh installs: root filesystems
 * from debootstrap, and a target that runs one of them the way an instance runs its AMI: its own network
 * namespace (made and removed here), cloud-init's first boot from a NoCloud seed, then sshd. Everything the test
 * starts it stops by the process group it started; everything it makes it removes.
 */
import { ChildProcess, SpawnOptions, spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

function lastLines(text: string, n: number): string {
    return text.split("\n").slice(-n).join("\n");
}

/** Runs a command to completion; rejects with its exit status and the end of its output. */
export function run(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout!.on("data", d => (out += d));
        child.stderr!.on("data", d => (out += d));
        child.on("error", e => reject(new Error(`${cmd} could not start: ${e.message}. Fix: run \`bash scripts/setup.sh\` as root`)));
        child.on("close", code =>
            code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${lastLines(out, 40)}`)),
        );
    });
}

/** Like run, synchronous, for short commands; throws with the output on failure. */
export function runSync(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const result = spawnSync(cmd, args, { encoding: "utf8", ...opts });
    if (result.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} exited ${result.status}: ${result.error ?? ""}${result.stdout}${result.stderr}`);
    }
    return result.stdout;
}

export interface RootSpec {
    readonly suite: string;
    readonly mirror: string;
    /** debootstrap's --variant: minbase (a server's base) or buildd (build-essential). */
    readonly variant: "minbase" | "buildd";
    readonly include: readonly string[];
}

/**
 * A root filesystem at `dest`. What debootstrap made is kept as a tarball under `cacheDir`, an ignored folder of
 * the repository, keyed by everything that chooses its contents: it is the root as debootstrap left it, before
 * any test touched it, so a later run starts from the same state as a fresh one. Delete the folder to refresh it.
 */
export async function makeRoot(dest: string, spec: RootSpec, cacheDir: string): Promise<void> {
    const key = createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
    const tarball = path.join(cacheDir, `${spec.suite}-${spec.variant}-${key}.tar`);
    fs.mkdirSync(dest, { recursive: true });
    if (fs.existsSync(tarball)) {
        await run("tar", ["-C", dest, "--numeric-owner", "-xpf", tarball]);
        return;
    }
    await run("debootstrap", [`--variant=${spec.variant}`, `--include=${spec.include.join(",")}`, spec.suite, dest, spec.mirror]);
    // debootstrap resolves no virtual packages and may leave one half-configured while still succeeding.
    const broken = runSync("chroot", [dest, "dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Package}\n"])
        .split("\n")
        .filter(l => l && !l.startsWith("ii "));
    if (broken.length > 0) throw new Error(`debootstrap left packages unconfigured in ${dest}: ${broken.join("; ")}`);
    fs.mkdirSync(cacheDir, { recursive: true });
    await run("tar", ["-C", dest, "--numeric-owner", "-cpf", `${tarball}.part`, "."]);
    fs.renameSync(`${tarball}.part`, tarball);
}

/** Mounts under `dir` left by a failed run (debootstrap mounts /proc and /sys while it works). */
export function unmountUnder(dir: string): void {
    const mounts = fs
        .readFileSync("/proc/mounts", "utf8")
        .split("\n")
        .map(l => l.split(" ")[1])
        .filter(m => m && (m === dir || m.startsWith(`${dir}/`)))
        .sort()
        .reverse();
    for (const m of mounts) spawnSync("umount", ["-l", m]);
}

export interface TargetArgs {
    /** The target's root filesystem (a debootstrap root with openssh-server, cloud-init and sudo). */
    readonly root: string;
    /** Network namespace and veth names: unique per run, short (interface names are at most 15 bytes). */
    readonly name: string;
    /** A /30 the test owns: .1 on the host side, .2 in the target. */
    readonly subnet: string;
    readonly logFile: string;
}

/** A started process and how to stop it: by the process group this test created for it. */
class Started {
    /** SIGKILL for a PID namespace's init: it ignores other signals, and its end ends every process in it. */
    constructor(
        readonly child: ChildProcess,
        private readonly signal: NodeJS.Signals,
    ) {}
    stop(): void {
        if (this.child.pid !== undefined && this.child.exitCode === null) {
            try {
                process.kill(-this.child.pid, this.signal);
            } catch {
                // already gone
            }
        }
    }
}

function startDetached(cmd: string, args: readonly string[], logFile: string, signal: NodeJS.Signals = "SIGTERM"): Started {
    const log = fs.openSync(logFile, "a");
    return new Started(spawn(cmd, args, { detached: true, stdio: ["ignore", log, log] }), signal);
}

/** Waits until `probe` returns true, or fails after `seconds` naming what never came up. */
export async function waitFor(what: string, seconds: number, probe: () => boolean, logFile?: string): Promise<void> {
    for (let i = 0; i < seconds * 4; i++) {
        if (probe()) return;
        await new Promise(r => setTimeout(r, 250));
    }
    const log = logFile && fs.existsSync(logFile) ? `\n${lastLines(fs.readFileSync(logFile, "utf8"), 30)}` : "";
    throw new Error(`${what} did not come up within ${seconds}s${log}`);
}

/**
 * The local target: a network namespace with a veth to the host, the root prepared as an instance's first boot
 * would find it, cloud-init run from a NoCloud seed (it creates the `ubuntu` login with the build's key, as on
 * EC2, and the SSH host keys), then sshd. `serve` starts a file server on the target's own loopback.
 */
export class LocalTarget {
    readonly address: string;
    readonly hostAddress: string;
    private readonly started: Started[] = [];
    private netnsMade = false;

    constructor(private readonly args: TargetArgs) {
        const base = args.subnet.replace(/\.\d+\/30$/, "");
        const last = Number(/\.(\d+)\/30$/.exec(args.subnet)![1]);
        this.hostAddress = `${base}.${last + 1}`;
        this.address = `${base}.${last + 2}`;
    }

    private get hostVeth(): string {
        return `${this.args.name}h`;
    }

    /** Boots the target; `authorizedKey` is the key the build logs in with, as cloud-init's user on an instance. */
    async start(authorizedKey: string): Promise<void> {
        const { root, name } = this.args;
        const ip = (...a: string[]) => runSync("ip", a);
        ip("netns", "add", name);
        this.netnsMade = true;
        ip("link", "add", this.hostVeth, "type", "veth", "peer", "name", `${name}t`);
        ip("link", "set", `${name}t`, "netns", name);
        ip("addr", "add", `${this.hostAddress}/30`, "dev", this.hostVeth);
        ip("link", "set", this.hostVeth, "up");
        ip("-n", name, "addr", "add", `${this.address}/30`, "dev", `${name}t`);
        ip("-n", name, "link", "set", `${name}t`, "up");
        ip("-n", name, "link", "set", "lo", "up");

        prepareFirstBoot(root, authorizedKey);
        // Private mount and PID namespaces: /proc, /sys, /dev and a tmpfs /run exist only for the target's processes
        // and vanish with them. The namespace's init (this shell) stays outside the chroot, so systemctl inside
        // sees a chroot (it compares / with /proc/1/root) and works offline, as in an image build's chroot.
        const boot = [
            `mount -t proc proc ${root}/proc`,
            `mount -t sysfs sys ${root}/sys`,
            `mount --rbind /dev ${root}/dev`,
            `mount -t tmpfs -o mode=0755 tmpfs ${root}/run`,
            // Each boot stage runs whatever the one before did, as systemd runs them; a failure shows in cloud-init status.
            `chroot ${root} /bin/sh -c 'cloud-init init --local; cloud-init init; cloud-init modules --mode=config; ` +
                `cloud-init modules --mode=final; install -d -m 0755 /run/sshd && exec /usr/sbin/sshd -D -e'`,
        ].join(" && ");
        const namespaces = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork"];
        this.started.push(startDetached("ip", ["netns", "exec", name, ...namespaces, "sh", "-c", boot], this.args.logFile, "SIGKILL"));
        await waitFor(`sshd in the target (${this.address}:22)`, 120, () => portOpen(this.address, 22), this.args.logFile);
    }

    /** Serves `dir` over HTTP on the target's loopback (127.0.0.1:<port>): apt there reads it as a repository. */
    async serve(dir: string, port: number): Promise<string> {
        const server = path.join(__dirname, "serve.js");
        const inNs = ["netns", "exec", this.args.name];
        this.started.push(startDetached("ip", [...inNs, process.execPath, server, dir, "127.0.0.1", String(port)], this.args.logFile));
        const release = `http://127.0.0.1:${port}/dists/noble/Release`;
        const answers = () => spawnSync("ip", [...inNs, "curl", "-fsS", "-o", "/dev/null", release]).status === 0;
        await waitFor("the repository server in the target", 30, answers, this.args.logFile);
        return `http://127.0.0.1:${port}`;
    }

    /** Stops what it started, then removes the namespace (and with it the veth pair). */
    stop(): void {
        for (const s of this.started.reverse()) s.stop();
        if (this.netnsMade) {
            spawnSync("ip", ["link", "del", this.hostVeth]);
            spawnSync("ip", ["netns", "del", this.args.name]);
        }
    }
}

function portOpen(host: string, port: number): boolean {
    return spawnSync("bash", ["-c", `exec 3<>/dev/tcp/${host}/${port}`], { timeout: 2000 }).status === 0;
}

/**
 * What an instance of Ubuntu's AMI finds at first boot, on a Debian root (the differences are listed in
 * docs/app-image.md): no archive sources reachable (the target's network is only the test's own), a NoCloud seed
 * instead of EC2's metadata, Ubuntu's syslog user, and ssh socket-activated as noble has it.
 */
function prepareFirstBoot(root: string, authorizedKey: string): void {
    fs.writeFileSync(path.join(root, "etc/apt/sources.list"), "");
    const seed = path.join(root, "var/lib/cloud/seed/nocloud");
    fs.mkdirSync(seed, { recursive: true });
    fs.writeFileSync(path.join(seed, "meta-data"), "instance-id: twine-e2e\nlocal-hostname: twine-e2e\n");
    fs.writeFileSync(
        path.join(seed, "user-data"),
        [
            "#cloud-config",
            "users:",
            "  - name: ubuntu",
            '    sudo: "ALL=(ALL) NOPASSWD:ALL"',
            "    shell: /bin/bash",
            "    ssh_authorized_keys:",
            `      - ${authorizedKey.trim()}`,
            "",
        ].join("\n"),
    );
    fs.writeFileSync(path.join(root, "etc/cloud/cloud.cfg.d/01-local-target.cfg"), "datasource_list: [NoCloud]\n");
    // EC2's DNS resolves an instance's own name; the target has no DNS, so its hosts file does (sudo looks it up).
    fs.appendFileSync(path.join(root, "etc/hosts"), "127.0.1.1 twine-e2e\n");
    runSync("chroot", [root, "adduser", "--quiet", "--system", "--group", "--no-create-home", "--home", "/home/syslog", "syslog"]);
    runSync("chroot", [root, "adduser", "--quiet", "syslog", "adm"]);
    runSync("chroot", [root, "systemctl", "disable", "--quiet", "ssh.service"]);
    runSync("chroot", [root, "systemctl", "enable", "--quiet", "ssh.socket"]);
}
