/**
 * The Packer template and provisioning scripts under images/twine-app, checked by the real tools: shellcheck,
 * `packer fmt -check` and `packer validate`. CI installs them (scripts/setup.sh); a machine without them fails
 * here, saying what to install, rather than skipping.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "./helpers/config";

const IMAGE_DIR = path.join(REPO, "images", "twine-app");
const TEMPLATE = "twine-app.pkr.hcl";

function run(tool: string, args: string[], cwd = IMAGE_DIR) {
    const result = spawnSync(tool, args, { cwd, encoding: "utf8" });
    if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT") {
        assert.fail(
            `${tool} is not installed: these checks need it. Fix: run \`bash scripts/setup.sh\` as root (it ` +
                `installs the Debian packages packer and shellcheck)`,
        );
    }
    return result;
}

/** Packer before 1.7 (Debian's 1.6.6): no `init`, no `required_plugins`, plugins built in. */
function packerIsOld(): boolean {
    const out = run("packer", ["version"]).stdout;
    const match = /Packer v?(\d+)\.(\d+)/.exec(out);
    assert.ok(match, `cannot read the Packer version from ${JSON.stringify(out)}`);
    return Number(match[1]) === 1 && Number(match[2]) < 7;
}

/** Variables a real build gets from the dev stack; validate needs the required ones set. */
const VALIDATE_VARS = [
    "apt_repo_url=https://twine-apt.s3.eu-west-1.amazonaws.com/twine",
    "apt_signing_key=-----BEGIN PGP PUBLIC KEY BLOCK-----",
    "twine_version=2026.11.3-1",
    "iam_instance_profile=twine-packer-build",
    // validate downloads a file: checksum list; an explicit checksum keeps it offline.
    `cloud_image_checksum=sha256:${"0".repeat(64)}`,
];

/** The test-only null source logs in with a key; validate reads it, so it gets a real (throwaway) one. */
let loginKey: string | undefined;
function localTargetKey(): string {
    if (!loginKey) {
        loginKey = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-key-")), "id_ed25519");
        const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", loginKey], { encoding: "utf8" });
        assert.equal(made.status, 0, made.stderr);
    }
    return loginKey;
}

function validateArgs(): string[] {
    return ["validate", ...[...VALIDATE_VARS, `local_target_key_file=${localTargetKey()}`].flatMap(v => ["-var", v])];
}

/** Fully validates an edited copy of the folder; on Packer 1.6 without plugins.pkr.hcl and metadata_options. */
function validateCopy(edit: (template: string) => string) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "twine-packer-"));
    fs.cpSync(IMAGE_DIR, copy, { recursive: true, filter: src => !/(output-[^/]*|packer_cache|\.vagrant)$/.test(src) });
    let template = edit(fs.readFileSync(path.join(copy, TEMPLATE), "utf8"));
    if (packerIsOld()) {
        fs.rmSync(path.join(copy, "plugins.pkr.hcl"));
        const stripped = template.replace(/\n {2}metadata_options \{[^}]*\}\n/, "\n");
        assert.notEqual(stripped, template, "the template sets metadata_options on the build instance");
        template = stripped;
    }
    fs.writeFileSync(path.join(copy, TEMPLATE), template);
    return run("packer", [...validateArgs(), packerIsOld() ? TEMPLATE : "."], copy);
}

describe("images/twine-app", () => {
    const scripts = fs.readdirSync(path.join(IMAGE_DIR, "scripts")).filter(f => f.endsWith(".sh"));

    it("has the provisioning scripts the template runs, and each passes shellcheck", () => {
        const template = fs.readFileSync(path.join(IMAGE_DIR, TEMPLATE), "utf8");
        const referenced = [...template.matchAll(/"scripts\/([\w-]+\.sh)"/g)].map(m => m[1]).sort();
        assert.deepEqual(referenced, [...scripts].sort(), "every script is run by the template and every script it runs exists");
        const result = run("shellcheck", ["--severity=style", "--shell=bash", ...scripts.map(s => path.join("scripts", s))]);
        assert.equal(result.status, 0, `shellcheck found problems:\n${result.stdout}${result.stderr}`);
    });

    it("shellcheck really runs: it rejects a script with an unquoted expansion", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-shellcheck-"));
        fs.writeFileSync(path.join(dir, "bad.sh"), "#!/usr/bin/env bash\nrm -rf $1/*\n");
        const result = run("shellcheck", ["bad.sh"], dir);
        assert.notEqual(result.status, 0);
        assert.match(result.stdout, /SC2086/);
    });

    it("is formatted as packer fmt writes it", () => {
        for (const file of fs.readdirSync(IMAGE_DIR).filter(f => f.endsWith(".pkr.hcl"))) {
            const result = run("packer", ["fmt", "-check", "-diff", file]);
            assert.equal(result.status, 0, `${file} is not packer-fmt formatted:\n${result.stdout}${result.stderr}`);
        }
    });

    it("passes packer validate (Packer 1.6: the template file alone, minus the one block it predates)", () => {
        if (!packerIsOld()) {
            // Newer Packer reads the folder, plugin pins included (after `packer init`, which needs the network).
            const result = run("packer", [...validateArgs(), "."]);
            assert.equal(
                result.status,
                0,
                `${result.stdout}${result.stderr}\n(a missing plugin? Fix: run \`packer init images/twine-app\` once)`,
            );
            return;
        }
        // Packer 1.6 predates the amazon builder's metadata_options (IMDSv2 on the build instance) and rejects it.
        // The real file gets the syntax check; a copy without that one block gets the full check of every
        // builder, provisioner and post-processor setting.
        const syntax = run("packer", ["validate", "-syntax-only", TEMPLATE]);
        assert.equal(syntax.status, 0, `${syntax.stdout}${syntax.stderr}`);
        const full = validateCopy(template => template);
        assert.equal(full.status, 0, `${full.stdout}${full.stderr}`);
    });

    it("packer validate really checks: a bad builder setting fails, naming it", () => {
        const result = validateCopy(template => template.replace('format           = "qcow2"', 'format           = "vhdx"'));
        assert.notEqual(result.status, 0);
        assert.match(result.stdout + result.stderr, /format/);
    });

    it("requires IMDSv2 on the build instance, encrypts with the KMS key variable, shares with ami_users", () => {
        const template = fs.readFileSync(path.join(IMAGE_DIR, TEMPLATE), "utf8");
        assert.match(template, /metadata_options \{[^}]*http_tokens\s*=\s*"required"/);
        assert.match(template, /encrypted\s*=\s*true\s*\n\s*kms_key_id\s*=\s*var\.kms_key_id/);
        assert.match(template, /ami_users\s*=\s*var\.ami_users/);
        assert.match(template, /snapshot_users\s*=\s*var\.ami_users/);
        assert.match(template, /associate_public_ip_address\s*=\s*false/);
        assert.match(template, /post-processor "manifest"/);
    });

    it("keeps the plugin pins in their own file, which Packer 1.6 rejects", () => {
        const plugins = fs.readFileSync(path.join(IMAGE_DIR, "plugins.pkr.hcl"), "utf8");
        assert.match(plugins, /required_plugins/);
        if (packerIsOld()) {
            const result = run("packer", ["validate", "-syntax-only", "."]);
            assert.notEqual(result.status, 0, "Packer 1.6 would read plugins.pkr.hcl if it accepted the folder");
            assert.match(result.stdout + result.stderr, /required_plugins/);
        }
    });

    it("orders the first-boot host key unit without a cycle, with ssh.socket enabled as on Ubuntu noble (systemd-analyze)", () => {
        // GIVEN the unit enabled in multi-user.target and ssh.socket in sockets.target (noble's default)
        const units = fs.mkdtempSync(path.join(os.tmpdir(), "twine-units-"));
        const unit = "twine-ssh-host-keys.service";
        fs.copyFileSync(path.join(IMAGE_DIR, "files", unit), path.join(units, unit));
        for (const [target, file] of [
            ["multi-user.target", path.join(units, unit)],
            ["sockets.target", "/lib/systemd/system/ssh.socket"],
        ]) {
            fs.mkdirSync(path.join(units, `${target}.wants`));
            fs.symlinkSync(file, path.join(units, `${target}.wants`, path.basename(file)));
        }
        // WHEN systemd's verifier loads it with the distribution's units
        const result = spawnSync("systemd-analyze", ["verify", "--man=no", path.join(units, unit), "multi-user.target"], {
            encoding: "utf8",
            env: { ...process.env, SYSTEMD_UNIT_PATH: `${units}:/lib/systemd/system` },
        });
        // THEN it reports nothing: no ordering cycle, no unknown setting
        assert.equal(`${result.stdout}${result.stderr}`.trim(), "", `systemd-analyze verify complained about ${unit}`);
        assert.equal(result.status, 0);
    });
});
