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
import { PULUMI_TEAMS, UPSTREAM_READ_ROLE, STACK_READ } from "../components/account/pulumiCloudAccessPolicy";
import { Plan, runProgram } from "../plan/run";
import { readStackSettings } from "../plan/stackFile";
import { parseStackConfig } from "../config";
import { REPO, fixtureConfig, problemsOf, withPath, writeStackFile } from "./helpers/config";
import {
    STACKS,
    committedPlanOf,
    ofType,
    organizationPlanOf,
    organizationPlanWith,
    planOf,
    planWithConfig,
    serialPlan,
} from "./helpers/plans";

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

/** The organization stack's plan with one deployments key set alike in every fixture stack file. */
function organizationPlanWithAll(section: string, key: string, value: unknown): Promise<Plan> {
    return organizationPlanWith(Object.fromEntries(STACKS.map(s => [s, writeStackFile(withPath(fixtureConfig(s), section, key, value))])));
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
        // every stack file names the same subject, or the organization stack refuses them
        const all = writeStackFile(withPath(fixtureConfig("dev"), DEP, "githubOidcSubject", IMMUTABLE));
        await assert.rejects(organizationPlanWith({ dev: all }), /githubSubjectPrefix differs between the stack files/);
        const [issuer] = ofType(await organizationPlanWithAll(DEP, "githubOidcSubject", IMMUTABLE), "pulumiservice:index:OidcIssuer");
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
            const plan = await organizationPlanOf();
            const grants = ofType(plan, "pulumiservice:index:TeamEnvironmentPermission")
                .map(g => g.inputs as any)
                .filter(g => g.environment.startsWith(`${stack}-`));
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
        const deployers = (plan: Plan) =>
            ofType(plan, "pulumiservice:index:Team").find(t => t.inputs.name === "twine-infra-dev-deployers")!;
        assert.deepEqual(deployers(await organizationPlanWith({ dev: file })).inputs.members, ["ada", "zoe"]);
        assert.deepEqual(deployers(await organizationPlanOf()).inputs.members, []);
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
        const plan = await organizationPlanWithAll(DEP, "edition", "team");
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
        const plan = await organizationPlanOf();
        for (const type of TEAM_TYPES) assert.ok(ofType(plan, type).length > 0, type);
    });

    it("a Team organization: dev's push-to-deploy is off by default and refused (its run cannot read its upstreams)", () => {
        const team = withPath(fixtureConfig("dev"), DEP, "edition", "team");
        assert.equal((parseStackConfig("dev", team) as any).deployments.deployCommits, false);
        assert.equal((parseStackConfig("dev", fixtureConfig("dev")) as any).deployments.deployCommits, true, "on in Enterprise");
        const problems = problemsOf("dev", withPath(team, DEP, "deployCommits", true));
        assert.ok(
            problems.some(p => /deployCommits.*Team organization.*stack references.*Fix: .*pulumi up/.test(p)),
            problems.join("\n"),
        );
    });

    it("refuses deployers in a Team organization, and an unknown edition", () => {
        const team = withPath(withPath(fixtureConfig("dev"), DEP, "edition", "team"), DEP, "deployers", ["ada"]);
        assert.ok(problemsOf("dev", team).some(p => /deployers.*a Team organization has no teams/.test(p)));
        assert.ok(problemsOf("dev", withPath(fixtureConfig("dev"), DEP, "edition", "pro")).some(p => p.includes("edition")));
    });
});

describe("where the Pulumi Cloud resources live: the organization stack, updated by an organization admin only", () => {
    const isPulumiCloud = (type: string) => type.startsWith("pulumiservice:") || type === "pulumi:providers:pulumiservice";

    for (const stack of STACKS) {
        it(`${stack}: declares no Pulumi Cloud resource (its Deployments run or a stack writer could not change them)`, async () => {
            for (const plan of [await planOf(stack), await committedPlanOf(stack)]) {
                assert.deepEqual(
                    plan.resources.filter(r => isPulumiCloud(r.type)).map(r => `${r.type} ${r.name}`),
                    [],
                );
            }
        });
    }

    it("the organization stack declares each stack's settings, drift schedule, grants and environments (fixtures, committed)", async () => {
        for (const plan of [await organizationPlanOf(), await organizationPlanOf(REPO)]) {
            const stacksOf = (type: string) => ofType(plan, type).map(r => String(r.inputs.stack ?? r.inputs.name));
            assert.deepEqual(stacksOf("pulumiservice:index:DeploymentSettings").sort(), [...STACKS].sort());
            assert.deepEqual(stacksOf("pulumiservice:index:TeamStackPermission").sort(), [...STACKS].sort());
            const environments = ofType(plan, "pulumiservice:index:Environment").map(e => String(e.inputs.name));
            for (const stack of STACKS) assert.ok(environments.includes(`${stack}-aws`), stack);
            // and nothing of its own: no Deployments settings, grant or schedule on the organization stack or project
            const project = JSON.parse(JSON.stringify(plan.resources.filter(r => isPulumiCloud(r.type)).map(r => r.inputs)));
            assert.ok(!JSON.stringify(project).includes("twine-infra-pulumi-cloud"));
            assert.ok(!JSON.stringify(project).includes("pulumi-cloud-admin"), "no grant on the admin-only environment");
        }
    });

    it("its stack file takes the admin token only from the admin-only environment, which no stack file or grant names", () => {
        const file = parse(fs.readFileSync(path.join(REPO, "pulumi-cloud", "Pulumi.organization.yaml"), "utf8"));
        assert.deepEqual(file.environment, ["twine-infra/pulumi-cloud-admin"]);
        assert.equal(file.config, undefined, "no token or setting in config");
        for (const stack of STACKS) {
            assert.doesNotMatch(fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8"), /pulumi-cloud-admin/, stack);
        }
    });

    it("declares the role dev's push-to-deploy needs to read its upstreams (Stack Read's scopes), in Enterprise only", async () => {
        for (const plan of [await organizationPlanOf(), await organizationPlanOf(REPO)]) {
            const roles = ofType(plan, "pulumiservice:index:OrganizationRole").map(r => r.inputs as any);
            const organization = (ofType(plan, "pulumiservice:index:DeploymentSettings")[0].inputs as any).organization;
            assert.deepEqual(
                roles.map(r => [r.name, r.organizationName]),
                [[UPSTREAM_READ_ROLE, organization]],
            );
            assert.deepEqual(roles[0].permissions, {
                __type: "PermissionDescriptorAllow",
                permissions: ["stack:read", "stack:export", "stack:decrypt"],
            });
            assert.equal(roles[0].resourceType, undefined, "global: assignable to a stack's deployments");
        }
        assert.deepEqual(
            ofType(await organizationPlanWithAll("twine-infra:deployments", "edition", "team"), "pulumiservice:index:OrganizationRole"),
            [],
        );
    });

    it("refuses stack files that name different organizations, before any resource", async () => {
        const other = writeStackFile(withPath(fixtureConfig("dns"), "twine-infra:deployments", "organization", "elsewhere"));
        await assert.rejects(
            organizationPlanWith({ dns: other }),
            /deployments\.organization differs between the stack files \(.*dns: elsewhere.*Fix: /,
        );
    });
});

describe("Jenkins holds no Pulumi token (images/jenkins)", () => {
    const JOBS = path.join(REPO, "images", "jenkins", "jobs");

    it("the release pipeline starts no deployment and binds no Pulumi token", () => {
        for (const file of ["Jenkinsfile", "pipelines.groovy"]) {
            const text = fs.readFileSync(path.join(JOBS, file), "utf8");
            assert.doesNotMatch(text, /api\.pulumi\.com|PULUMI_|pulumi-access-token|DEPLOY_DEV/i, file);
        }
        const casc = fs.readFileSync(path.join(REPO, "images", "jenkins", "casc.yaml"), "utf8");
        assert.doesNotMatch(casc.replace(/^\s*#.*$/gm, ""), /pulumi/i);
    });

    it("dev creates no Pulumi token secret for Jenkins, and no team holds Write on any stack", async () => {
        for (const plan of [await planOf("dev"), await committedPlanOf("dev")]) {
            const names = ofType(plan, "aws:secretsmanager/secret:Secret").map(s => String(s.inputs.name));
            assert.deepEqual(
                names.filter(n => /pulumi/i.test(n)),
                [],
            );
        }
        for (const plan of [await organizationPlanOf(), await organizationPlanOf(REPO)]) {
            const grants = ofType(plan, "pulumiservice:index:TeamStackPermission").map(g => g.inputs as any);
            assert.ok(grants.length > 0);
            for (const g of grants) assert.deepEqual([g.team, g.permission], [PULUMI_TEAMS.previews, STACK_READ], g.stack);
            assert.deepEqual(
                ofType(plan, "pulumiservice:index:Team")
                    .map(t => t.inputs.name)
                    .filter(n => /jenkins/i.test(String(n))),
                [],
            );
        }
    });

    it("dev deploys its release commit itself: push-to-deploy of its protected branch, by default in dev only", async () => {
        const settings = ofType(await organizationPlanOf(), "pulumiservice:index:DeploymentSettings").map(s => s.inputs as any);
        for (const s of settings) assert.equal(s.vcs.deployCommits, s.stack === "dev", s.stack);
        const dev = settings.find(s => s.stack === "dev");
        assert.equal(dev.sourceContext.git.branch, "refs/heads/main");
    });
});

describe("the organization stack's project (pulumi-cloud/)", () => {
    it("names its own entry point: unnamed, the Node.js runtime would run the nearest package.json's main, the AWS program", () => {
        const project = parse(fs.readFileSync(path.join(REPO, "pulumi-cloud", "Pulumi.yaml"), "utf8"));
        assert.equal(project.main, "index.ts");
        assert.ok(fs.existsSync(path.join(REPO, "pulumi-cloud", project.main)));
        assert.notEqual(project.name, parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")).name);
        const entry = fs.readFileSync(path.join(REPO, "pulumi-cloud", "index.ts"), "utf8");
        assert.match(entry, /buildPulumiCloud\(path\.join\(__dirname, "\.\."\)\)/, "it reads the stack files one folder up");
    });

    it("its entry point, run as the runtime runs it, declares the committed stacks' Pulumi Cloud resources", async () => {
        const plan = await serialPlan(() =>
            runProgram(
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                () => require(path.join(REPO, "pulumi-cloud", "index.ts")),
                { stack: "organization" },
            ),
        );
        const settings = ofType(plan, "pulumiservice:index:DeploymentSettings").map(s => String(s.inputs.stack));
        assert.deepEqual(settings.sort(), [...STACKS].sort());
    });
});
