/**
 * The SDK records a stack trace for every promise it creates (`debuggablePromise` in @pulumi/pulumi/runtime/
 * debuggable.js, read only to report leaked promises) by reading `new Error().stack` at once, so each one is
 * formatted on the spot: tens of thousands per plan. Under ts-node each goes through source-map-support, which
 * clones and maps every frame; in a CPU profile of the prod plan that was over a third of the run. Those traces
 * keep V8's plain format here (positions in the transpiled files, as a plain Node program prints them); every
 * other stack trace, a failing program's included, is still mapped back to the TypeScript source.
 */

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const SDK_PROMISE_FILE = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;

/** True for the trace `debuggablePromise` records: its own frame comes first. */
export function isSdkPromiseTrace(frames: readonly NodeJS.CallSite[]): boolean {
    const top = frames[0];
    return top !== undefined && top.getFunctionName() === "debuggablePromise" && SDK_PROMISE_FILE.test(top.getFileName() ?? "");
}

/** V8's own format: "Error: message" then one "    at <frame>" line per frame. */
export function plainStackTrace(error: Error, frames: readonly NodeJS.CallSite[]): string {
    const head = Error.prototype.toString.call(error);
    return frames.length === 0 ? head : `${head}\n    at ${frames.join("\n    at ")}`;
}

const installed = Symbol.for("twine.plan.promiseTraces");

/** Wraps the installed Error.prepareStackTrace (source-map-support's, under ts-node) once per process. */
export function skipMappingSdkPromiseTraces(): void {
    const mapped = Error.prepareStackTrace as PrepareStackTrace | undefined;
    if (!mapped || (mapped as unknown as Record<symbol, boolean>)[installed]) return; // nothing maps traces, or done
    const prepare: PrepareStackTrace = (error, frames) =>
        isSdkPromiseTrace(frames) ? plainStackTrace(error, frames) : mapped(error, frames);
    Object.defineProperty(prepare, installed, { value: true });
    Error.prepareStackTrace = prepare as typeof Error.prepareStackTrace;
}
