/**
 * The "before" side of `--diff`: a plan JSON written earlier, or the plan of a git revision, made by that
 * revision's own program and command line (its code and its stack files), in a scratch copy of the tree.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InputError, shownPath } from "./inputError";
import { Plan } from "./run";

function isPlan(value: unknown): value is Plan {
    const v = value as Partial<Plan> | null;
    return !!v && typeof v === "object" && typeof v.stack === "string" && Array.isArray(v.resources) && typeof v.outputs === "object";
}

function git(repo: string, args: string[]) {
    return spawnSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

/** Reads a plan JSON; refuses a file that is not one, naming it. */
export function readPlanFile(file: string): Plan {
    let value: unknown;
    try {
        value = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new InputError({
            file,
            why: `--diff needs a plan JSON (from plan <stack> --out <file>): ${(err as Error).message}`,
            fix: "give a plan file or a git revision",
        });
    }
    if (!isPlan(value))
        throw new InputError({
            file,
            why: "--diff needs a plan JSON, and this has no stack, resources and outputs",
            fix: "write one with plan <stack> --out <file>",
        });
    return value;
}

/**
 * Where the plan of a revision is kept: a commit fixes the code and the stack files, and the installed packages
 * (shared with the scratch tree) are keyed by npm's record of them, so the same key always gives the same plan.
 */
export function revisionPlanCacheFile(
    repo: string,
    commit: string,
    stack: string,
    cacheDir = path.join(repo, ".cache", "diff-base"),
): string {
    let installed = "";
    try {
        installed = fs.readFileSync(path.join(repo, "node_modules", ".package-lock.json"), "utf8");
    } catch {
        // no record: keyed by the commit alone
    }
    const packages = createHash("sha256").update(installed).digest("hex").slice(0, 12);
    return path.join(cacheDir, `${commit}-${stack}-${packages}.json`);
}

/** Plans `stack` as revision `ref` would, once per commit, stack and installed packages (about 20 s saved each time). */
export function planAtRevision(repo: string, ref: string, stack: string, cacheDir?: string): Plan {
    const commit = git(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).stdout.trim();
    const cached = revisionPlanCacheFile(repo, commit, stack, cacheDir);
    if (fs.existsSync(cached)) return readPlanFile(cached);
    const plan = planRevisionTree(repo, ref, commit, stack);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    // Written whole, then renamed: a concurrent run never reads half a file.
    fs.writeFileSync(`${cached}.${process.pid}`, JSON.stringify(plan));
    fs.renameSync(`${cached}.${process.pid}`, cached);
    return plan;
}

/** Plans `stack` as revision `ref` of the repository would: its tree exported to a scratch folder, sharing node_modules. */
function planRevisionTree(repo: string, ref: string, commit: string, stack: string): Plan {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "twine-diff-"));
    try {
        const archive = path.join(scratch, "tree.tar");
        const exported = git(repo, ["archive", "--format=tar", `--output=${archive}`, commit]);
        if (exported.status !== 0) throw new Error(`git archive ${commit} failed: ${exported.stderr}`);
        const tree = path.join(scratch, "tree");
        fs.mkdirSync(tree);
        const untar = spawnSync("tar", ["-xf", archive, "-C", tree], { encoding: "utf8" });
        if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
        if (!fs.existsSync(path.join(tree, `Pulumi.${stack}.yaml`))) {
            // The stack did not exist then: everything it declares now is new.
            return { stack, project: "", resources: [], outputs: {} };
        }
        fs.symlinkSync(path.join(repo, "node_modules"), path.join(tree, "node_modules"), "dir");
        const out = path.join(scratch, "plan.json");
        const run = spawnSync(
            process.execPath,
            [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/plan.ts", stack, "--out", out],
            {
                cwd: tree,
                encoding: "utf8",
                maxBuffer: 64 * 1024 * 1024,
            },
        );
        // Exit 3 (a mandatory policy violation) still writes the plan.
        if (!fs.existsSync(out)) {
            throw new InputError({
                file: `${ref}:Pulumi.${stack}.yaml`,
                why: `the plan of ${stack} at ${ref} (${commit.slice(0, 12)}) failed (exit ${run.status}):\n${run.stderr.trim()}`,
                fix: "diff against a revision whose plan runs, or a saved plan JSON",
            });
        }
        return readPlanFile(out);
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/**
 * Resolves --diff's argument before anything is planned: an existing file must be a plan JSON (read now), anything
 * else a git revision (planned when the returned function is called).
 */
export function oldPlan(repo: string, against: string, stack: string): { readonly label: string; readonly plan: () => Plan } {
    if (fs.existsSync(against)) {
        const plan = readPlanFile(against);
        return { label: shownPath(against), plan: () => plan };
    }
    if (git(repo, ["rev-parse", "--verify", "--quiet", `${against}^{commit}`]).status === 0) {
        return { label: `revision ${against}`, plan: () => planAtRevision(repo, against, stack) };
    }
    throw new InputError({
        file: against,
        key: "--diff",
        why: "is neither a plan file nor a git revision of this repository",
        fix: "give a plan JSON (plan <stack> --out old.json) or a revision (main, HEAD~1, a commit)",
    });
}
