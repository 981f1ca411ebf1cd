import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { DeploymentSettings, ecrRegistry } from "./deploymentPreviews";
import { deployRoleName, previewRoleName } from "./deployRolePolicy";
import { EscEnvironments } from "./escEnvironments";
import { GITHUB_OIDC_HOST } from "./oidcTrustPolicy";
import {
    PULUMI_TEAMS,
    UPSTREAM_READ_ROLE,
    githubPreviewsPolicy,
    hasTeams,
    stackGrants,
    upstreamReadPermissions,
} from "./pulumiCloudAccessPolicy";

/** One stack whose Pulumi Cloud side the organization stack declares: what its stack file says. */
export interface ManagedStack {
    readonly stack: string;
    readonly project: string;
    readonly accountId: string;
    readonly region: string;
    readonly settings: DeploymentSettings;
    /** The outputs contract's names the stack exports, exposed by its outputs environment. */
    readonly outputNames: readonly string[];
    /** Whether the stack's providers assume roles of other accounts (plan/providerRole.ts stackCrossAccountRoles). */
    readonly assumesCrossAccountRoles: boolean;
}

export interface PulumiCloudAccessArgs {
    /** The stacks with deployments enabled; they must agree on the organization, its edition and the repository. */
    readonly stacks: readonly ManagedStack[];
    /** The Pulumi Cloud provider: an organization admin's token, from the organization stack's admin-only environment. */
    readonly provider: pulumiservice.Provider;
}

/**
 * The Pulumi Cloud provider. Its token is an organization admin's, from the environment: PULUMI_ACCESS_TOKEN, which the
 * organization stack file's admin-only ESC import sets (the provider "uses the same environment variables as Pulumi
 * does": Pulumi Cloud provider, "Installation & Configuration"). Never config, so never state.
 */
export function pulumiCloudProvider(name: string): pulumiservice.Provider {
    return new pulumiservice.Provider(name, {});
}

/** The project's own stack roles, by name: DeploymentPreviews creates them with these fixed names and no path. */
export function stackRoleArns(accountId: string, stack: string): { deploy: string; preview: string } {
    const arn = (name: string) => `arn:aws:iam::${accountId}:role/${name}`;
    return { deploy: arn(deployRoleName(stack)), preview: arn(previewRoleName(stack)) };
}

/** Why the stacks cannot share one organization stack, if they cannot: one organization, edition and repository. */
export function pulumiCloudAccessProblems(stacks: readonly ManagedStack[]): string[] {
    const problems: string[] = [];
    for (const key of ["organization", "edition", "githubSubjectPrefix"] as const) {
        const values = [...new Set(stacks.map(s => s.settings[key]))];
        if (values.length > 1) {
            const by = stacks.map(s => `${s.stack}: ${s.settings[key]}`).join(", ");
            problems.push(
                `deployments.${key} differs between the stack files (${by}): one organization stack serves one organization, ` +
                    "edition and repository. Fix: write the same value in every Pulumi.<stack>.yaml",
            );
        }
    }
    return problems;
}

/**
 * Every Pulumi Cloud resource of the project, in one stack that only an organization admin updates: the teams and
 * the GitHub token exchange, and per stack its Deployments settings, drift schedule, team grants and ESC environments
 * (with their deployers team and its grants). A stack's own Deployments run could not change them: a run started by
 * a git push "uses an ephemeral stack token that has admin permissions on only the stack itself, but nothing else"
 * (Pulumi's "Deployment Permissions"), and with default access a deployment fails to "access environments" or
 * "manage organization resources such as teams, members, or OIDC issuers" (Pulumi's "Pulumi Cloud Role"). So no
 * stack that a machine updates declares any, and only an organization admin updates this one.
 */
export class PulumiCloudAccess extends pulumi.ComponentResource {
    constructor(name: string, args: PulumiCloudAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:PulumiCloudAccess", name, {}, opts);
        const problems = pulumiCloudAccessProblems(args.stacks);
        if (problems.length > 0)
            throw new pulumi.ResourceError(`the stack files' deployments disagree:\n - ${problems.join("\n - ")}`, this);
        if (args.stacks.length === 0) {
            this.registerOutputs({});
            return;
        }
        const cloud = { parent: this, provider: args.provider };
        const { organization, edition, githubSubjectPrefix } = args.stacks[0].settings;
        // A Team organization has no teams: no grants, no token exchange; its pull requests get the offline plan.
        const teams: pulumi.Resource[] = [];
        if (hasTeams(edition)) {
            teams.push(
                new pulumiservice.Team(
                    `${name}-team-previews`,
                    {
                        organizationName: organization,
                        teamType: "pulumi",
                        name: PULUMI_TEAMS.previews,
                        displayName: "twine-infra previews",
                        description: "Read on every twine-infra stack: pull-request previews",
                        members: [],
                    },
                    cloud,
                ),
            );
            new pulumiservice.OidcIssuer(
                `${name}-github-issuer`,
                {
                    organization,
                    name: "github-actions",
                    url: `https://${GITHUB_OIDC_HOST}`,
                    maxExpirationSeconds: 3600,
                    policies: [githubPreviewsPolicy(organization, githubSubjectPrefix)],
                },
                { ...cloud, dependsOn: teams },
            );
        }
        // Custom roles exist in Enterprise organizations only ("Pulumi Cloud Role"); the assignment is a console step.
        if (hasTeams(edition) && args.stacks.some(s => s.settings.deployCommits)) {
            new pulumiservice.OrganizationRole(
                `${name}-upstream-read`,
                {
                    organizationName: organization,
                    name: UPSTREAM_READ_ROLE,
                    description: "Stack Read's scopes on every stack: push-triggered deployments read their upstream stacks' outputs",
                    permissions: upstreamReadPermissions(),
                },
                cloud,
            );
        }
        for (const s of args.stacks) this.declareStack(s, teams, cloud);
        this.registerOutputs({});
    }

    private declareStack(
        s: ManagedStack,
        teams: pulumi.Resource[],
        cloud: { parent: pulumi.Resource; provider: pulumiservice.Provider },
    ): void {
        const stackId = { organization: s.settings.organization, project: s.project, stack: s.stack };
        const roles = stackRoleArns(s.accountId, s.stack);
        const sessionSeconds = s.settings.sessionSeconds;
        const settings = new pulumiservice.DeploymentSettings(
            `${s.stack}-deployments-settings`,
            {
                ...stackId,
                vcs: {
                    provider: "GitHub",
                    repository: s.settings.repository,
                    // A pull request's deployment runs its code with a token that is admin on the stack (Pulumi's
                    // "Deployment permissions"): enough to start an update. Pull requests preview in GitHub Actions.
                    previewPullRequests: false,
                    deployCommits: s.settings.deployCommits,
                    pullRequestTemplate: false,
                    paths: s.settings.paths.length > 0 ? [...s.settings.paths] : undefined,
                },
                sourceContext: { git: { branch: `refs/heads/${s.settings.branch}` } },
                operationContext: {
                    // setup.sh: the tests' tools and npm packages; deploy-tools.sh: the Packer and Session Manager plugin a
                    // dev update bakes the AMI with (Debian's Packer 1.6 is refused by the template). Then drop the stack
                    // file's ESC import: deployments bring their own AWS session (oidc below), and a deployment's Pulumi
                    // identity must not be allowed to open the deploy environment (docs/build-and-delivery.md).
                    preRunCommands: [
                        "bash scripts/setup.sh",
                        // and the ECR credential helper for the account's registry, which the Jenkins image is pushed to
                        `bash scripts/deploy-tools.sh ${ecrRegistry(s.accountId, s.region)}`,
                        `npm run -s stack-file -- ${s.stack} --credentials none --in-place`,
                        // The profiles the cross-account providers name, assumed with this session from the environment,
                        // into the runner's ~/.aws/config: outside the work tree (components/account/roleProfileConfig.ts).
                        ...(s.assumesCrossAccountRoles
                            ? [`npx twine-infra profiles ${s.stack} --credential-source Environment --append`]
                            : []),
                    ],
                    options: { skipInstallDependencies: true },
                    oidc: {
                        aws: {
                            // Every operation Deployments runs here changes or refreshes the stack: the deploy role.
                            roleARN: roles.deploy,
                            sessionName: `pulumi-deployments-${s.stack}`,
                            duration: `${sessionSeconds}s`,
                        },
                    },
                },
            },
            cloud,
        );
        if (s.settings.driftDetection.enabled) {
            new pulumiservice.DriftSchedule(
                `${s.stack}-deployments-drift`,
                { ...stackId, scheduleCron: s.settings.driftDetection.scheduleCron, autoRemediate: false },
                { ...cloud, dependsOn: [settings] },
            );
        }
        for (const grant of hasTeams(s.settings.edition) ? stackGrants() : []) {
            new pulumiservice.TeamStackPermission(
                `${s.stack}-deployments-${grant.team}`,
                { ...stackId, team: grant.team, permission: grant.permission },
                { ...cloud, dependsOn: teams },
            );
        }
        new EscEnvironments(
            `${s.stack}-esc`,
            {
                organization: s.settings.organization,
                stack: s.stack,
                deployRoleArn: roles.deploy,
                previewRoleArn: roles.preview,
                sessionSeconds,
                outputNames: s.outputNames,
                deployers: s.settings.deployers,
                teams: hasTeams(s.settings.edition),
                serviceProvider: cloud.provider,
            },
            { parent: this },
        );
    }
}
