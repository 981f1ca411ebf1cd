/**
 * Load profiles for the capacity model, in YAML (plan/capacity/month-end-rush.yaml is the default). A malformed
 * profile is refused like a bad stack file: the file, the key, the value, why, and the fix.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { InputError, InputProblem } from "../inputError";
import type { LoadProfile } from "./model";

export const DEFAULT_PROFILE = path.join(__dirname, "month-end-rush.yaml");

const positive = z.number().positive();
const profileSchema = z.strictObject({
    name: z.string().min(1),
    durationSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 24 * 3600),
    stepSeconds: z.number().int().min(1).max(60),
    duringMonthEnd: z.boolean(),
    others: z.strictObject({ tenants: z.number().int().min(0).max(100_000), requestsPerSecond: z.number().min(0) }),
    rush: z.strictObject({
        requestsPerSecond: positive,
        multiplier: z.number().min(1).max(1000),
        startSecond: z.number().int().min(0),
        rampSeconds: z.number().int().min(0),
        addresses: z.number().int().min(1).max(100_000),
    }),
});

const FIXES: Record<string, string> = {
    stepSeconds: "use a step of 1 to 60 seconds (10 matches high-resolution metrics)",
    durationSeconds: "simulate at least a minute and at most a week, in whole seconds",
    rush: "give rush: {requestsPerSecond, multiplier, startSecond, rampSeconds, addresses}",
    others: "give others: {tenants, requestsPerSecond}",
};

/** Reads and checks a profile; every problem at once, each with its line. */
export function readProfile(file: string = DEFAULT_PROFILE): LoadProfile {
    if (!fs.existsSync(file)) throw new InputError({ file, key: "--profile", why: "the file does not exist", fix: "check the path" });
    const text = fs.readFileSync(file, "utf8");
    const document = parseDocument(text, { keepSourceTokens: true });
    if (document.errors.length > 0) {
        throw new InputError(
            document.errors.map(e => ({
                file,
                line: e.linePos?.[0].line,
                why: `not YAML: ${e.message.split("\n")[0]}`,
                fix: "fix the YAML syntax",
            })),
        );
    }
    const parsed = profileSchema.safeParse(document.toJS());
    if (!parsed.success) {
        const lineOf = (keys: (string | number)[]) => {
            const node = document.getIn(keys, true) as { range?: [number, number] } | undefined;
            return node?.range ? text.slice(0, node.range[0]).split("\n").length : undefined;
        };
        const problems: InputProblem[] = parsed.error.issues.map(issue => {
            const keys = issue.path.filter((k): k is string | number => typeof k === "string" || typeof k === "number");
            const key = keys.join(".");
            return {
                file,
                line: lineOf(keys),
                key: key || "(profile)",
                value: keys.length > 0 ? document.getIn(keys) : undefined,
                why: issue.message,
                fix: FIXES[key] ?? FIXES[String(keys[0])] ?? `see ${path.basename(DEFAULT_PROFILE)} for a valid profile`,
            };
        });
        throw new InputError(problems);
    }
    const profile = parsed.data;
    if (profile.rush.startSecond >= profile.durationSeconds) {
        throw new InputError({
            file,
            key: "rush.startSecond",
            value: profile.rush.startSecond,
            why: `the rush starts after the run ends (durationSeconds ${profile.durationSeconds})`,
            fix: "start the rush earlier or simulate longer",
        });
    }
    return profile;
}
