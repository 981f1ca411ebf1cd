import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { escAwsAudience, escEnvironmentNames, escTrustStatement } from "./escEnvironmentConfig";
import { stableJson } from "./iamPolicy";
import { DEPLOY_OPERATIONS, GITHUB_OIDC_HOST, PREVIEW_OPERATIONS, PULUMI_OIDC_HOST, StackIdentity, githubPullRequestTrustStatement, pulumiTrustStatement, trustPolicy } from "./oidcTrustPolicy";

/** A stack's deployment settings; config/deployments.ts produces them with its defaults applied. */
export interface DeploymentSettings {
    /** Pulumi Cloud organization that owns the stack. */
    readonly organization: string;
    /** GitHub repository of this program, owner/name. */
    readonly repository: string;
    /** Branch deployed on push and compared against in previews. */
    readonly branch: string;
    readonly previewPullRequests: boolean;
    /** Run `pulumi up` on every push to the branch. */
    readonly deployCommits: boolean;
    /** Repository paths whose changes trigger deployments; empty means every path. */
    readonly paths: readonly string[];
    /** Lifetime of the assumed-role session in seconds. */
    readonly sessionSeconds: number;
    /**
     * IAM allows one OIDC provider per URL per account: the account's existing ones, used instead of creating them.
     * Absent: the provider is created.
     */
    readonly existingGithubOidcProviderArn?: string;
    readonly existingPulumiOidcProviderArn?: string;
}

export interface DeploymentPreviewsArgs extends StackIdentity, DeploymentSettings {
    /** Provider for the Pulumi Cloud resources; its access token comes from PULUMI_ACCESS_TOKEN, never config. */
    readonly serviceProvider: pulumiservice.Provider;
}

/** The Pulumi Cloud provider; its access token comes from PULUMI_ACCESS_TOKEN in the environment, never config. */
export function pulumiCloudProvider(name: string): pulumiservice.Provider {
    return new pulumiservice.Provider(name, {});
}

/**
 * Pulumi Deployments for one stack: settings that preview every pull request of this repository, and the AWS
 * side of OIDC — the identity providers (Pulumi Cloud, and GitHub for teams that preview from Actions), a
 * read-only role for previews and a deploy role for updates, each trusting only this organization, project and
 * stack. AWS resources use the component's AWS provider; the settings use `serviceProvider`.
 */
export class DeploymentPreviews extends pulumi.ComponentResource {
    public readonly previewRole: aws.iam.Role;
    public readonly deployRole: aws.iam.Role;
    public readonly settings: pulumiservice.DeploymentSettings;

    constructor(name: string, args: DeploymentPreviewsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:DeploymentPreviews", name, args, opts);
        const parent = { parent: this };
        const sessionSeconds = args.sessionSeconds;
        const id: StackIdentity = { organization: args.organization, project: args.project, stack: args.stack };

        // Pulumi Deployments' tokens carry the organization as audience, ESC's aws-login tokens aws:<organization>:
        // an existing provider must list both (docs/runbook.md, section 1).
        const pulumiOidc = {
            arn: args.existingPulumiOidcProviderArn
                ? pulumi.output(args.existingPulumiOidcProviderArn)
                : new aws.iam.OpenIdConnectProvider(
                      `${name}-pulumi-oidc`,
                      { url: `https://${PULUMI_OIDC_HOST}`, clientIdLists: [args.organization, escAwsAudience(args.organization)] },
                      parent,
                  ).arn,
        };
        const esc = escEnvironmentNames(args.stack);
        const githubOidc = {
            arn: args.existingGithubOidcProviderArn
                ? pulumi.output(args.existingGithubOidcProviderArn)
                : new aws.iam.OpenIdConnectProvider(`${name}-github-oidc`, { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ["sts.amazonaws.com"] }, parent).arn,
        };

        this.previewRole = new aws.iam.Role(
            `${name}-preview`,
            {
                name: `pulumi-${args.stack}-preview`,
                description: `Read-only previews of ${args.project}/${args.stack} (Pulumi Deployments, GitHub Actions pull requests)`,
                maxSessionDuration: Math.max(3600, sessionSeconds),
                assumeRolePolicy: pulumi
                    .all([pulumiOidc.arn, githubOidc.arn])
                    .apply(([pulumiArn, githubArn]) =>
                        stableJson(
                            trustPolicy(
                                pulumiTrustStatement(pulumiArn, id, PREVIEW_OPERATIONS),
                                githubPullRequestTrustStatement(githubArn, args.repository),
                                escTrustStatement(pulumiArn, args.organization, esc.preview),
                            ),
                        ),
                    ),
            },
            parent,
        );
        new aws.iam.RolePolicyAttachment(`${name}-preview`, { role: this.previewRole.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, { parent: this.previewRole });

        this.deployRole = new aws.iam.Role(
            `${name}-deploy`,
            {
                // A fixed name, so a pipeline can ask Pulumi Deployments to update with it (see images/jenkins).
                name: `pulumi-${args.stack}-deploy`,
                description: `Updates of ${args.project}/${args.stack} by Pulumi Deployments`,
                maxSessionDuration: Math.max(3600, sessionSeconds),
                // When commits deploy, the settings' one role also runs the pull-request previews.
                // And the stack's deploy credentials environment, which `pulumi up` opens through the stack file.
                assumeRolePolicy: pulumiOidc.arn.apply(arn =>
                    stableJson(
                        trustPolicy(
                            pulumiTrustStatement(
                                arn,
                                id,
                                args.deployCommits ? [...PREVIEW_OPERATIONS, ...DEPLOY_OPERATIONS] : DEPLOY_OPERATIONS,
                            ),
                            escTrustStatement(arn, args.organization, esc.deploy),
                        ),
                    ),
                ),
            },
            parent,
        );
        // The stack builds its whole account (VPCs, IAM roles, KMS keys...): its deployer needs broad rights, which
        // is why only this stack's update and refresh operations may assume it.
        new aws.iam.RolePolicyAttachment(`${name}-deploy`, { role: this.deployRole.name, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }, { parent: this.deployRole });

        this.settings = new pulumiservice.DeploymentSettings(
            `${name}-settings`,
            {
                organization: args.organization,
                project: args.project,
                stack: args.stack,
                vcs: {
                    provider: "GitHub",
                    repository: args.repository,
                    previewPullRequests: args.previewPullRequests,
                    deployCommits: args.deployCommits,
                    pullRequestTemplate: false,
                    paths: args.paths && args.paths.length > 0 ? [...args.paths] : undefined,
                },
                sourceContext: { git: { branch: `refs/heads/${args.branch}` } },
                operationContext: {
                    // setup.sh: the tests' tools and npm packages; deploy-tools.sh: the Packer and Session Manager plugin a
                    // dev update bakes the AMI with (Debian's Packer 1.6 is refused by the template). Then drop the stack
                    // file's ESC import: deployments bring their own AWS session (oidc below), and a deployment's Pulumi
                    // identity must not be allowed to open the deploy environment (docs/build-and-delivery.md).
                    preRunCommands: [
                        "bash scripts/setup.sh",
                        "bash scripts/deploy-tools.sh",
                        `npm run -s stack-file -- ${args.stack} --credentials none --in-place`,
                    ],
                    options: { skipInstallDependencies: true },
                    oidc: {
                        aws: {
                            // Previews run with the read-only role; `pulumi up` on this stack with the deploy role.
                            roleARN: args.deployCommits ? this.deployRole.arn : this.previewRole.arn,
                            sessionName: `pulumi-deployments-${args.stack}`,
                            duration: `${sessionSeconds}s`,
                        },
                    },
                },
            },
            { parent: this, provider: args.serviceProvider },
        );

        this.registerOutputs({ previewRoleArn: this.previewRole.arn, deployRoleArn: this.deployRole.arn });
    }
}
