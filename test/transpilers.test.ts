import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanEnv } from "../bench/probeEnv";
import { REPO } from "./helpers/config";

/** `npm run plan -- prod` in a fresh process, through the transpiler the given ts-node project file selects. */
function planThrough(project: string, out: string): string {
    const result = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "scripts/plan.ts", "prod", "--out", out], {
        cwd: REPO,
        encoding: "utf8",
        env: cleanEnv({ TS_NODE_PROJECT: project }),
    });
    assert.equal(result.status, 0, result.stderr);
    return fs.readFileSync(out, "utf8");
}

describe("transpilers", () => {
    it("the prod plan (dns, bastion, dev and prod evaluated) is byte for byte the same through swc and TypeScript's emitter", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-transpilers-"));
        try {
            const swc = planThrough("tsconfig.json", path.join(dir, "swc.json"));
            const typescript = planThrough("tsconfig.typescript.json", path.join(dir, "typescript.json"));
            assert.ok(swc.length > 100_000, "the plan is suspiciously small");
            assert.ok(
                swc === typescript,
                "the plans differ: compare `npm run plan -- prod` with and without TS_NODE_PROJECT=tsconfig.typescript.json",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("mocha itself runs the tests through swc, as tsconfig.json says", () => {
        const instance = (process as unknown as Record<symbol, { options: { swc?: boolean; transpileOnly?: boolean } } | undefined>)[
            Symbol.for("ts-node.register.instance")
        ];
        assert.ok(instance, "ts-node is not registered in this process");
        assert.equal(instance.options.swc, true);
        assert.equal(instance.options.transpileOnly, true);
    });
});
