/**
 * Pure helpers for the AWS side of Pulumi Deployments and GitHub Actions OIDC: issuer URLs and the trust
 * policies of the preview and deploy roles. Each trust names one organization, this project and one stack.
 */
import { PolicyDocument, PolicyStatement, policyDocument } from "./iamPolicy";

export const PULUMI_OIDC_HOST = "api.pulumi.com/oidc";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** Pulumi Deployments operations a role may run: previews only, or the operations that change the stack. */
export const PREVIEW_OPERATIONS = ["preview"] as const;
/**
 * Every operation the stack's Deployments settings run with the deploy role: the settings name one role for all
 * (operationContext.oidc.aws.roleARN), and a token's subject names the operation (OperationContext's operation:
 * update, preview, destroy, refresh, detect-drift, remediate-drift). A console preview presents `preview`, a drift
 * schedule `detect-drift`. Not destroy, and not remediate-drift: the drift schedule never remediates.
 */
export const DEPLOY_OPERATIONS = ["update", "refresh", "preview", "detect-drift"] as const;

export interface StackIdentity {
    readonly organization: string;
    readonly project: string;
    readonly stack: string;
}

/** The `sub` claim of a Pulumi Deployments token: org, project, stack and operation, all exact. */
export function pulumiSubject(id: StackIdentity, operation: string): string {
    for (const [key, value] of [
        ["organization", id.organization],
        ["project", id.project],
        ["stack", id.stack],
    ]) {
        if (!/^[A-Za-z0-9_.-]+$/.test(value)) {
            throw new Error(`pulumiSubject: ${key} "${value}" would widen the OIDC subject; use letters, digits, _ . - only`);
        }
    }
    return `pulumi:deploy:org:${id.organization}:project:${id.project}:stack:${id.stack}:operation:${operation}:scope:write`;
}

/** Federated trust for tokens of one OIDC issuer, with exact audience and subject(s). */
function webIdentityStatement(sid: string, providerArn: string, host: string, aud: string, sub: string | string[]): PolicyStatement {
    return {
        Sid: sid,
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${host}:aud`]: aud, [`${host}:sub`]: sub } },
    };
}

/** Trust for Pulumi Deployments of one stack, limited to the given operations (StringEquals, no wildcards). */
export function pulumiTrustStatement(providerArn: string, id: StackIdentity, operations: readonly string[]): PolicyStatement {
    return webIdentityStatement(
        "PulumiDeployments",
        providerArn,
        PULUMI_OIDC_HOST,
        id.organization,
        operations.map(op => pulumiSubject(id, op)),
    );
}

/**
 * GitHub's OIDC subject prefix of a repository, in either form GitHub issues: `repo:<owner>/<repo>` (legacy), or
 * `repo:<owner>@<owner id>/<repo>@<repo id>` (immutable subject claims, the default for repositories created or
 * renamed from 2026-07-15: GitHub's "OpenID Connect", "Immutable subject claims"). Captures owner and repo names.
 */
export const GITHUB_SUBJECT_PREFIX = /^repo:([A-Za-z0-9_.-]+)(@\d+)?\/([A-Za-z0-9_.-]+)(@\d+)?$/;

/** The prefix's problem, or undefined: its form, and that it names the repository (owner/name). */
export function githubSubjectPrefixProblem(prefix: string, repository: string): string | undefined {
    const m = GITHUB_SUBJECT_PREFIX.exec(prefix);
    if (!m || Boolean(m[2]) !== Boolean(m[4])) {
        return `"${prefix}" is not repo:<owner>/<repo> or repo:<owner>@<id>/<repo>@<id>`;
    }
    if (`${m[1]}/${m[3]}` !== repository) return `"${prefix}" names ${m[1]}/${m[3]}, not the repository ${repository}`;
    return undefined;
}

/** The subject of a pull-request run's token: the repository's subject prefix, then `:pull_request`. */
export function githubPullRequestSubject(subjectPrefix: string): string {
    const m = GITHUB_SUBJECT_PREFIX.exec(subjectPrefix);
    if (!m) throw new Error(`githubPullRequestSubject: ${githubSubjectPrefixProblem(subjectPrefix, "")}`);
    return `${subjectPrefix}:pull_request`;
}

/** Trust for GitHub Actions runs on pull requests of one repository (the workflow's `pulumi preview`). */
export function githubPullRequestTrustStatement(providerArn: string, subjectPrefix: string): PolicyStatement {
    return webIdentityStatement(
        "GitHubActionsPullRequests",
        providerArn,
        GITHUB_OIDC_HOST,
        "sts.amazonaws.com",
        githubPullRequestSubject(subjectPrefix),
    );
}

export function trustPolicy(...statements: PolicyStatement[]): PolicyDocument {
    return policyDocument(...statements);
}

/**
 * What a `pulumi preview` of this program calls in its own account, observed with Terraform's AWS provider 5.100
 * (which the Pulumi AWS provider is built on) against a loopback endpoint: sts:GetCallerIdentity when each
 * provider is configured (allowed without any permission), ec2:DescribeAvailabilityZones and ec2:DescribeImages for
 * the program's lookups (the Jenkins image no longer looks up an ECR login: the push uses the machine's credential
 * helper), and sts:AssumeRole for every provider that assumes a role,
 * at configure time even when nothing is read through it. A preview diffs the program against the stack's state,
 * so it reads no resource. (The AMI lookup's ec2:GetInstanceUefiData call may fail: the provider ignores it.)
 * Nothing here reads data: no object, parameter, secret or log.
 */
export const PREVIEW_LOOKUPS = ["ec2:DescribeAvailabilityZones", "ec2:DescribeImages"] as const;

/** The preview role's policy: the lookups, and assuming the read-only counterparts its providers assume. */
export function previewPolicy(readOnlyRoleArns: readonly string[]): PolicyDocument {
    const statements: PolicyStatement[] = [{ Sid: "PreviewLookups", Effect: "Allow", Action: [...PREVIEW_LOOKUPS], Resource: "*" }];
    if (readOnlyRoleArns.length > 0) {
        const counterparts = [...readOnlyRoleArns].sort();
        statements.push({ Sid: "AssumeReadOnlyCounterparts", Effect: "Allow", Action: "sts:AssumeRole", Resource: counterparts });
    }
    return policyDocument(...statements);
}
