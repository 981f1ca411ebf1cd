/**
 * Inputs that would change on every `pulumi up` although nothing changed (a perpetual diff): timestamps, random
 * values, and JSON documents whose keys are not in a stable order. Runs over a recorded plan.
 */
import { mockedOutputs, stringLeaves } from "./replay";
import { Plan } from "./run";

/** An input that would differ between two runs of the same code and config. */
export interface UnstableInput {
    readonly urn: string;
    readonly value: string;
    readonly why: string;
}

const ISO_TIMESTAMP = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const DATE_STRING = /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2} \d{4}\b/;
const UUID_V4 = /\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b/i;
/** Unix time in seconds or milliseconds between 2017 and 2049: what Date.now() or a build stamp looks like. */
const EPOCH = /^(1[5-9]\d{8}|2[0-4]\d{8}|1[5-9]\d{11}|2[0-4]\d{11})$/;

/** Paths (a.b[0].c) of objects inside a JSON value whose keys are not sorted. */
export function unsortedKeyPaths(value: unknown, at = "$"): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => unsortedKeyPaths(v, `${at}[${i}]`));
    if (!value || typeof value !== "object") return [];
    const keys = Object.keys(value);
    const own = keys.some((k, i) => i > 0 && keys[i - 1] > k) ? [at] : [];
    return [...own, ...keys.flatMap(k => unsortedKeyPaths((value as Record<string, unknown>)[k], `${at}.${k}`))];
}

/** Why a single input value is unstable, or undefined. Values listed in `ids` are mocked ids, not data. */
export function instability(value: string | number, ids: ReadonlySet<string> = new Set()): string | undefined {
    const text = String(value);
    // A whole number of mebibytes (an alarm's byte threshold) is a size, not a clock reading.
    if (EPOCH.test(text) && !(typeof value === "number" && value % 1048576 === 0)) return "looks like a Unix time";
    if (typeof value === "number") return undefined;
    if (ISO_TIMESTAMP.test(text) || DATE_STRING.test(text)) return "embeds a timestamp";
    const uuid = UUID_V4.exec(text)?.[0];
    if (uuid && ![...ids].some(id => id.includes(uuid))) return `embeds a random UUID (${uuid})`;
    if (/^\s*[[{]/.test(text)) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch {
            return undefined;
        }
        const unsorted = unsortedKeyPaths(parsed);
        if (unsorted.length > 0) return `is JSON with keys out of order at ${unsorted.join(", ")} (render it with stableJson)`;
    }
    return undefined;
}

/** Every input of the plan that would differ between runs. */
export function unstableInputs(plan: Plan): UnstableInput[] {
    const ids = new Set([...mockedOutputs(plan).values()].flat());
    const found: UnstableInput[] = [];
    const numbers = (value: unknown, out: number[] = []): number[] => {
        if (typeof value === "number") out.push(value);
        else if (value && typeof value === "object") Object.values(value).forEach(v => numbers(v, out));
        return out;
    };
    for (const r of plan.resources) {
        for (const value of [...stringLeaves(r.inputs), ...numbers(r.inputs)]) {
            const why = instability(value, ids);
            if (why) found.push({ urn: r.urn, value: String(value), why });
        }
    }
    return found;
}
