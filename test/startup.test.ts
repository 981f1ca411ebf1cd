import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { readStackSettings } from "../plan/stackFile";
import { REPO } from "./helpers/config";

/** Runs the program through the Pulumi language host's own entry, as `pulumi preview` does, against mocks. */
function probe(extraEnv: Record<string, string> = {}) {
    const settings = readStackSettings(REPO, "dns");
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(TS_NODE_|PULUMI_)/.test(k)) env[k] = v;
    const result = spawnSync(process.execPath, [path.join(REPO, "bench", "startupProbe.js")], {
        cwd: REPO,
        encoding: "utf8",
        env: {
            ...env,
            PULUMI_CONFIG: JSON.stringify(settings.config),
            PULUMI_NODEJS_TYPESCRIPT: "true",
            TWINE_PROBE_PROJECT: settings.project,
            TWINE_PROBE_STACK: "dns",
            TWINE_PROBE_ACCOUNT: settings.config["twine-infra:accountId"],
            TWINE_PROBE_REGION: settings.config["aws:region"],
            ...extraEnv,
        },
    });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as { registrations: number; typeCheck: boolean | null };
}

describe("pulumi preview start-up", () => {
    it("runs the program without type-checking it: tests and CI do that once (tsconfig.json ts-node.transpileOnly)", () => {
        const run = probe();
        assert.equal(run.typeCheck, false, "the language host's ts-node would type-check the program on every preview");
        // The dns program declares its provider and the apex zone, beside the stack itself.
        assert.equal(run.registrations, 3);
    });
});
