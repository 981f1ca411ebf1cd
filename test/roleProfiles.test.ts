/**
 * Cross-account providers reach their role through a profile (components/account/roleProfileConfig.ts): the same provider inputs in
 * a preview and an update, with the role chosen by who runs the program.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { isPreviewIdentity, roleForCaller, roleProfileIni } from "../components/account/roleProfileConfig";
import { assumedRoleArn } from "../plan/providerRole";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const WRITE = "arn:aws:iam::111111111111:role/twine-dns-delegation-dev";

describe("role profiles of the cross-account providers", () => {
    it("picks the read-only counterpart for a stack's preview session, the role itself for anyone else", () => {
        assert.equal(roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/pulumi-dev-preview/GitHubActions"), `${WRITE}-read`);
        assert.equal(
            roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/pulumi-dev-preview/pulumi-deployments-dev"),
            `${WRITE}-read`,
        );
        assert.equal(roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/pulumi-dev-deploy/pulumi-deployments-dev"), WRITE);
        assert.equal(roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_Admin_0123/alice"), WRITE);
        // Names that only look like a preview role are not one.
        assert.equal(isPreviewIdentity("arn:aws:sts::333333333333:assumed-role/pulumi-dev-preview-admin/x"), false);
        assert.equal(isPreviewIdentity("arn:aws:iam::333333333333:role/pulumi-dev-preview"), false);
    });

    it("writes a profile that assumes the role from the environment's credentials, which the plan reads back", () => {
        const ini = roleProfileIni({ profile: "twine-dns-delegation-dev", roleArn: WRITE, sessionName: "twine-infra-dev-dns" });
        assert.equal(
            ini,
            `[profile twine-dns-delegation-dev]\nrole_arn = ${WRITE}\nrole_session_name = twine-infra-dev-dns\n` +
                "credential_source = Environment\n",
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "profiles-"));
        fs.writeFileSync(path.join(dir, "p.ini"), ini);
        assert.equal(assumedRoleArn({ profile: "twine-dns-delegation-dev", sharedConfigFiles: ["p.ini"] }, dir), WRITE);
        assert.equal(assumedRoleArn({ profile: "other", sharedConfigFiles: ["p.ini"] }, dir), undefined);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("role profiles: a preview and an update of the same stack", () => {
    it("configure the cross-account providers with the same inputs, while the profiles name different roles", function () {
        // Run in a child process from a scratch folder: the preview's profiles must not replace the ones other test
        // files read in the repository folder.
        this.timeout(600_000);
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "profiles-plan-"));
        const repo = path.resolve(__dirname, "..");
        const script = `
            require(${JSON.stringify(require.resolve("ts-node/register/transpile-only"))});
            const { planStack } = require(${JSON.stringify(path.join(repo, "plan", "run"))});
            const { assumedRoleArn } = require(${JSON.stringify(path.join(repo, "plan", "providerRole"))});
            const providers = plan => plan.resources.filter(r => r.type === "pulumi:providers:aws" && r.inputs.profile)
                .map(r => ({ name: r.name, inputs: r.inputs, role: assumedRoleArn(r.inputs) }));
            (async () => {
                const update = providers(await planStack("dev"));
                const preview = providers(await planStack("dev", { callerRole: "pulumi-dev-preview" }));
                process.stdout.write(JSON.stringify({ update, preview }));
            })().catch(e => { console.error(e); process.exit(1); });`;
        const env = { ...process.env, TS_NODE_PROJECT: path.join(repo, "tsconfig.json") };
        const run = spawnSync(process.execPath, ["-e", script], { cwd: scratch, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(run.status, 0, run.stderr);
        const { update, preview } = JSON.parse(run.stdout) as Record<
            "update" | "preview",
            { name: string; inputs: unknown; role: string }[]
        >;
        assert.deepEqual(update.map(p => p.name).sort(), ["dev-bastion-peering", "dev-dns"]);
        // What the engine diffs, the provider's inputs, is byte for byte the same: no provider update, no replacement.
        assert.deepEqual(
            preview.map(p => [p.name, p.inputs]),
            update.map(p => [p.name, p.inputs]),
        );
        assert.deepEqual(
            preview.map(p => p.role),
            update.map(p => `${p.role}-read`),
        );
        fs.rmSync(scratch, { recursive: true, force: true });
    });
});
