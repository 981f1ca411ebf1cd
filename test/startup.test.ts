import { strict as assert } from "assert";
import { committedPlanOf } from "./helpers/plans";
import { spawnSync } from "child_process";
import * as path from "path";
import { startupProbeEnv } from "../bench/probeEnv";
import { readStackSettings } from "../plan/stackFile";
import { REPO } from "./helpers/config";

/** Runs the program through the Pulumi language host's own entry, as `pulumi preview` does, against mocks. */
function probe() {
    const result = spawnSync(process.execPath, [path.join(REPO, "bench", "startupProbe.js")], {
        cwd: REPO,
        encoding: "utf8",
        env: startupProbeEnv(readStackSettings(REPO, "dns"), {}),
    });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as { registrations: number; typeCheck: boolean | null; swc: boolean | null };
}

describe("pulumi preview start-up", () => {
    it("runs the program without type-checking it: tests and CI do that once (tsconfig.json ts-node.transpileOnly)", async () => {
        const run = probe();
        assert.equal(run.typeCheck, false, "the language host's ts-node would type-check the program on every preview");
        assert.equal(run.swc, true, "the language host's ts-node would transpile through TypeScript's emitter (tsconfig.json ts-node.swc)");
        // The program ran to its end: it registered what the offline plan of the same stack records.
        assert.equal(run.registrations, (await committedPlanOf("dns")).resources.length);
    });
});
