/**
 * The delivery path: no job a pull request triggers holds a Pulumi token that can update, or any way to a write
 * role, read from the workflow files themselves.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PULUMI_TEAMS, STACK_READ } from "../components/account/pulumiCloudAccessPolicy";
import { REPO, fixtureConfig } from "./helpers/config";
import { IamHarness } from "./helpers/iam";
import { STACKS, ofType, organizationPlanOf, planOf } from "./helpers/plans";

const WORKFLOWS = path.join(REPO, ".github", "workflows");

interface Step {
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, unknown>;
}
interface Job {
    readonly steps?: readonly Step[];
    readonly env?: Record<string, unknown>;
    readonly permissions?: unknown;
}
interface Workflow {
    readonly on: unknown;
    readonly env?: Record<string, unknown>;
    readonly permissions?: unknown;
    readonly jobs: Record<string, Job>;
}

/** Events that run a workflow for a pull request, in the order GitHub documents them. */
const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"];

function triggers(workflow: Workflow): string[] {
    const on = workflow.on;
    return typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : Object.keys(on as object);
}

/**
 * Everything a pull-request workflow could use to reach a write path: the secrets it reads, the Pulumi tokens it
 * asks for, the AWS roles it assumes, the Pulumi commands it runs. Exported for the checks over the plans.
 */
export function pullRequestReach(text: string): { problems: string[]; roles: string[]; teams: string[] } {
    const workflow = parse(text) as Workflow;
    const problems: string[] = [];
    const roles: string[] = [];
    const teams: string[] = [];
    if (triggers(workflow).includes("pull_request_target")) {
        problems.push("pull_request_target runs with the base repository's secrets and a write token");
    }
    for (const secret of text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)) {
        if (secret[1] !== "GITHUB_TOKEN")
            problems.push(`reads the repository secret ${secret[1]}, which GitHub hands to same-repository pull requests`);
    }
    const envs = [workflow.env, ...Object.values(workflow.jobs).flatMap(job => [job.env, ...(job.steps ?? []).map(s => s.env)])];
    for (const env of envs) {
        for (const key of Object.keys(env ?? {})) {
            if (/^(PULUMI_ACCESS_TOKEN|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)$/.test(key))
                problems.push(`sets ${key} in the environment`);
        }
    }
    for (const [name, job] of Object.entries(workflow.jobs)) {
        if (job.permissions === "write-all" || workflow.permissions === "write-all") problems.push(`${name}: write-all permissions`);
        for (const step of job.steps ?? []) {
            const uses = step.uses ?? "";
            if (uses.startsWith("pulumi/auth-actions")) {
                const type = String(step.with?.["requested-token-type"] ?? "urn:pulumi:token-type:access_token:organization");
                const scope = String(step.with?.scope ?? "");
                if (type !== "urn:pulumi:token-type:access_token:team")
                    problems.push(`${name}: asks Pulumi Cloud for a ${type.split(":").pop()} token`);
                else teams.push(scope.replace(/^team:/, ""));
            }
            if (uses.startsWith("aws-actions/configure-aws-credentials")) {
                if (step.with?.["aws-access-key-id"]) problems.push(`${name}: static AWS keys`);
                roles.push(String(step.with?.["role-to-assume"] ?? ""));
            }
            if (uses.startsWith("pulumi/actions") && step.with?.command !== "preview") {
                problems.push(`${name}: pulumi/actions runs ${String(step.with?.command)}`);
            }
            if (
                /\bpulumi\s+(up|update|destroy|refresh|import|cancel|stack\s+(rm|import)|config\s+set|state)\b|api\.pulumi\.com/.test(
                    step.run ?? "",
                )
            ) {
                problems.push(`${name}: runs "${(step.run ?? "").trim().split("\n")[0]}"`);
            }
        }
    }
    return { problems, roles, teams };
}

describe("delivery: pull-request workflows", () => {
    const files = fs.readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f));
    const pullRequestFiles = files.filter(f =>
        triggers(parse(fs.readFileSync(path.join(WORKFLOWS, f), "utf8"))).some(t => PULL_REQUEST_EVENTS.includes(t)),
    );

    it("has at least the preview workflow on pull requests", () => {
        assert.ok(pullRequestFiles.includes("preview.yml"), files.join(", "));
    });

    for (const file of pullRequestFiles) {
        describe(file, () => {
            const reach = pullRequestReach(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"));
            it("reads no repository secret and sets no Pulumi or AWS credential", () => {
                assert.deepEqual(reach.problems, []);
            });
            it("gets its Pulumi Cloud token only for the read-only previews team", () => {
                assert.ok(reach.teams.length > 0, "no Pulumi token at all: previews could not run");
                assert.deepEqual([...new Set(reach.teams)], [PULUMI_TEAMS.previews]);
            });
            it("assumes only the stacks' preview roles", () => {
                for (const role of reach.roles) assert.match(role, /:role\/pulumi-[^/]+-preview$/);
            });
        });
    }
});

describe("delivery: what the pull-request token reaches, over the plans", () => {
    const grantsOf = async (team: string) => {
        const grants: Record<string, number> = {};
        for (const p of ofType(await organizationPlanOf(), "pulumiservice:index:TeamStackPermission")) {
            if (p.inputs.team === team) grants[String(p.inputs.stack)] = Number(p.inputs.permission);
        }
        return grants;
    };

    it("the previews team holds Read on every stack and nothing more: it can preview, never start a deployment", async () => {
        const grants = await grantsOf(PULUMI_TEAMS.previews);
        assert.deepEqual(grants, Object.fromEntries(STACKS.map(s => [s, STACK_READ])));
    });

    it("only a pull-request run of this repository gets a Pulumi token, and only the previews team's", async () => {
        const issuers = ofType(await organizationPlanOf(), "pulumiservice:index:OidcIssuer");
        assert.equal(issuers.length, 1, "one owner of the GitHub token exchange");
        const { repository, organization } = JSON.parse(fixtureConfig("dns")["twine-infra:deployments"]);
        assert.deepEqual(issuers[0].inputs.policies, [
            {
                decision: "allow",
                rules: { aud: `urn:pulumi:org:${organization}`, sub: `repo:${repository}:pull_request` },
                teamName: PULUMI_TEAMS.previews,
                tokenType: "team",
            },
        ]);
    });

    it("no stack's Deployments run a pull request's code (their token would be admin on the stack)", async () => {
        const settings = ofType(await organizationPlanOf(), "pulumiservice:index:DeploymentSettings");
        assert.equal(settings.length, STACKS.length);
        for (const s of settings) {
            assert.equal((s.inputs as { vcs: { previewPullRequests: boolean } }).vcs.previewPullRequests, false, String(s.inputs.stack));
        }
    });

    it("the AWS roles the workflow assumes reach no write role: they may assume only read-only counterparts", async () => {
        const h = IamHarness.fromPlans(await Promise.all(STACKS.map(planOf)));
        const previews = h.roles.filter(r => /^pulumi-[^/]+-preview$/.test(r.name));
        assert.equal(previews.length, STACKS.length);
        const others = h.roles.filter(r => !previews.includes(r));
        for (const preview of previews) {
            for (const target of others) {
                const decision = await h.assume({ role: target, from: { role: preview } });
                if (decision === "Allowed")
                    assert.match(target.name, /-read$/, `${preview.name} can assume ${target.stack}/${target.name}`);
            }
        }
    });
});
