/**
 * A replaced bastion's host keys are checked, never trusted on first use: cloud-init prints them on the console at
 * the end of the first boot, and scripts/bastion-known-hosts.sh reads them back through the EC2 API. The console
 * text here is what cloud-init's own helper (the Debian package's write-ssh-key-fingerprints, which its
 * keys_to_console module runs) prints for real host keys, in a network namespace whose /etc/ssh holds them; the AWS
 * CLI is a stand-in that answers with it.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { renderBastionUserData } from "../components/access/bastionCloudConfig";
import { fixtureConfig, REPO } from "./helpers/config";
import { mustRun, NetnsHost, removeNetnsDirIfEmpty, requireTools } from "./helpers/netnsHosts";

const SCRIPT = path.join(REPO, "scripts", "bastion-known-hosts.sh");
const HELPER = "/usr/lib/cloud-init/write-ssh-key-fingerprints";
const HOST = "bastion.twinehr.com";
const EIP = "203.0.113.1";

describe("bastion host keys: published on the console, read back through the EC2 API", function () {
    this.timeout(60_000);
    let scratch: string;
    let bootConsole: string;
    let publicKeys: string[];

    /** The script with a stand-in `aws` answering describe-instances and get-console-output. */
    function knownHosts(consoleText: string, instances = `i-0123456789abcdef0\\t${EIP}\\n`) {
        const bin = fs.mkdtempSync(path.join(scratch, "bin-"));
        fs.writeFileSync(path.join(bin, "console.txt"), consoleText);
        fs.writeFileSync(
            path.join(bin, "aws"),
            [
                "#!/bin/sh",
                `case "$2" in`,
                `  describe-instances) printf '${instances}' ;;`,
                `  get-console-output) cat ${path.join(bin, "console.txt")} ;;`,
                "  *) exit 9 ;;",
                "esac",
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        return spawnSync("bash", [SCRIPT, HOST, "eu-west-1"], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
    }
    const fingerprints = (file: string) =>
        mustRun("ssh-keygen", ["-l", "-f", file])
            .trim()
            .split("\n")
            .map(l => l.split(" ")[1])
            .sort();

    before(() => {
        requireTools({ ip: "iproute2", "ssh-keygen": "openssh-client", logger: "bsdutils" });
        assert.ok(fs.existsSync(HELPER), `${HELPER} is missing: run "bash scripts/setup.sh" as root (Debian package cloud-init)`);
        assert.equal(process.getuid?.(), 0, "this suite makes a network namespace: run it as root (CI does)");
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "twine-host-keys-"));
        const netnsDirCreated = !fs.existsSync("/etc/netns");
        // GIVEN a host whose /etc/ssh holds fresh host keys of every type cloud-init generates.
        const host = new NetnsHost(`tw${process.pid.toString(36).slice(-4)}k`, scratch);
        try {
            const root = path.join(scratch, "root");
            fs.mkdirSync(path.join(root, "etc", "ssh"), { recursive: true });
            mustRun("ssh-keygen", ["-A", "-f", root]);
            fs.cpSync(path.join(root, "etc", "ssh"), path.join(host.etc, "ssh"), { recursive: true });
            publicKeys = fs
                .readdirSync(path.join(root, "etc", "ssh"))
                .filter(f => f.endsWith(".pub"))
                .map(f => path.join(root, "etc", "ssh", f));
            assert.ok(publicKeys.length >= 3, "ed25519, ecdsa and rsa host keys");
            // WHEN cloud-init's helper prints them, as keys_to_console does with its default blacklists.
            const printed = host.exec([HELPER, "", "ssh-dss"]);
            assert.equal(printed.status, 0, printed.stderr);
            // The console as EC2 returns it: kernel and cloud-init lines around the block, CRLF line ends.
            bootConsole =
                `[   12.345678] cloud-init[812]: Cloud-init v. 24.1 running 'modules:final'\n${printed.stdout}ci-info: done\n`.replace(
                    /\n/g,
                    "\r\n",
                );
        } finally {
            host.destroy();
            removeNetnsDirIfEmpty(netnsDirCreated);
        }
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("the bastion's user data has cloud-init print the host keys to the console", () => {
        const users = JSON.parse(fixtureConfig("bastion")["twine-infra:bastionHost"]).users;
        const doc = parse(renderBastionUserData({ users, hostName: HOST, logGroupName: "/twine/bastion/b/ssh", region: "eu-west-1" }));
        assert.equal(doc.ssh?.emit_keys_to_console, true);
        assert.equal(doc.ssh_key_console_blacklist, undefined, "no host key type is left off the console");
        assert.match(bootConsole, /-----BEGIN SSH HOST KEY KEYS-----/);
    });

    it("turns the console's keys into known_hosts lines for the host name and its Elastic IP, matching the real keys", () => {
        const result = knownHosts(bootConsole);
        assert.equal(result.status, 0, result.stderr);
        const lines = result.stdout.trim().split("\n");
        assert.equal(lines.length, publicKeys.length);
        for (const line of lines)
            assert.match(line, new RegExp(`^${HOST.replace(/\./g, "\\.")},${EIP} (ssh-ed25519|ecdsa-sha2-\\S+|ssh-rsa) \\S+$`));
        const file = path.join(scratch, "known_hosts");
        fs.writeFileSync(file, result.stdout);
        const real = publicKeys.flatMap(k => fingerprints(k)).sort();
        assert.deepEqual(fingerprints(file), real);
        // ssh finds the host under both names.
        for (const name of [HOST, EIP]) assert.equal(spawnSync("ssh-keygen", ["-F", name, "-f", file]).status, 0, name);
    });

    it("refuses a console without the keys yet, and one whose key block holds something else, printing nothing", () => {
        const early = knownHosts("[    1.0] Booting\r\n");
        assert.equal(early.status, 1);
        assert.equal(early.stdout, "");
        assert.match(early.stderr, /holds no host keys\. Just launched: .*try again shortly/);
        const tampered = knownHosts(bootConsole.replace(/(-----BEGIN SSH HOST KEY KEYS-----\r\n)/, "$1ssh-ed25519 not-base64!\r\n"));
        assert.equal(tampered.status, 1);
        assert.equal(tampered.stdout, "");
        assert.match(tampered.stderr, /not an SSH public key/);
    });

    it("says so when no running instance has the name (an empty answer), instead of exiting silently", () => {
        const none = knownHosts(bootConsole, "");
        assert.equal(none.status, 1);
        assert.equal(none.stdout, "");
        assert.match(none.stderr, /no running instance tagged Name=bastion\.[^ ]+; check the name, the region and the account/);
    });

    it("explains a console that no longer holds the keys: a reboot does not reprint them", () => {
        const late = knownHosts("[99999.0] systemd[1]: Started something.\r\n");
        assert.match(late.stderr, /once per instance, so a reboot does not bring them back/);
    });

    it("shellcheck passes the script", () => {
        const check = spawnSync("shellcheck", [SCRIPT], { encoding: "utf8" });
        assert.equal(check.status, 0, check.stdout);
    });
});
