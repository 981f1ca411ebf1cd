import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    PackageRecord,
    packOutputsPackage,
    readPackageRecord,
    rewrittenReleases,
    schemaDigest,
    versionProblems,
} from "../scripts/outputsPackage";
import { OUTPUT_CONTRACTS, StackRole } from "../stacks/outputs";
import { REPO } from "./helpers/config";
import { planOf } from "./helpers/plans";

const CONSUMER = path.join(REPO, "test", "outputsConsumer");
const TSC = require.resolve("typescript/bin/tsc");

/** The stacks the consumer reads, by name, with the plan each one's outputs come from. */
const READS: Record<string, StackRole> = {
    "twine/twine-infra/dns": "dns",
    "twine/twine-infra/prod": "prod",
    "twine/twine-infra/dev": "dev",
    "twine/twine-infra/bastion-eu": "bastion",
};

function tsc(cwd: string, ...args: string[]) {
    return spawnSync(process.execPath, [TSC, ...args], { cwd, encoding: "utf8" });
}

describe("the outputs package (packages/outputs)", function () {
    let work: string;
    let scratch: string;
    let tarball: string;
    const planned: Record<string, Record<string, unknown>> = {};
    let build: ReturnType<typeof tsc>;
    const errorsIn = (file: string) => [...build.stdout.matchAll(new RegExp(`^${file}\\((\\d+),\\d+\\): error.*$`, "gm"))];

    /** Runs the consumer program over these stack outputs and returns what it printed. */
    function consume(stacks: Record<string, Record<string, unknown>>): Record<string, any> {
        const file = path.join(work, `outputs-${Object.keys(stacks).length}-${Date.now()}.json`);
        fs.writeFileSync(file, JSON.stringify(stacks));
        const run = spawnSync(process.execPath, [path.join(scratch, "bin", "consumer.js"), file], { cwd: scratch, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        return JSON.parse(run.stdout);
    }

    before(async function () {
        this.timeout(240_000);
        // GIVEN the package packed as a release would be, and a fresh program of another team
        work = fs.mkdtempSync(path.join(os.tmpdir(), "twine-outputs-"));
        tarball = packOutputsPackage(work);
        scratch = path.join(work, "consumer");
        fs.mkdirSync(scratch);
        // Offline: the tarball from disk; zod, @pulumi/pulumi and @types/node linked from this repository's
        // node_modules (the versions the package is built and tested with), so nothing is fetched.
        const linked = (name: string) => `file:${path.join(REPO, "node_modules", name)}`;
        fs.writeFileSync(
            path.join(scratch, "package.json"),
            JSON.stringify({
                name: "consumer",
                private: true,
                // The links come first: npm 11 fails placing the package's peer (@pulumi/pulumi) when the
                // tarball is listed before the link that satisfies it.
                dependencies: {
                    zod: linked("zod"),
                    "@pulumi/pulumi": linked("@pulumi/pulumi"),
                    "@types/node": linked("@types/node"),
                    "@twine/infra-outputs": `file:${tarball}`,
                },
            }),
        );
        for (const file of fs.readdirSync(CONSUMER)) fs.copyFileSync(path.join(CONSUMER, file), path.join(scratch, file));
        execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: scratch, stdio: "pipe" });
        // One compile of both files: misuse.ts must fail, consumer.ts must not, and its JavaScript is emitted anyway.
        build = tsc(scratch, "-p", ".");
        for (const [name, stack] of Object.entries(READS)) {
            planned[name] = (await planOf(stack as StackRole)).outputs;
        }
    });

    after(() => {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("packs the compiled contract and reader with their types, the JSON Schema and the changelog, and nothing else", () => {
        const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
        assert.deepEqual(files, [
            "package/CHANGELOG.md",
            "package/README.md",
            "package/dist/packages/outputs/src/index.d.ts",
            "package/dist/packages/outputs/src/index.js",
            "package/dist/stacks/outputs.d.ts",
            "package/dist/stacks/outputs.js",
            "package/dist/stacks/readOutputs.d.ts",
            "package/dist/stacks/readOutputs.js",
            "package/package.json",
            "package/schema.json",
        ]);
        assert.equal(path.basename(tarball), `twine-infra-outputs-${readPackageRecord().packageVersion}.tgz`);
    });

    it("installs from its tarball into another program, which type-checks against it", () => {
        const installed = JSON.parse(
            fs.readFileSync(path.join(scratch, "node_modules", "@twine", "infra-outputs", "package.json"), "utf8"),
        );
        assert.equal(installed.version, readPackageRecord().packageVersion);
        assert.ok(
            !fs.lstatSync(path.join(scratch, "node_modules", "@twine", "infra-outputs")).isSymbolicLink(),
            "the package is installed, not linked",
        );
        assert.deepEqual(
            errorsIn("consumer\\.ts").map(m => m[0]),
            [],
        );
        assert.ok(fs.existsSync(path.join(scratch, "bin", "consumer.js")));
    });

    it("reads the planned outputs of each stack through a StackReference, typed by the stack's role", () => {
        const read = consume(planned);
        assert.equal(read.error, undefined, read.message);
        const field: Record<string, string> = { dns: "dns", prod: "prod", dev: "dev", "bastion-eu": "bastion" };
        for (const [name, role] of Object.entries(READS)) {
            const expected = OUTPUT_CONTRACTS[role].parse(planned[name]);
            assert.deepEqual(read[field[name.split("/").pop()!]], JSON.parse(JSON.stringify(expected)), `outputs of ${name}`);
        }
        assert.deepEqual(read.picked.subnets, planned["twine/twine-infra/prod"].privateSubnetIds);
        assert.ok(read.picked.ports.length > 0 && read.picked.ports.every((p: unknown) => p === 5432));
        assert.match(read.picked.jenkins, /^https?:\/\//);
    });

    it("rejects a stack that lacks an output or exports one that breaks the contract, naming it and the fix", () => {
        const { zoneId: _dropped, ...dnsWithoutZone } = planned["twine/twine-infra/dns"];
        const missing = consume({ ...planned, "twine/twine-infra/dns": dnsWithoutZone });
        assert.equal(missing.error, "StackOutputsError");
        assert.match(missing.message, /The dns stack twine\/twine-infra\/dns does not export zoneId\. Fix: /);

        const malformed = consume({
            ...planned,
            "twine/twine-infra/prod": { ...planned["twine/twine-infra/prod"], vpcCidr: "10.30.0.0", amiId: "ubuntu" },
        });
        assert.equal(malformed.error, "StackOutputsError");
        assert.match(malformed.message, /prod stack twine\/twine-infra\/prod exports outputs that do not match the contract/);
        assert.match(malformed.message, /- vpcCidr: /);
        assert.match(malformed.message, /- amiId: /);
    });

    it("its types reject misuse at compile time, each mistake on its own line", () => {
        assert.notEqual(build.status, 0, "tsc accepted the misuse");
        const errorLines = errorsIn("misuse\\.ts").map(m => Number(m[1]));
        const marked = fs
            .readFileSync(path.join(scratch, "misuse.ts"), "utf8")
            .split("\n")
            .flatMap((line, i) => (line.includes("// MISUSE") ? [i + 1] : []));
        assert.deepEqual([...new Set(errorLines)], marked, build.stdout);
    });

    it("refuses a stack name whose role it cannot tell, with the fix", () => {
        const run = spawnSync(
            process.execPath,
            [
                "-e",
                `require("@twine/infra-outputs").readStackOutputs("acme/infra/shared").catch(e => { process.stdout.write(e.message); })`,
            ],
            { cwd: scratch, encoding: "utf8" },
        );
        assert.match(run.stdout, /Cannot tell which twine-infra outputs "acme\/infra\/shared" exports.*Fix: pass its account role/);
    });
});

describe("versions of the outputs contract", () => {
    const current = readPackageRecord();

    it("no released version's digest was ever rewritten in the repository's history", () => {
        // Main's own line (--first-parent): a version a merged branch recorded on its way was never released.
        const log = spawnSync("git", ["log", "--first-parent", "--reverse", "--format=%H", "--", "packages/outputs/versions.json"], {
            cwd: REPO,
            encoding: "utf8",
        });
        const commits = log.status === 0 ? log.stdout.split("\n").filter(Boolean) : [];
        const history = commits.map(c =>
            JSON.parse(execFileSync("git", ["show", `${c}:packages/outputs/versions.json`], { cwd: REPO, encoding: "utf8" })),
        );
        assert.deepEqual(rewrittenReleases([...history, current.versions]), []);
    });

    it("the contract's schema digest is the released version's, in package.json, versions.json and the changelog", () => {
        assert.deepEqual(versionProblems(current), []);
        assert.equal(
            fs.readFileSync(path.join(REPO, "packages", "outputs", "schema.json"), "utf8"),
            current.schema,
            "schema.json is stale: run npm run docs",
        );
    });

    describe("a change to the contract", () => {
        const changed = current.schema.replace('"The VPC id."', '"The VPC id (vpc-...)."');
        // A patch after the latest release, whichever that is.
        const latest = current.versions[current.versions.length - 1].version;
        const patch = latest.replace(/\d+$/, n => String(Number(n) + 1));
        const next = { version: patch, schemaSha256: schemaDigest(changed) };
        const escaped = (v: string) => v.replace(/\./g, "\\.");
        const record = (over: Partial<PackageRecord>): PackageRecord => ({ ...current, schema: changed, ...over });

        it("fails without a new version, naming the new digest and the three files to change", () => {
            const [problem] = versionProblems(record({}));
            assert.match(problem, /The outputs contract \(stacks\/outputs\.ts\) changed/);
            assert.ok(problem.includes(next.schemaSha256));
            assert.match(problem, /versions\.json.*package\.json.*CHANGELOG\.md/);
        });

        it("fails with a new version but no changelog entry or an unchanged package.json", () => {
            const versions = [...current.versions, next];
            assert.match(
                versionProblems(record({ versions, packageVersion: next.version })).join("\n"),
                new RegExp(`CHANGELOG\\.md has no section "## ${escaped(patch)}"`),
            );
            assert.match(
                versionProblems(record({ versions, changelog: `${current.changelog}\n## ${patch}\n\nClearer description.\n` })).join("\n"),
                new RegExp(`package\\.json is at version ${escaped(latest)}`),
            );
        });

        it("fails when a version is released twice with the same digest", () => {
            const twice = [...current.versions, { version: patch, schemaSha256: current.versions[0].schemaSha256 }];
            const changelog = `${current.changelog}\n## ${patch}\n`;
            assert.match(
                versionProblems({ ...current, versions: twice, packageVersion: patch, changelog }).join("\n"),
                /same schema digest as 1\.0\.0/,
            );
        });

        it("fails when a released version's digest is rewritten instead of a version added", () => {
            const rewritten = [{ ...current.versions[0], schemaSha256: next.schemaSha256 }];
            assert.match(
                rewrittenReleases([current.versions, rewritten]).join("\n"),
                /1\.0\.0 was released with digest 1600ec68.* and later rewritten to /,
            );
        });

        it("passes with a new version, its digest, package.json and a changelog section", () => {
            const versions = [...current.versions, next];
            assert.deepEqual(
                versionProblems(
                    record({
                        versions,
                        packageVersion: next.version,
                        changelog: `${current.changelog}\n## ${patch}\n\nClearer description.\n`,
                    }),
                ),
                [],
            );
        });
    });
});
