/**
 * The bastion's user data, checked by the programs that will read it on the host: OpenSSH's own config test for the
 * sshd drop-in, and cloud-init's schema check for the cloud-config. Both come from Debian packages that
 * scripts/setup.sh installs; without them these tests fail and say what to install.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { bastionSshdConfig } from "../components/access/sshdConfig";
import { hostAccess } from "../components/access/accessCloudConfig";
import { renderAppUserData } from "../components/app/appUserDataConfig";
import { renderBastionUserData } from "../components/access/bastionCloudConfig";
import { renderJenkinsUserData } from "../components/delivery/jenkinsHostConfig";
import { fixtureConfig } from "./helpers/config";
import { JENKINS_USER_DATA_ARGS } from "./helpers/jenkins";

function requireTool(command: string, pkg: string): string {
    const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
    assert.equal(found.status, 0, `${command} is not installed: run "bash scripts/setup.sh" as root (Debian package ${pkg})`);
    return found.stdout.trim();
}

const users = JSON.parse(fixtureConfig("bastion")["twine-infra:bastionHost"]).users;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-bastion-"));
let files = 0;

describe("bastion user data, checked by the real tools", () => {
    it("sshd -t accepts the drop-in, and rejects a broken one (the check can fail)", () => {
        const sshd = requireTool("sshd", "openssh-server");
        const keygen = requireTool("ssh-keygen", "openssh-client");
        const hostKey = path.join(dir, "host_ed25519");
        assert.equal(spawnSync(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]).status, 0);
        // sshd -t insists on its privilege separation directory, which only a running system creates.
        if (!fs.existsSync("/run/sshd")) fs.mkdirSync("/run/sshd", { mode: 0o755 });
        const test = (content: string) => {
            const file = path.join(dir, `sshd-${files++}.conf`);
            fs.writeFileSync(file, content);
            return spawnSync(sshd, ["-t", "-f", file, "-h", hostKey], { encoding: "utf8" });
        };
        const good = test(bastionSshdConfig({ users, forwards: {} }));
        assert.equal(good.status, 0, good.stderr);
        const bad = test(`${bastionSshdConfig({ users, forwards: {} })}AllowTcpForwardin yes\n`);
        assert.notEqual(bad.status, 0);
        assert.match(bad.stderr, /Bad configuration option/);
    });

    it("cloud-init schema accepts the cloud-config, and rejects a malformed one", () => {
        const cloudInit = requireTool("cloud-init", "cloud-init");
        const check = (content: string) => {
            const file = path.join(dir, `user-data-${files++}.yaml`);
            fs.writeFileSync(file, content);
            return spawnSync(cloudInit, ["schema", "--config-file", file], { encoding: "utf8" });
        };
        const rendered = renderBastionUserData({
            users,
            hostName: "bastion.twinehr.com",
            logGroupName: "/twine/bastion/bastion/ssh",
            region: "eu-west-1",
        });
        const good = check(rendered);
        assert.equal(good.status, 0, good.stderr + good.stdout);
        assert.match(good.stdout, /Valid cloud-config/);
        const bad = check(rendered.replace("ssh_pwauth: false", "ssh_pwauth: [false]"));
        assert.notEqual(bad.status, 0, "a list where a boolean belongs must be refused");
        // An app server's, with its environment's people.
        const logins = users.map((u: { name: string; publicKeys: string[] }) => ({ name: u.name, publicKeys: u.publicKeys, sudo: false }));
        const app = check(
            renderAppUserData(
                { TWINE_ENVIRONMENT: "integration" },
                hostAccess({ logins, bastionIp: "10.10.0.10", role: "integration app servers" }),
            ),
        );
        assert.equal(app.status, 0, app.stderr + app.stdout);
        // The Jenkins host's, likewise.
        const jenkins = check(
            renderJenkinsUserData(JENKINS_USER_DATA_ARGS, hostAccess({ logins, bastionIp: "10.10.0.10", role: "the Jenkins host" })),
        );
        assert.equal(jenkins.status, 0, jenkins.stderr + jenkins.stdout);
    });
});

describe("Jenkins host user data, checked by the real tools", () => {
    const jenkins = renderJenkinsUserData(JENKINS_USER_DATA_ARGS);

    it("cloud-init schema accepts the cloud-config", () => {
        const cloudInit = requireTool("cloud-init", "cloud-init");
        const file = path.join(dir, "jenkins-user-data.yaml");
        fs.writeFileSync(file, jenkins);
        const result = spawnSync(cloudInit, ["schema", "--config-file", file], { encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr + result.stdout);
    });

    it("shellcheck passes the host's scripts and the agent container's entry point", () => {
        const shellcheck = requireTool("shellcheck", "shellcheck");
        const scripts = (parse(jenkins).write_files as { path: string; content: string }[]).filter(f =>
            f.path.startsWith("/usr/local/sbin/"),
        );
        assert.deepEqual(scripts.map(f => f.path).sort(), [
            "/usr/local/sbin/jenkins-agent-setup",
            "/usr/local/sbin/jenkins-home-mount",
            "/usr/local/sbin/twine-ensure-packages",
        ]);
        const files = scripts.map(f => {
            const file = path.join(dir, path.basename(f.path));
            fs.writeFileSync(file, f.content);
            return file;
        });
        files.push(path.resolve(__dirname, "..", "images", "jenkins", "agent-sshd.sh"));
        const result = spawnSync(shellcheck, files, { encoding: "utf8" });
        assert.equal(result.status, 0, result.stdout + result.stderr);
    });
});
