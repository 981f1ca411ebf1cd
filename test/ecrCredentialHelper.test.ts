/**
 * The Jenkins image's push logs in through Docker's ECR credential helper (no password in state): every machine
 * that runs a dev update must have the helper and a Docker config naming it for the image's registry. Deployments
 * runs get both from scripts/deploy-tools.sh, which scripts/ecr-credential-helper.sh does the work of; here it runs
 * for real with a stand-in apt-get, and the plan ties its argument to the image's registry.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ofType, organizationPlanOf, planOf } from "./helpers/plans";
import { REPO } from "./helpers/config";

const SCRIPT = path.join(REPO, "scripts", "ecr-credential-helper.sh");
const REGISTRY = "333333333333.dkr.ecr.eu-west-1.amazonaws.com";

/** Runs the script with a stand-in apt-get that logs its arguments, in a scratch Docker config folder. */
function run(
    registry: string,
    existingConfig?: object,
): { status: number | null; stderr: string; config?: any; mode?: number; apt: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ecr-helper-"));
    const bin = path.join(dir, "bin");
    const dockerConfig = path.join(dir, "docker");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "apt-get"), `#!/bin/sh\necho "$@" >> "${dir}/apt.log"\n`, { mode: 0o755 });
    // Only the tools the script runs are on its PATH, so a machine's own helper never hides the install step.
    for (const tool of ["install", "chmod"]) fs.symlinkSync(path.join("/usr/bin", tool), path.join(bin, tool));
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    if (existingConfig) {
        fs.mkdirSync(dockerConfig);
        fs.writeFileSync(path.join(dockerConfig, "config.json"), JSON.stringify(existingConfig));
    }
    // No docker-credential-ecr-login on this PATH: the script must install it.
    const env = { PATH: bin, HOME: dir, DOCKER_CONFIG: dockerConfig };
    const r = spawnSync("/bin/bash", [SCRIPT, registry], { env, encoding: "utf8" });
    const file = path.join(dockerConfig, "config.json");
    const apt = fs.existsSync(path.join(dir, "apt.log")) ? fs.readFileSync(path.join(dir, "apt.log"), "utf8") : "";
    const out = fs.existsSync(file) ? { config: JSON.parse(fs.readFileSync(file, "utf8")), mode: fs.statSync(file).mode & 0o777 } : {};
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, stderr: r.stderr, apt, ...out };
}

describe("ECR credential helper for Deployments runs (scripts/ecr-credential-helper.sh)", () => {
    it("installs Debian's amazon-ecr-credential-helper and names ecr-login for the registry, keeping the config's other entries", () => {
        const existing = { auths: { "ghcr.io": {} }, credHelpers: { "public.ecr.aws": "ecr-login" } };
        const r = run(REGISTRY, existing);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.apt, /install .*amazon-ecr-credential-helper/);
        assert.deepEqual(r.config, { ...existing, credHelpers: { "public.ecr.aws": "ecr-login", [REGISTRY]: "ecr-login" } });
        assert.equal(r.mode, 0o600);
    });

    it("creates the Docker config when there is none", () => {
        const r = run(REGISTRY);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.config, { credHelpers: { [REGISTRY]: "ecr-login" } });
    });

    it("refuses what is not an ECR registry host, before installing or writing anything", () => {
        for (const bad of ["", "docker.io", `${REGISTRY}/twine/jenkins-dev`]) {
            const r = run(bad);
            assert.equal(r.status, 1, bad);
            assert.match(r.stderr, /is not an ECR registry/);
            assert.equal(r.apt, "");
            assert.equal(r.config, undefined);
        }
    });
});

describe("ECR credential helper: Deployments' pre-run configures the registry the Jenkins image is pushed to (dev plan)", () => {
    it("runs deploy-tools.sh with the host of the image's registry, the key Docker looks credHelpers up by", async () => {
        const plan = await planOf("dev");
        const [image] = ofType(plan, "docker:index/image:Image");
        const server = String((image.inputs as any).registry.server);
        assert.match(server, /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/);
        const settings = ofType(await organizationPlanOf(), "pulumiservice:index:DeploymentSettings").find(s => s.inputs.stack === "dev")!;
        const commands: string[] = (settings.inputs as any).operationContext.preRunCommands;
        assert.ok(commands.includes(`bash scripts/deploy-tools.sh ${server}`), JSON.stringify(commands));
        // and deploy-tools.sh hands its argument to the helper script
        const tools = fs.readFileSync(path.join(REPO, "scripts", "deploy-tools.sh"), "utf8");
        assert.match(tools, /ecr-credential-helper\.sh" "\$1"/);
    });
});
