/**
 * A local stand-in for the app repository, for the release checks (images/jenkins/release-commit.sh) run with real git:
 * a release branch `main` that took one pull request as a merge commit (whose first commit added a backdoor that its
 * second removed) and one squashed, a side branch never merged, and tags on each.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "./config";

export const RELEASE_COMMIT_SCRIPT = path.join(REPO, "images", "jenkins", "release-commit.sh");

export const GIT_ENV = {
    PATH: "/usr/bin:/bin",
    GIT_AUTHOR_NAME: "Dev",
    GIT_AUTHOR_EMAIL: "dev@example.com",
    GIT_COMMITTER_NAME: "Dev",
    GIT_COMMITTER_EMAIL: "dev@example.com",
    GIT_CONFIG_NOSYSTEM: "1",
    HOME: os.tmpdir(),
};

export function git(cwd: string, ...args: string[]): string {
    const r = spawnSync("git", args, { cwd, encoding: "utf8", env: GIT_ENV });
    assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
}

export interface AppRepo {
    origin: string;
    /** first, merged (the merge commit), squashed, main's head: main's first-parent history; backdoor and fixed:
     * the merged pull request's own commits; unreviewed: the side branch's. */
    commits: Record<"first" | "backdoor" | "fixed" | "merged" | "squashed" | "unreviewed", string>;
    /** A directory holding `twine-release-commit` (the image's name for the script), to put first on PATH. */
    bin: string;
    /** The environment that points the script at this repository. */
    env: Record<string, string>;
}

export function makeAppRepo(root: string): AppRepo {
    const origin = path.join(root, "twine");
    fs.mkdirSync(origin);
    const commits: Record<string, string> = {};
    const commit = (name: string) => {
        fs.writeFileSync(path.join(origin, "file"), name);
        git(origin, "add", "file");
        git(origin, "commit", "-q", "-m", name);
        commits[name] = git(origin, "rev-parse", "HEAD");
    };
    git(origin, "init", "-q", "-b", "main");
    commit("first");
    git(origin, "tag", "-a", "-m", "release 1.0.0", "v1.0.0");
    // a pull request merged with a merge commit: its commits are ancestors of main, but only the merge was reviewed
    git(origin, "checkout", "-q", "-b", "pr");
    commit("backdoor");
    git(origin, "tag", "pr-backdoor");
    commit("fixed");
    git(origin, "checkout", "-q", "main");
    git(origin, "merge", "-q", "--no-ff", "-m", "merged", "pr");
    commits.merged = git(origin, "rev-parse", "HEAD");
    git(origin, "branch", "-D", "pr");
    // a side branch never merged, with a release-looking tag and a branch named like a reviewed commit
    git(origin, "checkout", "-q", "-b", "feature");
    commit("unreviewed");
    git(origin, "tag", "-a", "-m", "looks like a release", "v9.9.9");
    git(origin, "branch", commits.first, "feature");
    git(origin, "checkout", "-q", "main");
    commit("squashed");
    return { origin, commits: commits as AppRepo["commits"], ...releaseCheck(root, origin) };
}

/** The image's release check as the pipeline calls it (`twine-release-commit`, in `bin`), against `origin`. */
export function releaseCheck(root: string, origin: string): Pick<AppRepo, "bin" | "env"> {
    const bin = path.join(root, "release-bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(RELEASE_COMMIT_SCRIPT, path.join(bin, "twine-release-commit"));
    return { bin, env: { TWINE_APP_REPOSITORY: origin } };
}
