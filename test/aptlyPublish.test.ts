/**
 * The publishing script the pipeline runs, exercised with Debian's real aptly against a local filesystem
 * endpoint: a tiny .deb is built, published signed with a throwaway key, and the signature and package index
 * are verified. It signs only for a commit its own check (release-commit.sh, real git, against a local app
 * repository) finds on the release branch's first-parent history; an older pipeline's call, which names no commit,
 * signs nothing. Missing tools fail the suite (scripts/setup.sh installs them); nothing is skipped.
 */
import { strict as assert } from "assert";
import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APTLY_ENDPOINT, APT_COMPONENT, APT_DISTRIBUTION, aptlyConfig } from "../components/delivery/aptlyConfig";
import { AppRepo, makeAppRepo } from "./helpers/appRepo";
import { exportKey, localAptlyConfig, makeSigningKey } from "./helpers/aptRepo";
import { REPO } from "./helpers/config";

const SCRIPT = path.join(REPO, "images", "jenkins", "publish-apt.sh");
const TOOLS = ["aptly", "gpg", "gpgv", "dpkg-deb", "shellcheck", "git"];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): SpawnSyncReturns<string> {
    const result = spawnSync(cmd, args, { env, encoding: "utf8", input });
    assert.equal(result.error, undefined, `${cmd} could not run: ${result.error}`);
    assert.equal(result.status, 0, `${cmd} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return result;
}

/** A minimal binary package: control file and one installed file. */
function buildDeb(dir: string, name: string, version: string): string {
    const root = path.join(dir, `${name}_${version}`);
    fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
    fs.mkdirSync(path.join(root, "usr", "share", name), { recursive: true });
    fs.writeFileSync(path.join(root, "usr", "share", name, "VERSION"), `${version}\n`);
    fs.writeFileSync(
        path.join(root, "DEBIAN", "control"),
        [
            `Package: ${name}`,
            `Version: ${version}`,
            "Architecture: amd64",
            "Maintainer: Twine Build <build@twinehr.com>",
            "Description: apt repository test package",
            "",
        ].join("\n"),
    );
    const deb = path.join(dir, `${name}_${version}_amd64.deb`);
    run("dpkg-deb", ["--root-owner-group", "--build", root, deb], process.env);
    return deb;
}

describe("apt publishing with aptly (real tools)", function () {
    this.timeout(120_000);
    let root: string;
    let app: AppRepo;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "twine-aptly-app-"));
        app = makeAppRepo(root);
    });

    after(() => fs.rmSync(root, { recursive: true, force: true }));

    /** The environment of the publish agent's step: the image's release check on PATH, pointed at the local app repository. */
    const withCheck = (env: NodeJS.ProcessEnv) => ({ ...env, ...app.env, PATH: `${app.bin}:${env.PATH}` });

    it("has every tool it needs installed (scripts/setup.sh installs them)", () => {
        const missing = TOOLS.filter(t => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
        assert.deepEqual(missing, [], `missing tools: ${missing.join(", ")}; run: sudo bash scripts/setup.sh`);
    });

    it("the publishing script is shellcheck-clean", () => {
        run("shellcheck", [SCRIPT], process.env);
    });

    it(
        "publishes a .deb signed, with a Release signature gpgv accepts and a Packages index listing " + "it; a second version updates it",
        () => {
            const work = fs.mkdtempSync(path.join(os.tmpdir(), "twine-aptly-"));
            const gnupgHome = path.join(work, "gnupg");
            const publicDir = path.join(work, "public");

            // GIVEN a throwaway signing key and the aptly.conf the stack generates, pointed at a local endpoint
            const fingerprint = makeSigningKey(gnupgHome, "Twine Test Archive <archive@example.invalid>");
            const conf = aptlyConfig({ bucket: "unused", region: "eu-west-1", rootDir: path.join(work, "aptly") });
            assert.ok(
                (conf.S3PublishEndpoints as Record<string, unknown>)[APTLY_ENDPOINT],
                "the generated config has the S3 endpoint the pipeline publishes to",
            );
            const env = withCheck({ ...process.env, GNUPGHOME: gnupgHome, APTLY_CONFIG: localAptlyConfig(work, publicDir, "test") });

            // WHEN the pipeline's script publishes a package of a release commit, then a newer version of a later one
            const publish = (commit: string, deb: string) =>
                run("bash", [SCRIPT, commit, "filesystem:test:", APT_DISTRIBUTION, APT_COMPONENT, fingerprint, deb], env);
            assert.match(
                publish(app.commits.merged, buildDeb(work, "twine-hello", "1.0.0")).stdout,
                new RegExp(`of ${app.commits.merged} to`),
            );
            publish(app.commits.squashed, buildDeb(work, "twine-hello", "1.1.0"));

            // THEN the Release files verify against the public key only (a keyring apt would use)
            const dist = path.join(publicDir, "dists", APT_DISTRIBUTION);
            const keyring = path.join(work, "archive-keyring.gpg");
            fs.writeFileSync(keyring, exportKey(gnupgHome, fingerprint, false));
            run("gpgv", ["--keyring", keyring, path.join(dist, "InRelease")], env);
            run("gpgv", ["--keyring", keyring, path.join(dist, "Release.gpg"), path.join(dist, "Release")], env);
            // ...and a different key does not verify them
            const otherHome = path.join(work, "other");
            const otherKeyring = path.join(work, "other-keyring.gpg");
            fs.writeFileSync(otherKeyring, exportKey(otherHome, makeSigningKey(otherHome, "Someone Else <else@example.invalid>"), false));
            assert.notEqual(
                spawnSync("gpgv", ["--keyring", otherKeyring, path.join(dist, "InRelease")], { env }).status,
                0,
                "InRelease verified with an unrelated key",
            );

            // ...and the index lists the package at both versions, with pool paths that exist
            const packages = fs.readFileSync(path.join(dist, APT_COMPONENT, "binary-amd64", "Packages"), "utf8");
            const stanzas = packages.trim().split(/\n\n+/);
            const versions = stanzas
                .filter(s => /^Package: twine-hello$/m.test(s))
                .map(s => /^Version: (.+)$/m.exec(s)![1])
                .sort();
            assert.deepEqual(versions, ["1.0.0", "1.1.0"]);
            for (const s of stanzas) {
                const file = /^Filename: (.+)$/m.exec(s)![1];
                assert.ok(fs.existsSync(path.join(publicDir, file)), `${file} is in the index but not in the pool`);
            }
            const release = fs.readFileSync(path.join(dist, "Release"), "utf8");
            assert.match(release, new RegExp(`^Codename: ${APT_DISTRIBUTION}$`, "m"));
            assert.match(release, new RegExp(`^Components: ${APT_COMPONENT}$`, "m"));
        },
    );

    describe("signs nothing for a commit its own check does not find on the release branch", () => {
        let work: string;
        let publicDir: string;
        let env: NodeJS.ProcessEnv;
        let fingerprint: string;
        let deb: string;

        before(() => {
            work = fs.mkdtempSync(path.join(os.tmpdir(), "twine-aptly-refused-"));
            publicDir = path.join(work, "public");
            const gnupgHome = path.join(work, "gnupg");
            fingerprint = makeSigningKey(gnupgHome, "Twine Test Archive <archive@example.invalid>");
            env = withCheck({ ...process.env, GNUPGHOME: gnupgHome, APTLY_CONFIG: localAptlyConfig(work, publicDir, "test") });
            deb = buildDeb(work, "twine-hello", "6.6.6");
        });

        after(() => fs.rmSync(work, { recursive: true, force: true }));

        const publish = (...args: string[]) => spawnSync("bash", [SCRIPT, ...args], { env, encoding: "utf8" });
        const nothingPublished = () => {
            assert.ok(!fs.existsSync(publicDir), "something was published");
            assert.doesNotMatch(
                spawnSync("aptly", [`-config=${env.APTLY_CONFIG}`, "repo", "list", "-raw"], { env, encoding: "utf8" }).stdout,
                /twine/,
            );
        };

        it("an older pipeline's call, which names no commit (a Rebuild or Restart from Stage of a build from before the check)", () => {
            // The Jenkinsfile before the check called:
            //   twine-publish-apt s3:twine: "$APT_DISTRIBUTION" "$APT_COMPONENT" "$key" ./*.deb
            for (const args of [
                ["filesystem:test:", APT_DISTRIBUTION, APT_COMPONENT, fingerprint, deb],
                ["filesystem:test:", APT_DISTRIBUTION, APT_COMPONENT, fingerprint, deb, deb],
            ]) {
                const r = publish(...args);
                assert.equal(r.status, 64, r.stderr);
                assert.match(r.stderr, /usage: .* <commit> <endpoint>/);
            }
            nothingPublished();
        });

        it("a merged pull request's own commits, a side branch's, and a name instead of a commit", () => {
            for (const commit of [app.commits.backdoor, app.commits.fixed, app.commits.unreviewed]) {
                const r = publish(commit, "filesystem:test:", APT_DISTRIBUTION, APT_COMPONENT, fingerprint, deb);
                assert.equal(r.status, 1, r.stderr);
                assert.match(r.stderr, new RegExp(`Refused: APP_REF '${commit}' is commit ${commit}, not on the first-parent history`));
                assert.match(r.stderr, /nothing signed/);
            }
            const named = publish("main", "filesystem:test:", APT_DISTRIBUTION, APT_COMPONENT, fingerprint, deb);
            assert.equal(named.status, 64);
            assert.match(named.stderr, /'main' is not a full commit of the app repository/);
            nothingPublished();
        });
    });

    it("refuses to run without packages, and names a missing file", () => {
        const usage = spawnSync("bash", [SCRIPT, "0".repeat(40), "filesystem:test:", "noble", "main", "KEY"], { encoding: "utf8" });
        assert.equal(usage.status, 64);
        assert.match(usage.stderr, /usage:/);
        const missing = spawnSync("bash", [SCRIPT, "0".repeat(40), "filesystem:test:", "noble", "main", "KEY", "/nonexistent.deb"], {
            env: withCheck(process.env),
            encoding: "utf8",
        });
        assert.equal(missing.status, 66);
        assert.match(missing.stderr, /no such package: \/nonexistent\.deb/);
    });
});
