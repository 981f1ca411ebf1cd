/**
 * The build chain end to end, with the real tools and no AWS: package -> signed apt repository -> provisioned
 * machine. Packages are built from fixture source trees with the pipeline's own build script in a debootstrap
 * build root, published with its Aptly script and the Jenkins host's aptly.conf, served over HTTP on the target's
 * loopback, and the image's own Packer build (the null.twine-app source: the same provisioners, in the same order,
 * as the AMI and the VM) provisions a local target over SSH. Run by `npm run test:e2e` (CI runs it after
 * `npm test`); needs root (debootstrap, network namespaces) and the Debian packages of scripts/setup.sh.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APTLY_ENDPOINT, APT_COMPONENT, APT_DISTRIBUTION } from "../../components/delivery/aptlyConfig";
import { git, releaseCheck } from "../helpers/appRepo";
import { exportKey, fingerprintOf, localAptlyConfig, makeSigningKey } from "../helpers/aptRepo";
import { REPO } from "../helpers/config";
import { machineMirror } from "./debianMirror";
import { LocalTarget, makeRoot, run, runSync, unmountUnder, waitFor } from "./localTarget";

const JENKINS = path.join(REPO, "images", "jenkins");
const IMAGE = path.join(REPO, "images", "twine-app");
const FIXTURES = path.join(REPO, "test", "fixtures", "packages");
const CACHE = path.join(REPO, ".cache", "e2e");
/** The fixture's version (test/fixtures/packages/twine/debian/changelog): what the image pins. */
const TWINE_VERSION = "2026.12.1-1";
/** The port the repository is served on inside the target's namespace. */
const REPO_PORT = 8642;
const NOBODY = "65534";

/** The target's packages: what Ubuntu's server AMI has that the provisioning scripts use. */
const TARGET_PACKAGES = [
    ...["adduser", "systemd", "systemd-sysv", "dbus", "iproute2", "locales"],
    ...["openssh-server", "sudo", "gnupg", "ca-certificates", "curl", "cloud-init"],
    // Ubuntu's server image ships nftables; harden.sh installs it where a base lacks it, which needs the archive
    // that this target does not reach (it reads only the Twine repository).
    "nftables",
];
/** debootstrap does not resolve virtual packages: cloud-init's python3-cryptography needs this named. */
const UNRESOLVED_VIRTUALS = ["python3-cffi-backend"];

describe("the build chain, end to end (debootstrap, dpkg-buildpackage, aptly, Packer over SSH)", function () {
    this.timeout(30 * 60_000);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "twine-e2e-"));
    const buildRoot = path.join(work, "build-root");
    const targetRoot = path.join(work, "target");
    const workspace = path.join(work, "workspace");
    const publicDir = path.join(work, "public");
    const log = path.join(work, "target.log");
    const target = new LocalTarget({
        root: targetRoot,
        name: `twe${process.pid % 100000}`,
        subnet: `10.231.${process.pid % 250}.0/30`,
        logFile: log,
    });
    let packerLog = "";
    const inTarget = (...args: string[]) => runSync("chroot", [targetRoot, ...args]);
    const targetFile = (p: string) => path.join(targetRoot, p);

    before(async () => {
        const why = "the end-to-end suite needs root (debootstrap, chroot, network namespaces): run it as root, as CI does";
        assert.equal(process.getuid?.(), 0, why);
        const phase = (name: string, started: number) => console.log(`      ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        let t = Date.now();

        // GIVEN a build root (the pipeline's is noble's; here the machine's Debian release) and a target root
        const { suite, mirror } = machineMirror();
        await Promise.all([
            makeRoot(buildRoot, { suite, mirror, variant: "buildd", include: ["debhelper"] }, CACHE),
            makeRoot(targetRoot, { suite, mirror, variant: "minbase", include: [...TARGET_PACKAGES, ...UNRESOLVED_VIRTUALS] }, CACHE),
        ]);
        phase(`roots from ${mirror} (${suite})`, t);

        // WHEN the pipeline's build step builds the packages, unprivileged, as the jenkins user would
        t = Date.now();
        fs.mkdirSync(workspace, { mode: 0o755 });
        for (const pkg of fs.readdirSync(FIXTURES)) fs.cpSync(path.join(FIXTURES, pkg), path.join(workspace, pkg), { recursive: true });
        runSync("chown", ["-R", `${NOBODY}:${NOBODY}`, workspace]);
        fs.chmodSync(work, 0o755);
        const asJenkins = ["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"];
        const buildScript = path.join(JENKINS, "build-packages.sh");
        const buildPackages = (pkg: string) => run("setpriv", [...asJenkins, buildScript, buildRoot, path.join(workspace, pkg)]);
        await buildPackages("twine");
        // AWS's agent package, stood in for by a fixture package with its paths, signed by a key standing in for AWS's
        await buildPackages("amazon-cloudwatch-agent");
        const vendor = path.join(work, "vendor");
        const vendorHome = path.join(work, "vendor-gnupg");
        const vendorKey = makeSigningKey(vendorHome, "CloudWatch agent stand-in <agent@example.invalid>");
        fs.mkdirSync(path.join(vendor, "assets"), { recursive: true });
        fs.mkdirSync(path.join(vendor, "ubuntu/amd64/latest"), { recursive: true });
        fs.writeFileSync(path.join(vendor, "assets/amazon-cloudwatch-agent.gpg"), exportKey(vendorHome, vendorKey, true));
        const agentDeb = path.join(vendor, "ubuntu/amd64/latest/amazon-cloudwatch-agent.deb");
        const built = fs.readdirSync(workspace).find(f => /^amazon-cloudwatch-agent_.*\.deb$/.test(f))!;
        fs.renameSync(path.join(workspace, built), agentDeb);
        const asVendor = { ...process.env, GNUPGHOME: vendorHome };
        runSync("gpg", ["--batch", "--output", `${agentDeb}.sig`, "--detach-sign", agentDeb], { env: asVendor });
        const vendorServer = spawnServe(vendor, path.join(work, "vendor.log"));
        try {
            const port = await vendorServer.port;
            await run("setpriv", [...asJenkins, path.join(JENKINS, "fetch-cloudwatch-agent.sh"), workspace], {
                env: {
                    ...process.env,
                    HOME: workspace,
                    CLOUDWATCH_AGENT_BASE_URL: `http://127.0.0.1:${port}`,
                    CLOUDWATCH_AGENT_KEY_FINGERPRINT: vendorKey,
                },
            });
        } finally {
            vendorServer.stop();
        }
        phase("packages built and the agent fetched", t);

        // ...and the pipeline's publish step publishes them, signed, with the Jenkins host's aptly.conf
        t = Date.now();
        const archiveHome = path.join(work, "archive-gnupg");
        makeSigningKey(archiveHome, "Twine Test Archive <archive@example.invalid>");
        const key = fingerprintOf(archiveHome);
        const debs = fs
            .readdirSync(workspace)
            .filter(f => f.endsWith(".deb"))
            .map(f => path.join(workspace, f));
        const endpoint = `filesystem:${APTLY_ENDPOINT}:`;
        // the script signs only a commit of the app repository's release branch: the fixture's source, committed there
        const appOrigin = path.join(work, "app-origin");
        fs.cpSync(path.join(FIXTURES, "twine"), appOrigin, { recursive: true });
        git(appOrigin, "init", "-q", "-b", "main");
        git(appOrigin, "add", "-A");
        git(appOrigin, "commit", "-q", "-m", "release");
        const check = releaseCheck(work, appOrigin);
        const commit = git(appOrigin, "rev-parse", "HEAD");
        const publish = [path.join(JENKINS, "publish-apt.sh"), commit, endpoint, APT_DISTRIBUTION, APT_COMPONENT, key, ...debs];
        await run("bash", publish, {
            env: {
                ...process.env,
                ...check.env,
                PATH: `${check.bin}:${process.env.PATH}`,
                GNUPGHOME: archiveHome,
                APTLY_CONFIG: localAptlyConfig(work, publicDir),
            },
        });
        phase("published with aptly", t);

        // ...and Packer provisions the target with the image's build, over SSH, from the repository on its loopback
        t = Date.now();
        const loginKey = path.join(work, "login_ed25519");
        runSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", loginKey]);
        await target.start(fs.readFileSync(`${loginKey}.pub`, "utf8"));
        const repoUrl = await target.serve(publicDir, REPO_PORT);
        phase("target booted (cloud-init) and serving the repository", t);

        t = Date.now();
        const vars = {
            apt_repo_url: repoUrl,
            apt_signing_key: exportKey(archiveHome, key, true) as string,
            twine_version: TWINE_VERSION,
            local_target_host: target.address,
            local_target_key_file: loginKey,
            manifest_path: path.join(work, "manifest.json"),
        };
        // Debian's Packer 1.6 through the test-only path: the template file alone (plugins.pkr.hcl is for >= 1.7),
        // the null source only (1.6 decodes no other source's settings).
        const varArgs = Object.entries(vars).flatMap(([k, v]) => ["-var", `${k}=${v}`]);
        packerLog = await run("packer", ["build", "-color=false", "-only=null.twine-app", ...varArgs, "twine-app.pkr.hcl"], {
            cwd: IMAGE,
            env: { ...process.env, CHECKPOINT_DISABLE: "1", PACKER_CACHE_DIR: path.join(work, "packer_cache"), PACKER_CONFIG_DIR: work },
        });
        phase("packer build -only=null.twine-app", t);
    });

    after(() => {
        target.stop();
        unmountUnder(work);
        if (process.env.TWINE_E2E_KEEP) console.log(`      kept ${work}`);
        else fs.rmSync(work, { recursive: true, force: true });
    });

    it("ran every provisioner of the image's build in order, and the VM-only one not", () => {
        const template = fs.readFileSync(path.join(IMAGE, "twine-app.pkr.hcl"), "utf8");
        const scripts = [...template.matchAll(/"scripts\/([\w-]+\.sh)"/g)].map(m => m[1]).filter(s => s !== "vagrant.sh");
        const ran = [...packerLog.matchAll(/Provisioning with shell script: scripts\/([\w-]+\.sh)/g)].map(m => m[1]);
        assert.deepEqual(ran, scripts);
        assert.match(packerLog, /Uploading files\/ => \/tmp\/twine-files\//);
    });

    it("installed Twine at the pinned version from the signed repository, held there", () => {
        assert.equal(inTarget("dpkg-query", "-W", "-f=${Version}", "twine"), TWINE_VERSION);
        assert.match(inTarget("apt-mark", "showhold"), /^twine$/m);
        // The agent came from the same repository, as AWS's package (here its stand-in) fetched and verified.
        assert.equal(inTarget("dpkg-query", "-W", "-f=${Status}", "amazon-cloudwatch-agent"), "install ok installed");
        assert.ok(fs.existsSync(targetFile("usr/lib/twine/twine-serve")));
    });

    it("trusts the repository's key for that repository only", () => {
        const sources = fs.readFileSync(targetFile("etc/apt/sources.list.d/twine.sources"), "utf8");
        assert.match(sources, /^Signed-By: \/etc\/apt\/keyrings\/twine\.gpg$/m);
        assert.match(sources, new RegExp(`^URIs: http://127\\.0\\.0\\.1:${REPO_PORT}$`, "m"));
        const listed = (keyring: string) => runSync("gpg", ["--batch", "--with-colons", "--show-keys", keyring]);
        assert.match(listed(targetFile("etc/apt/keyrings/twine.gpg")), /Twine Test Archive/);
        const trustedDir = fs.readdirSync(targetFile("etc/apt/trusted.gpg.d")).map(f => `etc/apt/trusted.gpg.d/${f}`);
        const systemWide = ["etc/apt/trusted.gpg", ...trustedDir].filter(k => fs.existsSync(targetFile(k)));
        for (const keyring of systemWide) {
            assert.doesNotMatch(listed(targetFile(keyring)), /Twine Test Archive/, `${keyring} trusts the Twine key for every source`);
        }
    });

    it("put every uploaded file where the scripts install it, unchanged", () => {
        const scriptsDir = path.join(IMAGE, "scripts");
        const scripts = fs
            .readdirSync(scriptsDir)
            .map(s => fs.readFileSync(path.join(scriptsDir, s), "utf8"))
            .join("\n");
        const installs = new Map([...scripts.matchAll(/install (?:-[a-z] \S+ )*\/tmp\/twine-files\/(\S+) (\S+)/g)].map(m => [m[1], m[2]]));
        for (const file of fs.readdirSync(path.join(IMAGE, "files"))) {
            const dest = installs.get(file);
            assert.ok(dest, `files/${file} is uploaded but no script installs it`);
            const uploaded = fs.readFileSync(path.join(IMAGE, "files", file), "utf8");
            assert.equal(fs.readFileSync(targetFile(dest), "utf8"), uploaded, `${dest} differs from files/${file}`);
        }
    });

    it("enabled the units, and systemd-analyze verify finds nothing wrong with them", () => {
        const units = ["twine.service", "amazon-cloudwatch-agent.service", "twine-ssh-host-keys.service"];
        for (const unit of units) assert.equal(inTarget("systemctl", "is-enabled", unit).trim(), "enabled", unit);
        for (const timer of ["apt-daily.timer", "apt-daily-upgrade.timer"]) {
            const enabled = spawnSync("chroot", [targetRoot, "systemctl", "is-enabled", "--quiet", timer]).status === 0;
            assert.ok(!enabled, `${timer} is still enabled`);
        }
        const verify = spawnSync("chroot", [targetRoot, "systemd-analyze", "verify", "--man=no", ...units, "multi-user.target"], {
            encoding: "utf8",
        });
        assert.equal(`${verify.stdout}${verify.stderr}`.trim(), "", "systemd-analyze verify complained");
        assert.equal(verify.status, 0);
    });

    it("applied the hardening: sshd keys only and no root, no apt runs after the bake, root locked", () => {
        // sshd -T needs host keys, which cleanup.sh removed: it checks the configuration with a throwaway one.
        const hostKey = path.join(work, "check_host_key");
        runSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
        fs.copyFileSync(hostKey, targetFile("run-check-host-key"));
        fs.mkdirSync(targetFile("run/sshd"), { recursive: true });
        try {
            const effective = inTarget("/usr/sbin/sshd", "-T", "-h", "/run-check-host-key");
            const expected = ["permitrootlogin no", "passwordauthentication no", "kbdinteractiveauthentication no"];
            for (const line of [...expected, "allowtcpforwarding no", "x11forwarding no"]) {
                assert.match(effective, new RegExp(`^${line}$`, "m"));
            }
        } finally {
            fs.rmSync(targetFile("run-check-host-key"));
            fs.rmSync(targetFile("run/sshd"), { recursive: true });
        }
        assert.equal((fs.statSync(targetFile("etc/ssh/sshd_config.d/50-twine.conf")).mode & 0o777).toString(8), "600");
        const periodic = fs.readFileSync(targetFile("etc/apt/apt.conf.d/99-twine-no-periodic"), "utf8");
        assert.match(periodic, /APT::Periodic::Unattended-Upgrade "0";/);
        assert.match(fs.readFileSync(targetFile("etc/shadow"), "utf8"), /^root:!/m);
    });

    it("left nothing cleanup.sh removes: machine id, host keys, cloud-init state, login keys, apt lists, logs, staging files", () => {
        assert.equal(fs.readFileSync(targetFile("etc/machine-id"), "utf8"), "");
        assert.equal(fs.readlinkSync(targetFile("var/lib/dbus/machine-id")), "/etc/machine-id");
        assert.deepEqual(
            fs.readdirSync(targetFile("etc/ssh")).filter(f => f.startsWith("ssh_host_")),
            [],
        );
        const cloudInit = ["var/lib/cloud/instance", "var/lib/cloud/instances", "var/lib/cloud/seed"];
        for (const gone of [...cloudInit, "home/ubuntu/.ssh/authorized_keys", "root/.ssh/authorized_keys", "tmp/twine-files"]) {
            assert.ok(!fs.existsSync(targetFile(gone)) && !isLink(targetFile(gone)), `${gone} is still there`);
        }
        assert.deepEqual(fs.readdirSync(targetFile("tmp")), []);
        assert.deepEqual(fs.readdirSync(targetFile("var/tmp")), []);
        assert.deepEqual(
            fs.readdirSync(targetFile("var/lib/apt/lists")).filter(f => !["lock", "partial", "auxfiles"].includes(f)),
            [],
        );
        const logs = runSync("find", [targetFile("var/log"), "-type", "f", "-size", "+0"]).trim();
        assert.equal(logs, "", "log files with content");
    });
});

function isLink(p: string): boolean {
    try {
        return fs.lstatSync(p).isSymbolicLink();
    } catch {
        return false;
    }
}

/** A file server on the host's loopback, on a free port, stopped by the process group it was started in. */
function spawnServe(dir: string, logFile: string): { port: Promise<number>; stop: () => void } {
    const child = spawn(process.execPath, [path.join(__dirname, "serve.js"), dir, "127.0.0.1", "0"], {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d));
    child.stderr!.on("data", (d: Buffer) => fs.appendFileSync(logFile, d));
    const port = waitFor("the agent download server", 20, () => /listening \d+/.test(out)) //
        .then(() => Number(/listening (\d+)/.exec(out)![1]));
    return { port, stop: () => void (child.exitCode === null && process.kill(-child.pid!, "SIGTERM")) };
}
