/**
 * The release job publishes only reviewed code: APP_REF must resolve to a commit on the first-parent history of the
 * app repository's release branch, and the publish agent checks that commit itself before anything is signed. The
 * check is the image's script (images/jenkins/release-commit.sh, `twine-release-commit`), run here with real git
 * against a local app repository (test/helpers/appRepo.ts): a merged pull request's own commits, a side branch and
 * tags on each are refused. Then the Jenkinsfile's stages and steps run in order with Groovy 2.4 (the line Jenkins
 * embeds; test/helpers/jenkinsfileRun.groovy), each `sh` step for real in the workspace of its agent and the steps
 * that need a Jenkins stubbed, to show what reaches the publish step. That harness is not Jenkins: no CPS, sandbox,
 * remoting or real agents; what Jenkins itself would do (Rebuild, Restart from Stage) is covered by the signing
 * script's own check, tested with real aptly in test/aptlyPublish.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { AppRepo, GIT_ENV, RELEASE_COMMIT_SCRIPT, git, makeAppRepo } from "./helpers/appRepo";
import { REPO } from "./helpers/config";

const JOBS = path.join(REPO, "images", "jenkins", "jobs");
const JENKINSFILE = fs.readFileSync(path.join(JOBS, "Jenkinsfile"), "utf8");
const CODE = JENKINSFILE.replace(/^\s*\/\/.*$/gm, "");
const ENVIRONMENT = Object.fromEntries([...JENKINSFILE.matchAll(/^\s+(\w+) = '([^']*)'$/gm)].map(m => [m[1], m[2]]));
const PINNED = (name: string) => new RegExp(`^${name}="\\$\\{TWINE_${name.replace("RELEASE_", "APP_RELEASE_")}:-([^}]+)\\}"$`, "m");

/** The body of a stage, from its name to the next stage. */
function stage(name: string): string {
    const body = CODE.split(/\bstage\('/).find(b => b.startsWith(`${name}'`));
    assert.ok(body, `no stage '${name}'`);
    return body;
}

describe("the release check admits only commits on the release branch's first-parent history (release-commit.sh, real git)", () => {
    let root: string;
    let app: AppRepo;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "twine-release-ref-"));
        app = makeAppRepo(root);
    });

    after(() => fs.rmSync(root, { recursive: true, force: true }));

    /** Runs the image's check in a fresh workspace, as the pipeline's step does (`sh -xe`), against the local repository. */
    function resolve(ref: string) {
        const workspace = fs.mkdtempSync(path.join(root, "workspace-"));
        const env = { ...GIT_ENV, ...app.env, APP_REF: ref };
        const r = spawnSync("sh", ["-xe", "-c", `${RELEASE_COMMIT_SCRIPT} "$APP_REF" app`], { cwd: workspace, env, encoding: "utf8" });
        return { status: r.status, commit: r.stdout.trim(), log: r.stderr, workspace };
    }

    it("pins the app repository and its release branch in the image's script, not in the pipeline", () => {
        const script = fs.readFileSync(RELEASE_COMMIT_SCRIPT, "utf8");
        assert.match(PINNED("APP_REPOSITORY").exec(script)?.[1] ?? "", /^https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/);
        assert.equal(PINNED("RELEASE_BRANCH").exec(script)?.[1], "main");
        // the pipeline can neither name the repository nor replace the script's pins
        assert.doesNotMatch(CODE, /APP_REPOSITORY|RELEASE_BRANCH|TWINE_APP_/);
        assert.match(ENVIRONMENT.INFRA_REPOSITORY, /^https:\/\/github\.com\//);
    });

    it("passes the release branch, a release tag on it and full commits of its first-parent history, as the full commit", () => {
        const { commits } = app;
        for (const [ref, expected] of [
            ["main", commits.squashed],
            ["v1.0.0", commits.first],
            [commits.first, commits.first],
            [commits.merged, commits.merged],
            [commits.squashed, commits.squashed],
        ]) {
            const r = resolve(ref);
            assert.equal(r.status, 0, `${ref}: ${r.log}`);
            assert.equal(r.commit, expected, ref);
            // the build checks out exactly that commit from ./app
            assert.equal(git(path.join(r.workspace, "app"), "rev-parse", `${r.commit}^{commit}`), expected);
        }
    });

    it("refuses a merged pull request's own commits: ancestors of main, but never a state main was in", () => {
        for (const [ref, commit] of [
            [app.commits.backdoor, app.commits.backdoor],
            [app.commits.fixed, app.commits.fixed],
            ["pr-backdoor", app.commits.backdoor],
        ]) {
            const r = resolve(ref);
            assert.notEqual(r.status, 0, `${ref} was accepted`);
            assert.equal(r.commit, "", ref);
            assert.match(r.log, new RegExp(`Refused: APP_REF '${ref}' is commit ${commit}, not on the first-parent history`), ref);
        }
    });

    it("refuses a side branch, a tag on it, its commit, and a branch named like a reviewed commit, saying why", () => {
        // only the release branch and tags are fetched: a side branch's name is not even there
        const branch = resolve("feature");
        assert.notEqual(branch.status, 0);
        assert.match(branch.log, /Refused: APP_REF 'feature' is not the release branch main, a tag, or a full commit/);
        for (const ref of ["v9.9.9", app.commits.unreviewed]) {
            const r = resolve(ref);
            assert.notEqual(r.status, 0, `${ref} was accepted`);
            assert.equal(r.commit, "", ref);
            assert.match(r.log, new RegExp(`Refused: APP_REF '${ref}' is commit ${app.commits.unreviewed}, not on the first-parent`), ref);
        }
        // a 40-hex name is that commit, never a branch of that name
        assert.equal(resolve(app.commits.first).commit, app.commits.first);
    });

    it("fetches only the release branch and the tags", () => {
        const r = resolve("main");
        const refs = git(path.join(r.workspace, "app"), "for-each-ref", "--format=%(refname)").split("\n").sort();
        assert.deepEqual(refs, ["refs/remotes/origin/main", "refs/tags/pr-backdoor", "refs/tags/v1.0.0", "refs/tags/v9.9.9"]);
    });

    it("refuses what is no branch, tag or full commit, and revision syntax that could name something else", () => {
        for (const ref of ["", "nope", app.commits.squashed.slice(0, 12), "main~1", "main^", "feature..main", "-h", "@{-1}", "a b"]) {
            const r = resolve(ref);
            assert.notEqual(r.status, 0, `'${ref}' was accepted`);
            assert.equal(r.commit, "", ref);
            assert.match(r.log, /Refused: APP_REF /, ref);
        }
    });

    it("passes shellcheck", () => {
        const r = spawnSync("shellcheck", ["--severity=style", RELEASE_COMMIT_SCRIPT], { encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is not installed. Fix: run `bash scripts/setup.sh` as root");
        assert.equal(r.status, 0, r.stdout);
    });

    it("the build agent builds the commit it resolved; the publish agent checks it again, and signs only naming it", () => {
        const build = stage("Build packages");
        const resolved = build.indexOf("env.APP_COMMIT = releaseCommit(params.APP_REF)");
        assert.ok(resolved >= 0, "the build stage resolves APP_REF");
        const checkout = build.indexOf(`sh 'git -C app checkout -q --detach "$APP_COMMIT"'`);
        assert.ok(resolved < checkout && checkout < build.indexOf("twine-build-packages"), "the checked commit is what is built");
        const publish = stage("Publish to the apt repository");
        assert.match(publish.split("steps {")[0], /agent \{ label 'publish' \}/);
        const check = publish.indexOf("releaseCommit(env.APP_COMMIT ?: '')");
        assert.ok(check >= 0 && check < publish.indexOf("unstash") && check < publish.indexOf("withCredentials("));
        assert.match(publish, /twine-publish-apt "\$APP_COMMIT" s3:twine: /);
        // releaseCommit is the image's check
        const fn =
            /def releaseCommit\(String ref\) \{\s*def commit\s*withEnv\(\["APP_REF=\$\{ref\}"\]\) \{\s*commit = sh\((.*)\)\.trim\(\)/;
        assert.equal(fn.exec(CODE)?.[1], `returnStdout: true, script: 'twine-release-commit "$APP_REF" app'`);
        assert.match(CODE, /options \{[^}]*disableRestartFromStage\(\)/);
        // no other way for a parameter into the code
        assert.deepEqual([...new Set([...CODE.matchAll(/params\.(\w+)/g)].map(m => m[1]))], ["APP_REF"]);
    });

    it("only the administrator may Replay (run an edited script) or configure a job; others may Build", () => {
        // Rebuild and Restart from Stage need only Job/Build and re-run a build's own script: the signing script's
        // check covers those. Replay with an edited script needs Run/Replay, which could bind the key directly.
        const casc = parse(fs.readFileSync(path.join(REPO, "images", "jenkins", "casc.yaml"), "utf8"));
        const entries: { user?: { name: string; permissions: string[] }; group?: { name: string; permissions: string[] } }[] =
            casc.jenkins.authorizationStrategy.globalMatrix.entries;
        for (const entry of entries) {
            const who = entry.user ?? entry.group!;
            if (entry.user?.name === "admin") continue;
            const powerful = who.permissions.filter(p =>
                /^(Run\/(Replay|Update|Delete)|Job\/(Configure|Create|Delete)|Overall\/Administer)$/.test(p),
            );
            assert.deepEqual(powerful, [], `${who.name} holds ${powerful.join(", ")}`);
        }
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

describe("the release job's stages, run in order with Groovy 2.4: only a commit on the release branch reaches signing", () => {
    let root: string;
    let env: Record<string, string>;
    let app: AppRepo;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "twine-release-run-"));
        app = makeAppRepo(root);
        // the tools of the image: the build leaves packages, the publish step records what it is asked to sign; the
        // release check is the image's own script
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
        env = { ...GIT_ENV, ...app.env, PATH: `${bin}:${app.bin}:/usr/bin:/bin` };
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
        // the signing script is told the commit the build agent built, and checks it itself (test/aptlyPublish.test.ts)
        assert.equal(published(), `${app.commits.squashed} s3:twine: noble main  ./amazon-cloudwatch-agent.deb ./twine_1.0_amd64.deb\n`);
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
        assert.match(run.steps[0].log, /Refused: APP_REF 'feature' is not the release branch main/);
        assert.equal(published(), "");
    });

    it("a merged pull request's first commit: refused on the build agent; nothing is signed", function () {
        this.timeout(60000);
        fs.rmSync(path.join(root, "published"), { force: true });
        const backdoor = app.commits.backdoor;
        const run = runPipeline(fs.mkdtempSync(path.join(root, "work-")), { APP_REF: backdoor }, env);
        assert.equal(run.result.result, "FAILURE");
        assert.deepEqual(names(run.steps), ["build sh"]);
        assert.match(run.steps[0].log, new RegExp(`Refused: APP_REF '${backdoor}' is commit ${backdoor}, not on the first-parent`));
        assert.equal(published(), "");
    });

    it("a build agent that reports a merged pull request's commit: the publish agent refuses it before unstash or binding", function () {
        this.timeout(60000);
        fs.rmSync(path.join(root, "published"), { force: true });
        const backdoor = app.commits.backdoor;
        const run = runPipeline(fs.mkdtempSync(path.join(root, "work-")), { APP_REF: "main" }, env, backdoor);
        assert.equal(run.result.result, "FAILURE");
        assert.equal(run.result.stage, "Publish to the apt repository");
        const publish = run.steps.filter(s => s.agent === "publish");
        assert.deepEqual(names(publish), ["publish sh"]);
        assert.match(publish[0].log, new RegExp(`Refused: APP_REF '${backdoor}' is commit ${backdoor}`));
        assert.equal(published(), "");
    });
});
