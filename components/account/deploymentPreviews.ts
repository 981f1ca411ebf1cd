import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { escAwsAudience, escEnvironmentNames, escTrustStatement } from "./escEnvironmentConfig";
import { readCatalog } from "./deployActionsConfig";
import { deployAllowPolicies } from "./deployAllowPolicy";
import { DEPLOY_SERVICES, deployAllowPolicyName, deployGuardPolicy, deployRoleName, previewRoleName } from "./deployRolePolicy";
import { deployTypesOf } from "./deployTypesConfig";
import { PolicyStatement, policyDocument, readOnlyCounterpart, stableJson } from "./iamPolicy";
import { PulumiEdition } from "./pulumiCloudAccessPolicy";
import {
    DEPLOY_OPERATIONS,
    GITHUB_OIDC_HOST,
    PREVIEW_OPERATIONS,
    PULUMI_OIDC_HOST,
    StackIdentity,
    githubPullRequestTrustStatement,
    previewPolicy,
    pulumiTrustStatement,
    trustPolicy,
} from "./oidcTrustPolicy";

/** The account's private ECR registry host (Amazon ECR User Guide, "Private registry concepts"). */
export function ecrRegistry(accountId: string, region: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/** A stack's deployment settings; config/deployments.ts produces them with its defaults applied. */
export interface DeploymentSettings {
    /** Pulumi Cloud organization that owns the stack. */
    readonly organization: string;
    /** GitHub repository of this program, owner/name. */
    readonly repository: string;
    /** The repository as GitHub's OIDC subject names it: repo:<owner>/<repo>, or repo:<owner>@<id>/<repo>@<id>. */
    readonly githubSubjectPrefix: string;
    /** The Pulumi Cloud organization's edition: a Team organization has no teams, so none is declared. */
    readonly edition: PulumiEdition;
    /** Pulumi Cloud logins of the stack's deployers team: they may open its credentials environments. */
    readonly deployers: readonly string[];
    /** The protected branch: the only source of the stack's deployments. */
    readonly branch: string;
    /** Run `pulumi up` on every push to the branch. */
    readonly deployCommits: boolean;
    /** Repository paths whose changes trigger deployments; empty means every path. */
    readonly paths: readonly string[];
    /** Deploy sessions, and the deploy role's maximum, in seconds. */
    readonly sessionSeconds: number;
    /** A scheduled drift detection (a refresh preview, with the deploy role). */
    readonly driftDetection: { readonly enabled: boolean; readonly scheduleCron: string };
    /**
     * IAM allows one OIDC provider per URL per account: the account's existing ones, used instead of creating them.
     * Absent: the provider is created.
     */
    readonly existingGithubOidcProviderArn?: string;
    readonly existingPulumiOidcProviderArn?: string;
}

/**
 * The trust statements of a stack's preview role, given its two OIDC providers' ARNs: what the role declares, and
 * what the organization's perimeter policy (perimeterPolicy.ts) lets through.
 */
export function previewRoleTrust(
    id: StackIdentity,
    githubSubjectPrefix: string,
    pulumiOidcArn: string,
    githubOidcArn: string,
): PolicyStatement[] {
    return [
        pulumiTrustStatement(pulumiOidcArn, id, PREVIEW_OPERATIONS),
        githubPullRequestTrustStatement(githubOidcArn, githubSubjectPrefix),
        escTrustStatement(pulumiOidcArn, id.organization, escEnvironmentNames(id.stack).preview),
    ];
}

/**
 * The deploy role's: every operation the stack's Deployments settings run (DEPLOY_OPERATIONS), and its deploy
 * credentials environment, which `pulumi up` opens through the stack file.
 */
export function deployRoleTrust(id: StackIdentity, pulumiOidcArn: string): PolicyStatement[] {
    return [
        pulumiTrustStatement(pulumiOidcArn, id, DEPLOY_OPERATIONS),
        escTrustStatement(pulumiOidcArn, id.organization, escEnvironmentNames(id.stack).deploy),
    ];
}

export interface DeploymentPreviewsArgs extends StackIdentity, DeploymentSettings {
    /** The stack's account and region: its deploy role's guard names the account's trail and audit buckets. */
    readonly accountId: string;
    readonly region: string;
    /** The stack's account role: decides its Pulumi Cloud grants and who owns the organization-wide pieces. */
    readonly accountRole: string;
    /** Roles in other accounts this stack's providers assume; previews may assume their read-only counterparts. @default - none */
    readonly crossAccountRoleArns?: readonly pulumi.Input<string>[];
}

/**
 * The delivery identities of one stack in its AWS account: the OIDC providers (Pulumi Cloud, GitHub Actions), a
 * preview role (the stack's preview operation and the repository's pull-request runs; lookups and the read-only
 * counterparts of the cross-account roles, nothing that reads data) and a deploy role (the stack's update and
 * refresh only). Its Pulumi Cloud side (Deployments settings, drift schedule, grants, environments) is declared by
 * the organization stack (pulumi-cloud/, PulumiCloudAccess), which only an organization admin updates: a stack's
 * own Deployments token could not change them (docs/build-and-delivery.md).
 */
export class DeploymentPreviews extends pulumi.ComponentResource {
    public readonly previewRole: aws.iam.Role;
    public readonly deployRole: aws.iam.Role;
    /** ARN of pulumi-<stack>-preview: previews, describe/list only (for ESC environments that log in as it). */
    public readonly previewRoleArn: pulumi.Output<string>;
    /** ARN of pulumi-<stack>-deploy: updates and refreshes (for ESC environments that log in as it). */
    public readonly deployRoleArn: pulumi.Output<string>;

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
        const githubOidc = {
            arn: args.existingGithubOidcProviderArn
                ? pulumi.output(args.existingGithubOidcProviderArn)
                : new aws.iam.OpenIdConnectProvider(
                      `${name}-github-oidc`,
                      { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ["sts.amazonaws.com"] },
                      parent,
                  ).arn,
        };

        this.previewRole = new aws.iam.Role(
            `${name}-preview`,
            {
                name: previewRoleName(args.stack),
                description: `Previews of ${args.project}/${args.stack} (Pulumi Deployments, pull-request runs): lookups only`,
                maxSessionDuration: sessionSeconds, // the ESC preview environment asks for sessions as long as deploys
                assumeRolePolicy: pulumi
                    .all([pulumiOidc.arn, githubOidc.arn])
                    .apply(([pulumiArn, githubArn]) =>
                        stableJson(trustPolicy(...previewRoleTrust(id, args.githubSubjectPrefix, pulumiArn, githubArn))),
                    ),
            },
            parent,
        );
        // Not ReadOnlyAccess: that reads every S3 object and SSM parameter in the account, from any pull request.
        new aws.iam.RolePolicy(
            `${name}-preview`,
            {
                role: this.previewRole.id,
                name: "preview",
                policy: pulumi
                    .all([...(args.crossAccountRoleArns ?? [])])
                    .apply(arns => stableJson(previewPolicy(arns.map(readOnlyCounterpart)))),
            },
            { parent: this.previewRole },
        );

        this.deployRole = new aws.iam.Role(
            `${name}-deploy`,
            {
                // A fixed name, so the runbook and other teams' ESC environments can name it.
                name: deployRoleName(args.stack),
                description: `Updates and refreshes of ${args.project}/${args.stack} by Pulumi Deployments`,
                maxSessionDuration: sessionSeconds,
                assumeRolePolicy: pulumiOidc.arn.apply(arn => stableJson(trustPolicy(...deployRoleTrust(id, arn)))),
            },
            parent,
        );
        // What the stack's resource types call and nothing else (deployAllowPolicy.ts, from the catalog learned with the
        // provider), as managed policies outside ownedPath, so no deploy can widen itself; only this stack's Deployments
        // operations may assume it, and who may start those is Pulumi Cloud's to decide (stackGrants). The guard narrows
        // it further with explicit denies (deployRolePolicy.ts): no edit of itself, no administrator attachment or IAM
        // user, the trail and the audit buckets hold.
        const allowArgs = {
            accountId: args.accountId,
            region: args.region,
            stack: args.stack,
            accountRole: args.accountRole,
            resourceTypes: deployTypesOf(args.accountRole),
        };
        deployAllowPolicies(readCatalog(), allowArgs).forEach((document, i) => {
            const allow = new aws.iam.Policy(
                `${name}-deploy-allow-${i + 1}`,
                {
                    name: deployAllowPolicyName(args.stack, i + 1),
                    description: `What ${args.project}/${args.stack}'s resource types call (${i + 1}): derived, docs/build-and-delivery.md`,
                    policy: stableJson(document),
                },
                { parent: this.deployRole },
            );
            new aws.iam.RolePolicyAttachment(
                `${name}-deploy-allow-${i + 1}`,
                { role: this.deployRole.name, policyArn: allow.arn },
                { parent: this.deployRole },
            );
        });
        if ((args.crossAccountRoleArns ?? []).length > 0) {
            new aws.iam.RolePolicy(
                `${name}-deploy-assume`,
                {
                    role: this.deployRole.id,
                    name: "assume",
                    // Its providers' cross-account roles, and only those (the guard denies any other).
                    policy: pulumi.all([...(args.crossAccountRoleArns ?? [])]).apply(arns =>
                        stableJson(
                            policyDocument({
                                Sid: "CrossAccountRoles",
                                Effect: "Allow",
                                Action: "sts:AssumeRole",
                                Resource: [...arns].sort(),
                            }),
                        ),
                    ),
                },
                { parent: this.deployRole },
            );
        }
        const guard = { accountId: args.accountId, region: args.region, stack: args.stack, accountRole: args.accountRole };
        new aws.iam.RolePolicy(
            `${name}-deploy-guard`,
            {
                role: this.deployRole.id,
                name: "guard",
                // It assumes only the cross-account roles its providers name.
                policy: pulumi
                    .all([...(args.crossAccountRoleArns ?? [])])
                    .apply(arns => stableJson(deployGuardPolicy(guard, DEPLOY_SERVICES[args.accountRole] ?? [], arns))),
            },
            { parent: this.deployRole },
        );

        this.previewRoleArn = this.previewRole.arn;
        this.deployRoleArn = this.deployRole.arn;
        this.registerOutputs({ previewRoleArn: this.previewRoleArn, deployRoleArn: this.deployRoleArn });
    }
}
