/**
 * The delivery identities, closed by construction: what the docs and workflows ask for, and how the workflows'
 * identities agree with what the stacks declare.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { escDefaultPermissionProblem, escEnvironmentGrants } from "../components/account/escAccessPolicy";
import { githubPullRequestSubject } from "../components/account/oidcTrustPolicy";
import { PULUMI_TEAMS } from "../components/account/pulumiCloudAccessPolicy";
import { readStackSettings } from "../plan/stackFile";
import { parseStackConfig } from "../config";
import { REPO, fixtureConfig, problemsOf, withPath, writeStackFile } from "./helpers/config";
import { STACKS, ofType, planOf, planWithConfig } from "./helpers/plans";

/** Every Markdown file a reader follows: the README and docs/. */
function markdownFiles(): string[] {
    const docs = fs
        .readdirSync(path.join(REPO, "docs"))
        .filter(f => f.endsWith(".md"))
        .map(f => path.join(REPO, "docs", f));
    return [path.join(REPO, "README.md"), ...docs];
}

function workflowFiles(): string[] {
    const dir = path.join(REPO, ".github", "workflows");
    return fs
        .readdirSync(dir)
        .filter(f => /\.ya?ml$/.test(f))
        .map(f => path.join(dir, f));
}

describe("no stored Pulumi token in GitHub", () => {
    it("no document tells readers to store a Pulumi token as a repository secret", () => {
        // Repository secrets reach pull requests from branches of the repository: a stored token is every branch's.
        const told: string[] = [];
        for (const file of markdownFiles()) {
            const paragraphs = fs.readFileSync(file, "utf8").split(/\n\s*\n/);
            for (const p of paragraphs) {
                const flat = p.replace(/\s+/g, " ");
                if (/PULUMI_ACCESS_TOKEN/.test(flat) && /(repository|GitHub|Actions|workflow) secret/i.test(flat)) {
                    told.push(`${path.relative(REPO, file)}: ${flat.slice(0, 200)}`);
                }
            }
        }
        assert.deepEqual(told, []);
    });

    it("no workflow reads a Pulumi token from the repository's secrets", () => {
        for (const file of workflowFiles()) {
            const text = fs.readFileSync(file, "utf8");
            assert.doesNotMatch(text, /secrets\.PULUMI/, path.relative(REPO, file));
        }
    });
});

describe("GitHub's subject claims, in either form (deployments.githubOidcSubject)", () => {
    const DEP = "twine-infra:deployments";
    const IMMUTABLE = "repo:twine@1234567/twine-infra@89012345";

    it("accepts the immutable form of the repository's subject, and defaults to the legacy form", () => {
        const config = parseStackConfig("dns", withPath(fixtureConfig("dns"), DEP, "githubOidcSubject", IMMUTABLE)) as any;
        assert.equal(config.deployments.githubSubjectPrefix, IMMUTABLE);
        assert.equal((parseStackConfig("dns", fixtureConfig("dns")) as any).deployments.githubSubjectPrefix, "repo:twine/twine-infra");
    });

    it("refuses a subject of another repository, a half-immutable one, or a widened one, naming the key and the fix", () => {
        for (const bad of ["repo:other/twine-infra", "repo:twine@12/twine-infra", "repo:twine/*", "twine/twine-infra"]) {
            const problems = problemsOf("dns", withPath(fixtureConfig("dns"), DEP, "githubOidcSubject", bad));
            assert.ok(
                problems.some(p => p.includes("githubOidcSubject") && p.includes("Fix: write repo:twine/twine-infra")),
                `${bad}: ${problems.join("; ")}`,
            );
        }
    });

    it("the AWS preview role's trust and Pulumi Cloud's token exchange both match the immutable subject", async () => {
        const file = writeStackFile(withPath(fixtureConfig("dns"), DEP, "githubOidcSubject", IMMUTABLE));
        const plan = await planWithConfig("dns", file);
        const preview = ofType(plan, "aws:iam/role:Role").find(r => r.inputs.name === "pulumi-dns-preview")!;
        const github = JSON.parse(String(preview.inputs.assumeRolePolicy)).Statement.find(
            (s: { Sid: string }) => s.Sid === "GitHubActionsPullRequests",
        );
        assert.equal(github.Condition.StringEquals["token.actions.githubusercontent.com:sub"], `${IMMUTABLE}:pull_request`);
        const [issuer] = ofType(plan, "pulumiservice:index:OidcIssuer");
        assert.equal((issuer.inputs as any).policies[0].rules.sub, `${IMMUTABLE}:pull_request`);
    });

    it("builds the pull-request subject of either form, and refuses anything else", () => {
        assert.equal(githubPullRequestSubject("repo:o/r"), "repo:o/r:pull_request");
        assert.equal(githubPullRequestSubject("repo:o@1/r@2"), "repo:o@1/r@2:pull_request");
        assert.throws(() => githubPullRequestSubject("repo:o/*"), /not repo:<owner>\/<repo>/);
    });
});

describe("who may open the deploy environments (ESC)", () => {
    for (const stack of STACKS) {
        it(`${stack}: only its deployers team may open its credentials environments, for at most a session`, async () => {
            const plan = await planOf(stack);
            const grants = ofType(plan, "pulumiservice:index:TeamEnvironmentPermission").map(g => g.inputs as any);
            const deploy = `${stack}-aws`;
            const onDeploy = grants.filter(g => g.environment === deploy);
            assert.deepEqual(
                onDeploy.map(g => [g.project, g.team, g.permission]),
                [["twine-infra", `twine-infra-${stack}-deployers`, "open"]],
                `who may open ${deploy}`,
            );
            assert.ok(grants.every(g => g.permission === "open" && g.team === `twine-infra-${stack}-deployers`));
            assert.ok(
                grants.every(g => g.maxOpenDuration === "2h"),
                "an open never outlives the role's 2-hour session",
            );
            const team = ofType(plan, "pulumiservice:index:Team").find(t => t.inputs.name === `twine-infra-${stack}-deployers`);
            assert.ok(team, "the deployers team is declared with the stack");
        });
    }

    it("the deployers come from config, sorted, and default to nobody", async () => {
        const file = writeStackFile(withPath(fixtureConfig("dev"), "twine-infra:deployments", "deployers", ["zoe", "ada"]));
        const team = ofType(await planWithConfig("dev", file), "pulumiservice:index:Team")[0];
        assert.deepEqual(team.inputs.members, ["ada", "zoe"]);
        const fixture = ofType(await planOf("dev"), "pulumiservice:index:Team")[0];
        assert.deepEqual(fixture.inputs.members, []);
    });

    it("accepts the organization's default environment permission only when it is none (for doctor)", () => {
        assert.equal(escDefaultPermissionProblem("twine", "none"), undefined);
        for (const level of [undefined, "read", "open", "write", "admin", "bogus"]) {
            const problem = escDefaultPermissionProblem("twine", level);
            assert.ok(problem, String(level));
            assert.match(problem, /organization twine: the default environment permission is .* Fix: set it to none/);
        }
        assert.match(escDefaultPermissionProblem("twine", undefined)!, /not set \(ESC then uses write\)/);
        assert.deepEqual(
            escEnvironmentGrants("dev", 5400).map(g => [g.environment, g.maxOpenDuration]),
            [
                ["dev-aws", "1h30m"],
                ["dev-aws-preview", "1h30m"],
            ],
        );
    });
});

describe("the pull-request workflow agrees with the stack files (.github/workflows/preview.yml)", () => {
    const workflow = parse(fs.readFileSync(path.join(REPO, ".github", "workflows", "preview.yml"), "utf8"));
    const job = workflow.jobs.preview;
    const step = (uses: string) => job.steps.find((s: { uses?: string }) => s.uses?.startsWith(uses));

    /** The matrix entry each committed stack file implies, in deploy order. */
    function expectedMatrix(): Record<string, string>[] {
        return STACKS.map(stack => {
            const config = readStackSettings(REPO, stack).config;
            const deployments = JSON.parse(config["twine-infra:deployments"] ?? "{}");
            return {
                name: stack,
                account: config["twine-infra:accountId"],
                region: config["aws:region"],
                organization: deployments.organization,
            };
        });
    }

    it("has one matrix entry per stack file, with its account, region and organization", () => {
        const expected = expectedMatrix();
        const paste = expected
            .map(e => `          - { name: ${e.name}, account: "${e.account}", region: ${e.region}, organization: ${e.organization} }`)
            .join("\n");
        assert.deepEqual(job.strategy.matrix.stack, expected, `Fix: set jobs.preview.strategy.matrix.stack to\n${paste}`);
    });

    it("takes every account, region and organization from the matrix, never a literal", () => {
        const auth = step("pulumi/auth-actions");
        assert.equal(auth.with.organization, "${{ matrix.stack.organization }}");
        assert.equal(auth.with.scope, `team:${PULUMI_TEAMS.previews}`);
        const aws = step("aws-actions/configure-aws-credentials");
        assert.equal(aws.with["aws-region"], "${{ matrix.stack.region }}");
        assert.equal(aws.with["role-to-assume"], "arn:aws:iam::${{ matrix.stack.account }}:role/pulumi-${{ matrix.stack.name }}-preview");
        assert.equal(step("pulumi/actions").with["stack-name"], "${{ matrix.stack.organization }}/${{ matrix.stack.name }}");
    });
});

describe("Pulumi Cloud editions (deployments.edition)", () => {
    const DEP = "twine-infra:deployments";
    const TEAM_TYPES = [
        "pulumiservice:index:Team",
        "pulumiservice:index:TeamStackPermission",
        "pulumiservice:index:TeamEnvironmentPermission",
        "pulumiservice:index:OidcIssuer",
    ];

    it("a Team organization: no team, team grant or team token exchange; deployments, drift and environments stay", async () => {
        const plan = await planWithConfig("dns", writeStackFile(withPath(fixtureConfig("dns"), DEP, "edition", "team")));
        for (const type of TEAM_TYPES) assert.deepEqual(ofType(plan, type), [], type);
        for (const type of [
            "pulumiservice:index:DeploymentSettings",
            "pulumiservice:index:DriftSchedule",
            "pulumiservice:index:Environment",
        ]) {
            assert.ok(ofType(plan, type).length > 0, type);
        }
    });

    it("an Enterprise organization (the default): the teams, grants and token exchange", async () => {
        const plan = await planOf("dns");
        for (const type of TEAM_TYPES) assert.ok(ofType(plan, type).length > 0, type);
    });

    it("refuses deployers in a Team organization, and an unknown edition", () => {
        const team = withPath(withPath(fixtureConfig("dev"), DEP, "edition", "team"), DEP, "deployers", ["ada"]);
        assert.ok(problemsOf("dev", team).some(p => /deployers.*a Team organization has no teams/.test(p)));
        assert.ok(problemsOf("dev", withPath(fixtureConfig("dev"), DEP, "edition", "pro")).some(p => p.includes("edition")));
    });
});
