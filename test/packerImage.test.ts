import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AUTOSCALING_GRANT_OPERATIONS, autoScalingServiceLinkedRoleArn, imageKeyPolicy } from "../components/delivery/imageSharingPolicy";
import {
    BuildFile,
    GATE_COMMAND,
    NOT_READY_ENV,
    amiIdFromManifest,
    amiIdOfBuild,
    buildInputsHash,
    packerBuildCommand,
    packerEnvironment,
    PackerImage,
    pluginPinProblems,
    pluginPins,
    readBuildFiles,
    requiredPackerVersion,
} from "../components/delivery/packerImage";
import { APP_TEMPLATE_DIR, APP_TEMPLATE_FILE } from "../components/delivery/appImage";
import { missingPackages, packagePoolPrefix, unpublishedMessage } from "../components/delivery/aptPoolConfig";
import { runProgram } from "../plan/run";
import { serialPlan } from "./helpers/plans";

const FILES: BuildFile[] = [
    { path: "twine-app.pkr.hcl", content: 'source "amazon-ebs" "twine-app" {}' },
    { path: "scripts/base.sh", content: "#!/usr/bin/env bash\napt-get update\n" },
    { path: "files/sshd-twine.conf", content: "PermitRootLogin no\n" },
];
const VARS = { region: "eu-west-1", ami_users: ["444444444444"], root_volume_size: 16 };

describe("PackerImage helpers", () => {
    describe("buildInputsHash, the rebuild trigger", () => {
        const base = buildInputsHash(FILES, VARS);

        it("is the same for the same files and variables, in any order", () => {
            assert.equal(
                buildInputsHash([...FILES].reverse(), { root_volume_size: 16, ami_users: ["444444444444"], region: "eu-west-1" }),
                base,
            );
            assert.match(base, /^[0-9a-f]{64}$/);
        });

        it("changes when any file's content changes, by one byte", () => {
            FILES.forEach((file, i) => {
                const edited = FILES.map((f, k) => (k === i ? { ...f, content: `${f.content} ` } : f));
                assert.notEqual(buildInputsHash(edited, VARS), base, `editing ${file.path}`);
            });
        });

        it("changes when a file is added, removed or renamed", () => {
            assert.notEqual(buildInputsHash([...FILES, { path: "scripts/new.sh", content: "" }], VARS), base);
            assert.notEqual(buildInputsHash(FILES.slice(1), VARS), base);
            assert.notEqual(
                buildInputsHash(
                    FILES.map(f => (f.path === "scripts/base.sh" ? { ...f, path: "scripts/base2.sh" } : f)),
                    VARS,
                ),
                base,
            );
        });

        it("changes when a variable changes, is added or removed", () => {
            assert.notEqual(buildInputsHash(FILES, { ...VARS, region: "eu-west-2" }), base);
            assert.notEqual(buildInputsHash(FILES, { ...VARS, ami_users: ["444444444444", "555555555555"] }), base);
            assert.notEqual(buildInputsHash(FILES, { ...VARS, twine_version: "1.0" }), base);
            const { region: _region, ...withoutRegion } = VARS;
            assert.notEqual(buildInputsHash(FILES, withoutRegion), base);
        });

        it("cannot be fooled by moving bytes between a name and a value, or a file and a variable", () => {
            assert.notEqual(buildInputsHash([], { ab: "c" }), buildInputsHash([], { a: "bc" }));
            assert.notEqual(buildInputsHash([{ path: "x", content: "1" }], {}), buildInputsHash([], { x: "1" }));
        });

        it("property: equal exactly when the (path -> content, name -> value) maps are equal", () => {
            const files = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 8 }), { maxKeys: 4 });
            const vars = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 8 }), { maxKeys: 4 });
            const asFiles = (m: Record<string, string>) => Object.entries(m).map(([p, content]) => ({ path: p, content }));
            fc.assert(
                fc.property(files, vars, files, vars, (f1, v1, f2, v2) => {
                    const same =
                        JSON.stringify(sorted(f1)) === JSON.stringify(sorted(f2)) &&
                        JSON.stringify(sorted(v1)) === JSON.stringify(sorted(v2));
                    return (buildInputsHash(asFiles(f1), v1) === buildInputsHash(asFiles(f2), v2)) === same;
                }),
            );
            fc.assert(fc.property(files, vars, (f, v) => buildInputsHash(asFiles(f).reverse(), v) === buildInputsHash(asFiles(f), v)));
        });
    });

    describe("readBuildFiles", () => {
        it("reads every file the twine-app build reads, and nothing it does not", () => {
            const paths = readBuildFiles(APP_TEMPLATE_DIR).map(f => f.path);
            for (const needed of [
                APP_TEMPLATE_FILE,
                "plugins.pkr.hcl",
                "scripts/twine.sh",
                "scripts/cleanup.sh",
                "files/cloudwatch-agent.json",
                "http/user-data",
                "box.Vagrantfile",
            ]) {
                assert.ok(paths.includes(needed), `${needed} feeds the build`);
            }
            for (const ignored of ["README.md", "Vagrantfile", ".gitignore"]) {
                assert.ok(!paths.includes(ignored), `${ignored} does not feed the build`);
            }
            assert.deepEqual(paths, [...paths].sort());
        });

        it("ignores build outputs left in the folder", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-build-files-"));
            fs.mkdirSync(path.join(dir, "scripts"));
            fs.mkdirSync(path.join(dir, "output-qemu"));
            fs.writeFileSync(path.join(dir, "t.pkr.hcl"), "x");
            fs.writeFileSync(path.join(dir, "scripts", "a.sh"), "y");
            fs.writeFileSync(path.join(dir, "output-qemu", "disk.qcow2"), "z");
            fs.writeFileSync(path.join(dir, "manifest.json"), "{}");
            assert.deepEqual(
                readBuildFiles(dir).map(f => f.path),
                ["scripts/a.sh", "t.pkr.hcl"],
            );
        });
    });

    describe("plugin pins", () => {
        const plugins = (amazon: string) => ({
            path: "plugins.pkr.hcl",
            content: [
                "packer {",
                '  required_version = ">= 1.7.0"',
                "  required_plugins {",
                `    amazon = {\n      version = "${amazon}"\n      source  = "github.com/hashicorp/amazon"\n    }`,
                '    qemu = {\n      source  = "github.com/hashicorp/qemu"\n      version = "1.1.0"\n    }',
                "  }",
                "}",
                'variable "tags" {\n  default = { version = ">= 9" }\n}',
                "",
            ].join("\n"),
        });

        it("the app template pins every plugin its builders use to one version", () => {
            const pins = pluginPins(readBuildFiles(APP_TEMPLATE_DIR));
            assert.deepEqual(pins.map(p => p.source).sort(), [
                "github.com/hashicorp/amazon",
                "github.com/hashicorp/qemu",
                "github.com/hashicorp/vagrant",
            ]);
            for (const pin of pins) assert.match(pin.version, /^= \d+\.\d+\.\d+$/, `${pin.name}: ${pin.version}`);
            assert.deepEqual(pluginPinProblems(readBuildFiles(APP_TEMPLATE_DIR)), []);
        });

        it("reports a range, with the plugin and the fix, and reads only the required_plugins block", () => {
            assert.deepEqual(pluginPinProblems([plugins("= 1.3.3")]), []);
            for (const range of [">= 1.3.0", "~> 1", "> 1.0, < 2.0", ""]) {
                const [problem, ...rest] = pluginPinProblems([plugins(range)]);
                assert.deepEqual(rest, [], range);
                assert.match(
                    problem,
                    /^plugin amazon \(github\.com\/hashicorp\/amazon\) has version ".*": not one version\. Fix: pin it exactly/,
                );
            }
            assert.deepEqual(
                pluginPins([plugins("= 1.3.3")]).map(p => [p.name, p.version]),
                [
                    ["amazon", "= 1.3.3"],
                    ["qemu", "1.1.0"],
                ],
            );
        });

        it("a pin is a build input: moving it changes the rebuild trigger", () => {
            assert.notEqual(buildInputsHash([...FILES, plugins("= 1.3.3")], VARS), buildInputsHash([...FILES, plugins("= 1.3.4")], VARS));
        });

        it("PackerImage refuses a folder with a range before it declares anything", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-plugin-pins-"));
            try {
                fs.writeFileSync(path.join(dir, "t.pkr.hcl"), 'source "amazon-ebs" "t" {}\n');
                fs.writeFileSync(path.join(dir, "plugins.pkr.hcl"), plugins(">= 1.3.0").content);
                await assert.rejects(
                    serialPlan(() =>
                        runProgram(() => {
                            new PackerImage("app", {
                                templateDir: dir,
                                templateFile: "t.pkr.hcl",
                                source: "amazon-ebs.t",
                                region: "eu-west-1",
                            });
                        }),
                    ),
                    /plugin amazon .* has version ">= 1\.3\.0": not one version/,
                );
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("amiIdFromManifest", () => {
        const manifest = (builds: object[], last = "run-2") => JSON.stringify({ builds, last_run_uuid: last });

        it("takes the amazon-ebs artifact of the last run, in the region", () => {
            const json = manifest([
                { builder_type: "amazon-ebs", artifact_id: "eu-west-1:ami-0000000000000000a", packer_run_uuid: "run-1" },
                { builder_type: "qemu", artifact_id: "twine-app.qcow2", packer_run_uuid: "run-2" },
                {
                    builder_type: "amazon-ebs",
                    artifact_id: "us-east-1:ami-0000000000000000c,eu-west-1:ami-0000000000000000b",
                    packer_run_uuid: "run-2",
                },
            ]);
            assert.equal(amiIdFromManifest(json, "eu-west-1"), "ami-0000000000000000b");
            assert.equal(amiIdFromManifest(json, "us-east-1"), "ami-0000000000000000c");
        });

        it("fails clearly when the build made no AMI there, or printed something else", () => {
            assert.throws(
                () => amiIdFromManifest(manifest([{ builder_type: "qemu", artifact_id: "x", packer_run_uuid: "run-2" }]), "eu-west-1"),
                /records no AMI in eu-west-1/,
            );
            assert.throws(() => amiIdFromManifest("==> amazon-ebs: AMI: ami-0123", "eu-west-1"), /not JSON/);
        });

        it("gives no id, rather than throwing, for a build that did not run (`up --exclude` resolves its stdout empty)", () => {
            assert.equal(amiIdOfBuild(undefined, "eu-west-1"), undefined);
            assert.equal(amiIdOfBuild("", "eu-west-1"), undefined);
            assert.throws(() => amiIdOfBuild("{}", "eu-west-1"), /records no AMI/);
        });
    });

    describe("the repository gate: the bake waits for the pinned packages", () => {
        const pool = ["pool/main/t/twine/twine_2026.11.2-1_amd64.deb", "pool/main/t/twine/twine-worker_2026.11.3-1_amd64.deb"];

        it("finds a package missing at the pinned version, and none once it is published", () => {
            assert.deepEqual(missingPackages([], ["twine"], "2026.11.3-1"), ["twine"]);
            assert.deepEqual(missingPackages(pool, ["twine", "twine-worker"], "2026.11.3-1"), ["twine"]);
            const published = [...pool, "pool/main/t/twine/twine_2026.11.3-1_amd64.deb"];
            assert.deepEqual(missingPackages(published, ["twine", "twine-worker"], "2026.11.3-1"), []);
            // The pool's file name drops the epoch; a key outside the pool is not a published package.
            assert.deepEqual(missingPackages(published, ["twine"], "1:2026.11.3-1"), []);
            assert.deepEqual(missingPackages(["dists/twine_2026.11.3-1_amd64.deb"], ["twine"], "2026.11.3-1"), ["twine"]);
        });

        it("lists the exact key prefix of the pinned package, not the whole pool (S3 returns 1,000 keys a page)", () => {
            assert.equal(packagePoolPrefix("twine", "2026.11.3-1"), "pool/main/t/twine/twine_2026.11.3-1_");
            assert.equal(packagePoolPrefix("twine", "1:2026.11.3-1"), "pool/main/t/twine/twine_2026.11.3-1_");
            assert.equal(packagePoolPrefix("libtwine", "2"), "pool/main/libt/libtwine/libtwine_2_");
            const published = `${packagePoolPrefix("twine", "2026.11.3-1")}amd64.deb`;
            assert.deepEqual(missingPackages([published], ["twine"], "2026.11.3-1"), []);
        });

        it("says what is missing, where, and how to publish it; nothing once all is there", () => {
            assert.match(
                unpublishedMessage(["twine"], "2026.11.3-1", "b"),
                /s3:\/\/b\) has no twine at 2026\.11\.3-1.*Fix: run the twine-release/,
            );
            assert.equal(unpublishedMessage([], "2026.11.3-1", "b"), "");
        });
    });

    it("passes variables as PKR_VAR_*: strings verbatim, lists and numbers as HCL literals", () => {
        assert.deepEqual(packerEnvironment({ region: "eu-west-1", ami_users: ["444444444444"], root_volume_size: 16 }), {
            PKR_VAR_ami_users: '["444444444444"]',
            PKR_VAR_region: "eu-west-1",
            PKR_VAR_root_volume_size: "16",
        });
    });

    describe("the build command", () => {
        const required = requiredPackerVersion(readBuildFiles(APP_TEMPLATE_DIR));
        const command = packerBuildCommand("amazon-ebs.twine-app", required);
        const runCommand = (bin?: string) =>
            spawnSync("/bin/sh", ["-c", command], {
                cwd: APP_TEMPLATE_DIR,
                env: { ...process.env, PATH: bin ? `${bin}:${process.env.PATH}` : process.env.PATH },
                encoding: "utf8",
            });

        /** A stand-in `packer` of the given version that logs its arguments and writes a manifest where -var manifest_path says. */
        function fakePacker(version: string): { bin: string; log: string } {
            const bin = fs.mkdtempSync(path.join(os.tmpdir(), "twine-fake-packer-"));
            const log = path.join(bin, "calls.log");
            fs.writeFileSync(
                path.join(bin, "packer"),
                `#!/usr/bin/env bash
echo "$*" >>"${log}"
case "$1" in
  version) echo "Packer v${version}" ;;
  init) exit 0 ;;
  build)
    for arg in "$@"; do case "$arg" in manifest_path=*) manifest="\${arg#manifest_path=}" ;; esac; done
    echo "==> amazon-ebs.twine-app: AMI: ami-0ffffffffffffffff (log lines are not parsed)"
    printf '{"builds":[{"builder_type":"amazon-ebs","artifact_id":"eu-west-1:ami-0123456789abcdef0",' >"$manifest"
    printf '"packer_run_uuid":"r"}],"last_run_uuid":"r"}' >>"$manifest" ;;
esac
`,
                { mode: 0o755 },
            );
            return { bin, log };
        }
        const calls = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);

        it("does not start Packer while the bake is not ready: the gate fails, saying why; the build never reads the verdict", () => {
            const gate = (env: NodeJS.ProcessEnv) => spawnSync("/bin/sh", ["-c", GATE_COMMAND], { env, encoding: "utf8" });
            const stopped = gate({ PATH: process.env.PATH, [NOT_READY_ENV]: "the apt repository has no twine at 1" });
            assert.notEqual(stopped.status, 0);
            assert.match(stopped.stderr, /^PackerImage: the apt repository has no twine at 1$/m);
            assert.equal(gate({ PATH: process.env.PATH }).status, 0);
            assert.ok(!command.includes(NOT_READY_ENV), "the verdict is no input of the build");
        });

        it("reads the oldest Packer the template folder accepts from its required_version", () => {
            assert.equal(required, "1.7.0");
            assert.throws(() => requiredPackerVersion([{ path: "a.pkr.hcl", content: "build {}" }]), /found 0/);
        });

        it("is a POSIX sh script that passes shellcheck", () => {
            const result = spawnSync("shellcheck", ["--shell=sh", "-"], { input: command, encoding: "utf8" });
            assert.ok(!result.error, "shellcheck is not installed. Fix: run `bash scripts/setup.sh` as root");
            assert.equal(result.status, 0, result.stdout);
        });

        it("refuses Debian's Packer 1.6 (the real one) with a message naming the version needed, before any build", () => {
            const result = runCommand();
            assert.notEqual(result.status, 0);
            assert.match(result.stderr, /is Packer 1\.6\.\d+; this template needs >= 1\.7\.0 .*Fix: put Packer >= 1\.7\.0 first on PATH/);
            assert.equal(result.stdout, "", "no manifest");
            assert.doesNotMatch(result.stderr, /==>|Build '/, "no build started");
        });

        it("refuses an older stand-in the same way, and never runs init or build with it", () => {
            const { bin, log } = fakePacker("1.6.6");
            const result = runCommand(bin);
            assert.notEqual(result.status, 0);
            assert.deepEqual(calls(log), ["version"]);
        });

        it("Packer >= 1.7: runs init, builds the folder, prints only the manifest", () => {
            const { bin, log } = fakePacker("1.11.2");
            const result = runCommand(bin);
            assert.equal(result.status, 0, result.stderr);
            // stdout is the manifest alone; the build log went to stderr.
            assert.equal(amiIdFromManifest(result.stdout, "eu-west-1"), "ami-0123456789abcdef0");
            assert.match(result.stderr, /log lines are not parsed/);
            const build = calls(log).find(c => c.startsWith("build "))!;
            assert.match(build, /-only=amazon-ebs\.twine-app/);
            assert.ok(calls(log).includes("init ."));
            assert.ok(build.endsWith(" ."), build);
        });
    });
});

describe("image sharing", () => {
    const policy = imageKeyPolicy({ ownerAccountId: "333333333333", consumerAccountIds: ["444444444444"] });
    const statement = (sid: string) => policy.Statement.find(s => s.Sid === sid)!;
    const prodAsg = "arn:aws:iam::444444444444:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

    it("names the Auto Scaling service-linked role", () => {
        assert.equal(autoScalingServiceLinkedRoleArn("444444444444"), prodAsg);
    });

    it("lets the owner administer the key, and nobody else", () => {
        const admin = policy.Statement.filter(s => s.Action === "kms:*");
        assert.deepEqual(
            admin.map(s => s.Principal),
            [{ AWS: "arn:aws:iam::333333333333:root" }],
        );
    });

    it("lets prod use the key, and create grants only for its Auto Scaling role", () => {
        assert.deepEqual(statement("ConsumerAccountsUseKey").Principal, { AWS: ["arn:aws:iam::444444444444:root"] });
        assert.ok((statement("ConsumerAccountsUseKey").Action as string[]).includes("kms:Decrypt"));
        assert.ok(!(statement("ConsumerAccountsUseKey").Action as string[]).some(a => /Delete|Disable|Put|ScheduleKeyDeletion/.test(a)));
        assert.deepEqual(statement("ConsumerAccountsGrantToTheirAutoScaling").Condition, {
            StringEquals: { "kms:GranteePrincipal": [prodAsg] },
        });
    });

    it("names accounts only as principals, never a role: KMS refuses a policy naming a role that does not exist yet", () => {
        const principals = policy.Statement.flatMap(s => [(s.Principal as { AWS: string | string[] }).AWS].flat());
        assert.deepEqual([...new Set(principals)].sort(), ["arn:aws:iam::333333333333:root", "arn:aws:iam::444444444444:root"]);
        assert.doesNotMatch(JSON.stringify(policy.Statement.map(s => s.Principal)), /aws-service-role/);
    });

    it("grants Auto Scaling what launching from an encrypted snapshot takes", () => {
        for (const op of ["Decrypt", "CreateGrant", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "DescribeKey"]) {
            assert.ok((AUTOSCALING_GRANT_OPERATIONS as readonly string[]).includes(op), op);
        }
    });
});

function sorted(m: Record<string, string>): [string, string][] {
    return Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
