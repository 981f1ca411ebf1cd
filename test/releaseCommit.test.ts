/**
 * The release job publishes only reviewed code: APP_REF must resolve to a commit the app repository's release branch
 * reaches, and the publish agent checks that commit itself before anything is signed. The pipeline's own step (the
 * `sh` script of releaseCommit in images/jenkins/jobs/Jenkinsfile) runs here as Jenkins runs it (`sh -xe`), with
 * real git against a local app repository: a main branch, a side branch, and tags on each. Then the whole Jenkinsfile
 * runs with Groovy 2.4 (the line Jenkins embeds; test/helpers/jenkinsfileRun.groovy), each stage's steps in the
 * workspace of its agent, to show what reaches the publish step: a side branch, or a build agent that reports a
 * commit other than the one it checked, is refused before the publish agent unstashes or binds a credential.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "./helpers/config";

const JOBS = path.join(REPO, "images", "jenkins", "jobs");
const JENKINSFILE = fs.readFileSync(path.join(JOBS, "Jenkinsfile"), "utf8");
const CODE = JENKINSFILE.replace(/^\s*\/\/.*$/gm, "");
const ENVIRONMENT = Object.fromEntries([...JENKINSFILE.matchAll(/^\s+(\w+) = '([^']*)'$/gm)].map(m => [m[1], m[2]]));

/** The script of the one returnStdout step, which resolves and checks the ref. */
function checkScript(): string {
    const scripts = [...JENKINSFILE.matchAll(/sh\(returnStdout: true, script: '''([\s\S]*?)'''\)/g)].map(m => m[1]);
    assert.equal(scripts.length, 1, "the Jenkinsfile has one step that resolves APP_REF to a commit");
    // Groovy's ''' strings would read backslash escapes; the test runs the text as written, so there must be none.
    assert.ok(!scripts[0].includes("\\"), "a backslash in the step: Groovy would change it");
    return scripts[0];
}

/** The body of a stage, from its name to the next stage. */
function stage(name: string): string {
    const body = CODE.split(/\bstage\('/).find(b => b.startsWith(`${name}'`));
    assert.ok(body, `no stage '${name}'`);
    return body;
}

function git(cwd: string, ...args: string[]): string {
    const r = spawnSync("git", args, { cwd, encoding: "utf8", env: GIT_ENV });
    assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
}

const GIT_ENV = {
    PATH: "/usr/bin:/bin",
    GIT_AUTHOR_NAME: "Dev",
    GIT_AUTHOR_EMAIL: "dev@example.com",
    GIT_COMMITTER_NAME: "Dev",
    GIT_COMMITTER_EMAIL: "dev@example.com",
    GIT_CONFIG_NOSYSTEM: "1",
    HOME: os.tmpdir(),
};

describe("the release job publishes only commits on the app repository's release branch (Jenkinsfile, real git)", () => {
    let root: string;
    let origin: string;
    const commits: Record<string, string> = {};

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "twine-release-ref-"));
        origin = path.join(root, "twine");
        fs.mkdirSync(origin);
        const branch = ENVIRONMENT.APP_RELEASE_BRANCH;
        git(origin, "init", "-q", "-b", branch);
        const commit = (name: string) => {
            fs.writeFileSync(path.join(origin, "file"), name);
            git(origin, "add", "file");
            git(origin, "commit", "-q", "-m", name);
            commits[name] = git(origin, "rev-parse", "HEAD");
        };
        commit("first");
        git(origin, "tag", "-a", "-m", "release 1.0.0", "v1.0.0");
        git(origin, "checkout", "-q", "-b", "feature");
        commit("unreviewed");
        git(origin, "tag", "-a", "-m", "looks like a release", "v9.9.9");
        git(origin, "tag", "lightweight-side");
        // a branch named like a reviewed commit, pointing at the unreviewed one
        git(origin, "branch", commits.first, "feature");
        git(origin, "checkout", "-q", branch);
        commit("second");
    });

    after(() => fs.rmSync(root, { recursive: true, force: true }));

    /** Runs the step as Jenkins does, in a fresh workspace, with the pipeline's environment and APP_REF. */
    function resolve(ref: string) {
        const workspace = fs.mkdtempSync(path.join(root, "workspace-"));
        const env = { ...GIT_ENV, APP_REPOSITORY: origin, APP_RELEASE_BRANCH: ENVIRONMENT.APP_RELEASE_BRANCH, APP_REF: ref };
        const r = spawnSync("sh", ["-xe", "-c", checkScript()], { cwd: workspace, env, encoding: "utf8" });
        return { status: r.status, commit: r.stdout.trim(), log: r.stderr, workspace };
    }

    it("pins the release branch in the pipeline's environment, with both repositories", () => {
        assert.equal(ENVIRONMENT.APP_RELEASE_BRANCH, "main");
        assert.match(ENVIRONMENT.APP_REPOSITORY, /^https:\/\/github\.com\//);
        assert.match(ENVIRONMENT.INFRA_REPOSITORY, /^https:\/\/github\.com\//);
    });

    it("passes the release branch, a release tag on it and a full commit on it, as the full commit", () => {
        for (const [ref, expected] of [
            ["main", commits.second],
            ["v1.0.0", commits.first],
            [commits.first, commits.first],
            [commits.second, commits.second],
        ]) {
            const r = resolve(ref);
            assert.equal(r.status, 0, `${ref}: ${r.log}`);
            assert.equal(r.commit, expected, ref);
            // the build checks out exactly that commit from ./app
            assert.equal(git(path.join(r.workspace, "app"), "rev-parse", `${r.commit}^{commit}`), expected);
        }
    });

    it("refuses a side branch, a tag or a commit on it, and a branch named like a reviewed commit, saying why", () => {
        for (const ref of ["feature", "v9.9.9", "lightweight-side", commits.unreviewed]) {
            const r = resolve(ref);
            assert.notEqual(r.status, 0, `${ref} was accepted`);
            assert.equal(r.commit, "", ref);
            assert.match(r.log, new RegExp(`Refused: APP_REF '${ref}' is commit ${commits.unreviewed}, not on .*release branch main`), ref);
        }
        // a 40-hex name is that commit, never a branch of that name
        assert.equal(resolve(commits.first).commit, commits.first);
    });

    it("refuses what is no branch, tag or full commit, and revision syntax that could name something else", () => {
        for (const ref of ["", "nope", commits.second.slice(0, 12), "main~1", "main^", "feature..main", "-h", "@{-1}", "a b"]) {
            const r = resolve(ref);
            assert.notEqual(r.status, 0, `'${ref}' was accepted`);
            assert.equal(r.commit, "", ref);
            assert.match(r.log, /Refused: APP_REF /, ref);
        }
    });

    it("passes shellcheck as a POSIX sh script", () => {
        const r = spawnSync("shellcheck", ["--severity=style", "--shell=sh", "-"], { input: checkScript(), encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is not installed. Fix: run `bash scripts/setup.sh` as root");
        assert.equal(r.status, 0, r.stdout);
    });

    it("the build agent builds the commit it resolved; the publish agent checks it again before it unstashes or signs", () => {
        const build = stage("Build packages");
        const resolved = build.indexOf("env.APP_COMMIT = releaseCommit(params.APP_REF)");
        assert.ok(resolved >= 0, "the build stage resolves APP_REF");
        const checkout = build.indexOf(`sh 'git -C app checkout -q --detach "$APP_COMMIT"'`);
        assert.ok(resolved < checkout && checkout < build.indexOf("twine-build-packages"), "the checked commit is what is built");
        const publish = stage("Publish to the apt repository");
        assert.match(publish.split("steps {")[0], /agent \{ label 'publish' \}/);
        const check = publish.indexOf("releaseCommit(env.APP_COMMIT ?: '')");
        assert.ok(check >= 0 && check < publish.indexOf("unstash") && check < publish.indexOf("withCredentials("));
        // releaseCommit is the function around the checked step
        assert.match(
            CODE,
            /def releaseCommit\(String ref\) \{\s*def commit\s*withEnv\(\["APP_REF=\$\{ref\}"\]\) \{\s*commit = sh\(returnStdout/,
        );
        // no other way for a parameter into the code
        assert.deepEqual([...new Set([...CODE.matchAll(/params\.(\w+)/g)].map(m => m[1]))], ["APP_REF"]);
    });

    it("the job's only parameter is APP_REF: no parameter names a repository", () => {
        const dsl = fs.readFileSync(path.join(JOBS, "pipelines.groovy"), "utf8").replace(/^\s*\/\/.*$/gm, "");
        assert.deepEqual(
            [...dsl.matchAll(/\b(\w+Param)\('(\w+)'/g)].map(m => `${m[1]} ${m[2]}`),
            ["stringParam APP_REF"],
        );
        assert.doesNotMatch(dsl, /INFRA_REPOSITORY|REPOSITORY/);
        assert.match(stage("Check the image template"), /git url: env\.INFRA_REPOSITORY, branch: 'main'/);
    });
});

/** Runs the whole Jenkinsfile with Groovy; returns its steps and result. */
function runPipeline(work: string, params: Record<string, string>, env: Record<string, string>, lie?: string) {
    const java = spawnSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).stdout.trim();
    const groovy = spawnSync("sh", ["-c", "command -v groovy"], { encoding: "utf8" }).stdout.trim();
    assert.ok(java && groovy, "groovy is not installed: this test runs the Jenkinsfile with it. Fix: run `bash scripts/setup.sh` as root");
    const javaHome = process.env.JAVA_HOME ?? path.dirname(path.dirname(fs.realpathSync(java)));
    const r = spawnSync(
        groovy,
        [
            path.join(__dirname, "helpers", "jenkinsfileRun.groovy"),
            path.join(JOBS, "Jenkinsfile"),
            work,
            JSON.stringify({ params, env, lie }),
        ],
        { encoding: "utf8", env: { ...process.env, JAVA_HOME: javaHome } },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
        .trim()
        .split("\n")
        .map(l => JSON.parse(l));
    return { steps: lines.slice(0, -1), result: lines.at(-1) };
}

describe("the release job, run with Groovy 2.4 as Jenkins runs it: only a commit on the release branch is signed", () => {
    let root: string;
    let env: Record<string, string>;
    let side: string;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "twine-release-run-"));
        const origin = path.join(root, "twine");
        fs.mkdirSync(origin);
        git(origin, "init", "-q", "-b", ENVIRONMENT.APP_RELEASE_BRANCH);
        for (const [branch, name] of [
            [ENVIRONMENT.APP_RELEASE_BRANCH, "reviewed"],
            ["feature", "unreviewed"],
        ]) {
            if (branch === "feature") git(origin, "checkout", "-q", "-b", branch);
            fs.writeFileSync(path.join(origin, "file"), name);
            git(origin, "add", "file");
            git(origin, "commit", "-q", "-m", name);
        }
        side = git(origin, "rev-parse", "feature");
        // the tools of the image: the build leaves packages, the publish step records what it signs
        const bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        const tools: Record<string, string> = {
            "twine-build-packages": "touch twine_1.0_amd64.deb",
            "twine-fetch-cloudwatch-agent": "touch amazon-cloudwatch-agent.deb",
            "twine-publish-apt": `echo "$@" >> ${root}/published`,
            gpg: "exit 0",
            packer: "exit 0",
        };
        for (const [tool, body] of Object.entries(tools)) fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        env = { ...GIT_ENV, PATH: `${bin}:/usr/bin:/bin`, APP_REPOSITORY: origin };
    });

    after(() => fs.rmSync(root, { recursive: true, force: true }));

    const published = () => (fs.existsSync(path.join(root, "published")) ? fs.readFileSync(path.join(root, "published"), "utf8") : "");
    const names = (steps: any[]) => steps.map(s => `${s.agent} ${s.step}`);

    it("main: built on the build agent, checked again and signed on the publish agent, the template from main", function () {
        this.timeout(60000);
        fs.rmSync(path.join(root, "published"), { force: true });
        const run = runPipeline(fs.mkdtempSync(path.join(root, "work-")), { APP_REF: "main" }, env);
        assert.equal(run.result.result, "SUCCESS", JSON.stringify(run.result));
        assert.deepEqual(names(run.steps), [
            "build sh", // resolve and check APP_REF
            "build sh", // check out that commit
            "build sh",
            "build sh",
            "build stash",
            "publish sh", // the publish agent's own check
            "publish unstash",
            "publish withCredentials",
            "publish sh",
            "build git",
            "build sh",
        ]);
        assert.match(published(), /^s3:twine: noble main {2}\.\/amazon-cloudwatch-agent\.deb \.\/twine_1\.0_amd64\.deb$/m);
        assert.deepEqual(
            run.steps.filter(s => s.step === "git").map(s => [s.url, s.branch]),
            [[ENVIRONMENT.INFRA_REPOSITORY, "main"]],
        );
    });

    it("a side branch: refused on the build agent before its code is checked out or built; nothing is signed", function () {
        this.timeout(60000);
        fs.rmSync(path.join(root, "published"), { force: true });
        const run = runPipeline(fs.mkdtempSync(path.join(root, "work-")), { APP_REF: "feature" }, env);
        assert.equal(run.result.result, "FAILURE");
        assert.deepEqual(names(run.steps), ["build sh"]);
        assert.match(run.steps[0].log, new RegExp(`Refused: APP_REF 'feature' is commit ${side}`));
        assert.equal(published(), "");
    });

    it("a build agent that reports a side commit: the publish agent refuses it before it unstashes or binds the key", function () {
        this.timeout(60000);
        fs.rmSync(path.join(root, "published"), { force: true });
        const run = runPipeline(fs.mkdtempSync(path.join(root, "work-")), { APP_REF: "main" }, env, side);
        assert.equal(run.result.result, "FAILURE");
        assert.equal(run.result.stage, "Publish to the apt repository");
        const publish = run.steps.filter(s => s.agent === "publish");
        assert.deepEqual(names(publish), ["publish sh"]);
        assert.match(publish[0].log, new RegExp(`Refused: APP_REF '${side}' is commit ${side}`));
        assert.equal(published(), "");
    });
});
