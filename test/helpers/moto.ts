/**
 * Finds moto's AWS emulator (moto 5.2, Python), which the machine image provides: no registry it can reach offers it
 * (CI reaches npm and Debian apt only, and Debian does not package moto). Looked for on PATH, then where Python tool
 * managers put it when a login shell's PATH is not inherited (pyenv's shims), then as a module of a python3 found
 * there. The Python beside it also runs boto3, which moto depends on, to set up the account state a test needs.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Moto {
    /** The command that starts the server, before its `-H host -p port` arguments. */
    readonly server: readonly string[];
    /** A python3 that can import boto3 (the one moto runs on). */
    readonly python: string;
}

/** Directories searched after PATH, in order: pyenv's shims, pip's --user bin, /usr/local/bin (as scripts/setup.sh). */
export function motoSearchDirs(env: NodeJS.ProcessEnv): string[] {
    const home = env.HOME ?? "";
    const onPath = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
    const managed = [
        env.PYENV_ROOT ? path.join(env.PYENV_ROOT, "shims") : "",
        home ? path.join(home, ".pyenv", "shims") : "",
        home ? path.join(home, ".local", "bin") : "",
        "/usr/local/bin",
    ].filter(Boolean);
    return [...new Set([...onPath, ...managed])];
}

const isExecutable = (file: string) => {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
};

const importsMoto = (python: string, env: NodeJS.ProcessEnv) =>
    spawnSync(python, ["-c", "import moto.server, boto3"], { env, stdio: "ignore", timeout: 60_000 }).status === 0;

/** Where moto is, or an error naming what is missing, every place looked in, and how to fix it. */
export function findMoto(env: NodeJS.ProcessEnv = process.env): Moto {
    const dirs = motoSearchDirs(env);
    for (const dir of dirs) {
        const server = path.join(dir, "moto_server");
        if (!isExecutable(server)) continue;
        const beside = path.join(dir, "python3");
        return { server: [server], python: isExecutable(beside) && importsMoto(beside, env) ? beside : "python3" };
    }
    for (const dir of dirs) {
        const python = path.join(dir, "python3");
        if (isExecutable(python) && importsMoto(python, env)) return { server: [python, "-m", "moto.server"], python };
    }
    throw new Error(
        "moto's AWS emulator (moto_server, moto 5.2 with boto3) was not found: not as moto_server in " +
            `${dirs.join(", ")}, nor as the module moto.server of a python3 there. These tests start it on loopback. ` +
            "Fix: use the machine image that provides it, or put the directory holding moto_server on PATH.",
    );
}

/**
 * An event's arrays of objects as EventBridge matches them: a field under an array is the array of that field's
 * values in each element, and matches when any does (EventBridge User Guide, "Arrays in event patterns"; CloudTrail's
 * `items` lists, e.g. `requestParameters.ipPermissions.items.ipRanges.items.cidrIp`). moto 5.2's matcher flattens
 * only objects, so its decision on such a field is made over this form.
 */
export function flattenObjectArrays(value: unknown): unknown {
    if (Array.isArray(value)) {
        const flat = value.map(flattenObjectArrays);
        if (flat.length === 0 || !flat.every(v => v !== null && typeof v === "object" && !Array.isArray(v))) return flat;
        const merged: Record<string, unknown[]> = {};
        for (const element of flat as Record<string, unknown>[]) {
            for (const [key, v] of Object.entries(element)) (merged[key] ??= []).push(...(Array.isArray(v) ? v : [v]));
        }
        return Object.fromEntries(
            Object.entries(merged).map(([k, v]) => [k, v.every(x => x !== null && typeof x === "object") ? flattenObjectArrays(v) : v]),
        );
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flattenObjectArrays(v)]));
    }
    return value;
}

/**
 * Whether EventBridge's pattern matches each event, decided by moto's implementation of EventBridge's pattern
 * semantics (moto.events.models.EventPattern, the matcher behind its PutEvents and TestEventPattern), over the events'
 * arrays of objects as EventBridge reads them (flattenObjectArrays).
 */
export function eventPatternMatches(pattern: unknown, events: readonly unknown[]): boolean[] {
    const script = [
        "import json, sys",
        "from moto.events.models import EventPattern",
        "data = json.load(sys.stdin)",
        "p = EventPattern.load(json.dumps(data['pattern']))",
        "print(json.dumps([p.matches_event(e) for e in data['events']]))",
    ].join("\n");
    const run = spawnSync(findMoto().python, ["-c", script], {
        input: JSON.stringify({ pattern, events: events.map(flattenObjectArrays) }),
        encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`moto's EventPattern refused the pattern or an event: ${run.stderr}`);
    return JSON.parse(run.stdout) as boolean[];
}
