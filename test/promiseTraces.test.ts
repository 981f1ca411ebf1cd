import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { isSdkPromiseTrace, plainStackTrace } from "../plan/promiseTraces";
import "../plan/run"; // installs the promise-trace formatting under test

describe("promise stack traces in the plan", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as {
        debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
    };

    it("keeps the trace the SDK records for each promise in V8's plain format, not mapped through source maps", () => {
        const p = Promise.resolve(1) as Promise<number> & { _debugStackTrace?: string };
        void debuggablePromise(p, "test"); // records the trace on p
        const lines = (p._debugStackTrace ?? "").split("\n");
        assert.equal(lines[0], "Error");
        assert.match(lines[1], /^ {4}at debuggablePromise \(.*[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js:\d+:\d+\)$/);
        assert.ok(
            lines.some(l => l.includes("promiseTraces.test.ts")),
            lines.join("\n"),
        );
    });

    it("still maps every other stack trace back to the TypeScript source", () => {
        const error = new Error("here"); // the line to find
        const expected =
            fs
                .readFileSync(__filename, "utf8")
                .split("\n")
                .findIndex(l => l.includes("// the line" + " to find")) + 1;
        const line = Number(/promiseTraces\.test\.ts:(\d+):\d+\)?$/m.exec(error.stack!.split("\n")[1])?.[1]);
        assert.equal(line, expected, `a stack trace of this file points at the transpiled output, not the source line:\n${error.stack}`);
    });

    it("recognises the SDK's trace by its first frame only", () => {
        const frame = (fn: string | null, file: string) =>
            ({ getFunctionName: () => fn, getFileName: () => file }) as unknown as NodeJS.CallSite;
        const sdkFile = path.join("node_modules", "@pulumi", "pulumi", "runtime", "debuggable.js");
        assert.equal(isSdkPromiseTrace([frame("debuggablePromise", sdkFile)]), true);
        assert.equal(isSdkPromiseTrace([frame("other", sdkFile)]), false);
        assert.equal(isSdkPromiseTrace([frame("debuggablePromise", "debuggable.ts")]), false);
        assert.equal(isSdkPromiseTrace([frame("x", "a.ts"), frame("debuggablePromise", sdkFile)]), false);
        assert.equal(isSdkPromiseTrace([]), false);
        assert.equal(plainStackTrace(new TypeError("bad"), []), "TypeError: bad");
    });
});
