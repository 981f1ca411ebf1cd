/**
 * Who in Pulumi Cloud may do what to this project's stacks, as plain data: the teams of the delivery path, their
 * permission on each stack, and the token exchange that gives pull-request runs the previews team's token.
 * The workflow files name the previews team too (.github/workflows/preview.yml); a test keeps both in step.
 */
import * as pulumiservice from "@pulumi/pulumiservice";
import { githubPullRequestSubject } from "./oidcTrustPolicy";

export const PULUMI_TEAMS = {
    /** Read on every stack: runs previews, cannot start a deployment or edit a stack. Pull-request jobs. */
    previews: "twine-infra-previews",
} as const;

/** Pulumi Cloud's stack permission levels (TeamStackPermissionScope). Write starts deployments and edits config. */
export const STACK_READ = pulumiservice.TeamStackPermissionScope.Read;
export const STACK_WRITE = pulumiservice.TeamStackPermissionScope.Edit;

export interface TeamGrant {
    readonly team: string;
    readonly permission: pulumiservice.TeamStackPermissionScope;
}

/**
 * The team grants on every stack. Stack Read "allows running previews" and holds no stack_deployment:create (Pulumi
 * Cloud's permission sets); only Write can start a deployment, and Write can override a deployment's source and
 * pre-run commands, so it is the deploy role's power: no machine token holds it on any stack. Deployments start
 * from the stack's protected branch (push-to-deploy: dev's release commit) or from a person an admin grants Write.
 */
export function stackGrants(): TeamGrant[] {
    return [{ team: PULUMI_TEAMS.previews, permission: STACK_READ }];
}

/**
 * The custom role a stack's push-triggered deployments need to read their upstream stacks' outputs: such a run holds a
 * token for its own stack only (Pulumi's "Deployment Permissions"). An organization admin assigns it to dev's
 * deployments settings in the console: provider 1.3.0's DeploymentSettings has no field for it.
 */
export const UPSTREAM_READ_ROLE = "twine-infra-upstream-read";

/**
 * The role's scopes: those of Stack Read that reading a stack's outputs uses (the stack, its checkpoint, its secret
 * outputs). On every stack, not dns and bastion only: a stack-scoped grant names each stack by its opaque Pulumi
 * Cloud id (the provider's buildStackScopedPermissions), which nothing here can look up; the previews team already
 * holds Stack Read on every stack, and no state holds a credential (the inventory test).
 */
export const UPSTREAM_READ_SCOPES = ["stack:read", "stack:export", "stack:decrypt"] as const;

/**
 * The role's permission descriptor, in Pulumi Cloud's wire grammar: an allow of the scopes (the shape the provider's
 * buildAllowPermissions returns; pulumi-pulumiservice provider/pkg/functions/role_permissions.go).
 */
export function upstreamReadPermissions(): Record<string, unknown> {
    return { __type: "PermissionDescriptorAllow", permissions: [...UPSTREAM_READ_SCOPES] };
}

/**
 * Pulumi Cloud editions, as deployments.edition names them. Teams, team tokens, team stack and environment
 * permissions exist only in Enterprise and Business Critical organizations (Pulumi Cloud's pricing and "Teams"
 * pages); a Team organization has members and organization roles only, so the dns stack's first `up` would fail
 * creating its teams.
 */
export const PULUMI_EDITIONS = ["enterprise", "business-critical", "team"] as const;
export type PulumiEdition = (typeof PULUMI_EDITIONS)[number];

/** Whether the organization has teams (and so team tokens and team permissions). */
export function hasTeams(edition: PulumiEdition): boolean {
    return edition !== "team";
}

/**
 * The authorization policy of the GitHub Actions OIDC issuer: a token of a pull-request run of this repository
 * (subject <prefix>:pull_request, either form of githubPullRequestSubject; audience urn:pulumi:org:<org>) is exchanged for a token of the
 * previews team, and nothing else: no other subject, no organization or personal token.
 */
export function githubPreviewsPolicy(
    organization: string,
    githubSubjectPrefix: string,
): pulumiservice.types.input.AuthPolicyDefinitionArgs {
    return {
        decision: pulumiservice.AuthPolicyDecision.Allow,
        tokenType: pulumiservice.AuthPolicyTokenType.Team,
        teamName: PULUMI_TEAMS.previews,
        rules: { aud: `urn:pulumi:org:${organization}`, sub: githubPullRequestSubject(githubSubjectPrefix) },
    };
}
