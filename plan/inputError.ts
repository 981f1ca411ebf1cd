/**
 * A mistake in what the user gave the offline plan (a stack file, a flag, a path): the command line prints its
 * message alone, without a stack trace, and exits 2. Each problem names the file, the line when there is one,
 * the key when there is one, why it is wrong and the fix.
 */
import * as path from "path";
import { editDistance } from "../config/load";

export interface InputProblem {
    readonly file: string;
    readonly line?: number;
    readonly key?: string;
    /** The value at the key, when the problem is with it. */
    readonly value?: unknown;
    readonly why: string;
    readonly fix: string;
}

/** A file as the user would type it: relative to the working directory when it is inside it. */
export function shownPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** "Pulumi.dev.yaml:12: twine-infra:stacks.bastion = "x/y/z": why. Fix: fix" */
export function formatProblem(p: InputProblem): string {
    const subject = p.key ? `${p.key}${p.value !== undefined ? ` = ${JSON.stringify(p.value)}` : ""}: ` : "";
    return `${shownPath(p.file)}${p.line ? `:${p.line}` : ""}: ${subject}${p.why}${/[.?!]$/.test(p.why) ? "" : "."} Fix: ${p.fix}`;
}

export class InputError extends Error {
    readonly problems: readonly InputProblem[];
    constructor(problems: InputProblem | readonly InputProblem[]) {
        const list = Array.isArray(problems) ? (problems as readonly InputProblem[]) : [problems as InputProblem];
        super(list.length === 1 ? formatProblem(list[0]) : `${list.length} problems:\n - ${list.map(formatProblem).join("\n - ")}`);
        this.name = "InputError";
        this.problems = list;
        Object.setPrototypeOf(this, InputError.prototype);
    }
}

/** The closest candidate within a few edits, or undefined. */
export function closest(word: string, candidates: Iterable<string>, maxDistance = 3): string | undefined {
    let best: string | undefined;
    let bestDistance = maxDistance + 1;
    for (const candidate of candidates) {
        const d = editDistance(word, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best;
}
