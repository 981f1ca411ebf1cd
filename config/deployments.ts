/**
 * The `deployments` section, common to every stack: Pulumi Deployments settings for the stack, its drift
 * detection, who in Pulumi Cloud may read or update it, and the AWS OIDC roles. Off unless `enabled: true`.
 */
import { z } from "zod";
import type { DeploymentSettings } from "../components/account/deploymentPreviews";
import { githubSubjectPrefixProblem } from "../components/account/oidcTrustPolicy";
import { PULUMI_EDITIONS, hasTeams } from "../components/account/pulumiCloudAccessPolicy";
import { problem } from "./primitives";
import { readsUpstreamStacks } from "./upstreamStacks";

const orgPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const repoPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export const deploymentsSchema = z
    .strictObject({
        enabled: z
            .boolean()
            .describe("Create the stack's Pulumi Deployments settings, its Pulumi Cloud access and the OIDC roles. Defaults to false."),
        organization: z
            .string()
            .regex(
                orgPattern,
                problem(
                    "not a Pulumi Cloud organization name",
                    "write the organization as it appears in app.pulumi.com/<organization>, e.g. twine",
                ),
            )
            .optional()
            .describe("Pulumi Cloud organization that owns the stack; the OIDC trust names it. Required when enabled."),
        repository: z
            .string()
            .regex(repoPattern, problem("a GitHub repository is owner/name", "write it as owner/name, e.g. twine/twine-infra"))
            .optional()
            .describe("GitHub repository holding this program, owner/name. Required when enabled."),
        githubOidcSubject: z
            .string()
            .describe(
                "The repository as GitHub's OIDC tokens name it in their subject: repo:<owner>/<repo> (legacy), or " +
                    "repo:<owner>@<owner id>/<repo>@<repo id> (immutable subject claims, GitHub's default for repositories created " +
                    "or renamed from 2026-07-15). The AWS preview role's trust and Pulumi Cloud's token exchange match it. " +
                    "Defaults to repo:<repository>.",
            ),
        edition: z
            .enum(PULUMI_EDITIONS)
            .describe(
                "The Pulumi Cloud organization's edition. enterprise or business-critical: teams, team tokens and team permissions " +
                    "(pull-request previews with the previews team's token, the deployers teams). team: a Team organization has no " +
                    "teams, so none is declared; only admins open the environments, and pull requests get the offline plan only " +
                    "(docs/build-and-delivery.md). Defaults to enterprise.",
            ),
        deployers: z
            .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, problem("not a Pulumi Cloud login", "write the user's login")))
            .describe(
                "Pulumi Cloud logins of the stack's deployers team (twine-infra-<stack>-deployers), the only team that may open " +
                    "its credentials environments. Defaults to nobody: organization admins only.",
            ),
        branch: z
            .string()
            .min(1)
            .describe("The protected branch: the only source of this stack's deployments (on push when deployCommits). Defaults to main."),
        deployCommits: z
            .boolean()
            .describe(
                "Run `pulumi up` on every push to the branch. Defaults to true in dev (a release commit deploys it) and false " +
                    "elsewhere: updates stay a reviewed, manual step. Refused, and off by default, with edition team: its " +
                    "push-triggered runs cannot read their upstream stacks.",
            ),
        paths: z
            .array(z.string().min(1))
            .describe("Only changes under these repository paths trigger deployments. Defaults to every path."),
        sessionSeconds: z
            .number()
            .int()
            .min(7200)
            .max(43200)
            .describe(
                "Lifetime of the deploy role's session, 7200-43200 seconds: a first dev or prod deploy (OpenSearch, Multi-AZ RDS, " +
                    "the image bake) outlasts an hour. Defaults to 7200.",
            ),
        driftDetection: z
            .strictObject({
                enabled: z.boolean().describe("Run a drift detection (a refresh preview with the deploy role) on a schedule."),
                scheduleCron: z
                    .string()
                    .regex(/^(\S+\s+){4}\S+$/, problem("not a five-field cron expression", "write it like 0 6 * * 1-5 (UTC)"))
                    .describe("When, as a UTC cron expression. Defaults to 0 6 * * * (daily at 06:00)."),
            })
            .partial()
            .describe(
                "Pulumi Deployments drift detection. Defaults to on in dns only: off in the stacks that read upstream stacks (bastion, " +
                    "dev, prod), whose scheduled runs may not read them (docs/build-and-delivery.md).",
            ),
        existingGithubOidcProviderArn: z
            .string()
            .regex(
                /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
                problem("not the ARN of a GitHub Actions OIDC provider", "copy it from `aws iam list-open-id-connect-providers`"),
            )
            .describe(
                "The account's GitHub OIDC provider, when it already has one (one per URL per account): used instead of " +
                    "creating it. Defaults to creating it.",
            ),
        existingPulumiOidcProviderArn: z
            .string()
            .regex(
                /^arn:aws:iam::\d{12}:oidc-provider\/api\.pulumi\.com\/oidc$/,
                problem("not the ARN of the Pulumi Cloud OIDC provider", "copy it from `aws iam list-open-id-connect-providers`"),
            )
            .describe(
                "The account's Pulumi Cloud OIDC provider, when it already has one: used instead of creating it (its audiences " +
                    "must list the organization, for Deployments, and aws:<organization>, for ESC). Defaults to creating it.",
            ),
    })
    .partial({
        enabled: true,
        githubOidcSubject: true,
        edition: true,
        deployers: true,
        branch: true,
        deployCommits: true,
        paths: true,
        sessionSeconds: true,
        driftDetection: true,
        existingGithubOidcProviderArn: true,
        existingPulumiOidcProviderArn: true,
    })
    .superRefine((value, ctx) => {
        if (value.enabled !== true) return;
        for (const key of ["organization", "repository"] as const) {
            if (!value[key]) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    input: value[key],
                    message: problem(
                        `deployments.${key} is required when deployments are enabled`,
                        `set deployments.${key}, or set deployments.enabled to false`,
                    ),
                });
            }
        }
        if (value.edition === "team" && value.deployers && value.deployers.length > 0) {
            ctx.addIssue({
                code: "custom",
                path: ["deployers"],
                input: value.deployers,
                message: problem(
                    "a Team organization has no teams, so no deployers team",
                    "remove deployments.deployers (only admins open the environments), or set deployments.edition to enterprise",
                ),
            });
        }
        // A push-triggered run holds a token for its own stack only, so it cannot read its upstream stacks' outputs
        // (Pulumi's "Deployment Permissions"); the role that would let it is a custom role, which a Team organization
        // cannot create (Pulumi's "Pulumi Cloud Role": custom roles are a Pro and Enterprise feature).
        if (value.edition === "team" && value.deployCommits === true) {
            ctx.addIssue({
                code: "custom",
                path: ["deployCommits"],
                input: value.deployCommits,
                message: problem(
                    "a Team organization cannot give push-triggered deployments a role, so each would fail at its stack references",
                    "remove deployments.deployCommits (release with `pulumi up` or the console's Deploy), or set deployments.edition " +
                        "to enterprise",
                ),
            });
        }
        if (value.githubOidcSubject !== undefined && value.repository) {
            const why = githubSubjectPrefixProblem(value.githubOidcSubject, value.repository);
            if (why) {
                ctx.addIssue({
                    code: "custom",
                    path: ["githubOidcSubject"],
                    input: value.githubOidcSubject,
                    message: problem(why, `write repo:${value.repository}, or repo:<owner>@<id>/<repo>@<id> with the ids GitHub shows`),
                });
            }
        }
    })
    .describe(
        "Pulumi Deployments of this stack: its settings, drift detection, Pulumi Cloud access and the AWS OIDC preview and deploy roles. " +
            "Off by default.",
    );

export type DeploymentsConfigInput = z.output<typeof deploymentsSchema>;

/** The section with every default applied (the DeploymentPreviews settings); `undefined` when deployments are off. */
export type DeploymentsConfig = DeploymentSettings;

export function withDeploymentsDefaults(input: DeploymentsConfigInput | undefined, accountRole: string): DeploymentsConfig | undefined {
    if (!input?.enabled || !input.organization || !input.repository) return undefined;
    return {
        organization: input.organization,
        repository: input.repository,
        githubSubjectPrefix: input.githubOidcSubject ?? `repo:${input.repository}`,
        edition: input.edition ?? "enterprise",
        deployers: input.deployers ?? [],
        branch: input.branch ?? "main",
        // Dev's release is its release commit (image.aptRepo.twineVersion): Jenkins holds no Pulumi token to start it.
        // Not in a Team organization: its push-triggered runs cannot read their upstream stacks (the check above).
        deployCommits: input.deployCommits ?? (accountRole === "dev" && hasTeams(input.edition ?? "enterprise")),
        paths: input.paths ?? [],
        sessionSeconds: input.sessionSeconds ?? 7200,
        driftDetection: {
            // Off where the stack reads upstream stacks: a scheduled run may hold a token for its own stack only,
            // like a push (docs/build-and-delivery.md, "Runs that carry no person's permissions"), until verified.
            enabled: input.driftDetection?.enabled ?? !readsUpstreamStacks(accountRole),
            scheduleCron: input.driftDetection?.scheduleCron ?? "0 6 * * *",
        },
        existingGithubOidcProviderArn: input.existingGithubOidcProviderArn,
        existingPulumiOidcProviderArn: input.existingPulumiOidcProviderArn,
    };
}
