/**
 * The tools scripts/deploy-tools.sh installs for a dev deploy: versions AWS and HashiCorp still support.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const SCRIPT = fs.readFileSync(path.join(__dirname, "..", "scripts", "deploy-tools.sh"), "utf8");

/** A dotted version as numbers, for ordering. */
function parts(version: string): number[] {
    return version.split(".").map(Number);
}

function atLeast(version: string, minimum: string): boolean {
    const [a, b] = [parts(version), parts(minimum)];
    for (let k = 0; k < Math.max(a.length, b.length); k++) {
        if ((a[k] ?? 0) !== (b[k] ?? 0)) return (a[k] ?? 0) > (b[k] ?? 0);
    }
    return true;
}

describe("deploy tools", () => {
    it("pins a Session Manager plugin AWS supports (>= 1.2.764.0), so Packer can reach its build instance", () => {
        const pinned = /^SESSION_MANAGER_PLUGIN_VERSION=(\d+(?:\.\d+){3})$/m.exec(SCRIPT)?.[1];
        assert.ok(pinned, "SESSION_MANAGER_PLUGIN_VERSION=<a.b.c.d> in scripts/deploy-tools.sh");
        // https://docs.aws.amazon.com/systems-manager/latest/userguide/plugin-version-history.html
        assert.ok(atLeast(pinned, "1.2.764.0"), `${pinned} is older than AWS's minimum supported 1.2.764.0`);
        // 1.2.889.0 was deprecated the day it was released.
        assert.notEqual(pinned, "1.2.889.0");
    });
});
