/**
 * IAM policy documents as plain data, rendered to JSON by us rather than by an invoke, so that they are
 * reviewable in the plan, unit-testable, and identical between runs (keys in a fixed order).
 */

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: Record<string, string | readonly string[]> | "*";
    readonly Action: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly Condition?: Record<string, Record<string, string | readonly string[] | boolean>>;
}

/** A Deny of every action but the listed ones (NotAction): only ever a Deny, which can narrow and never grant. */
export interface DenyAllButStatement extends Omit<PolicyStatement, "Action" | "Effect"> {
    readonly Effect: "Deny";
    readonly NotAction: readonly string[];
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly PolicyStatement[];
}

/** A Deny of the listed actions on every resource but the listed ones (NotResource): only ever a Deny. */
export interface DenyOutsideStatement extends Omit<PolicyStatement, "Effect" | "Resource"> {
    readonly Effect: "Deny";
    readonly NotResource: readonly string[];
}

/** A document that may also narrow with DenyAllButStatement and DenyOutsideStatement. */
export interface GuardDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly (PolicyStatement | DenyAllButStatement | DenyOutsideStatement)[];
}

export function guardDocument(...statements: (PolicyStatement | DenyAllButStatement | DenyOutsideStatement)[]): GuardDocument {
    return { Version: "2012-10-17", Statement: statements };
}

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** JSON with object keys sorted at every level, so equal documents always render byte for byte the same. */
/** The statement every bucket policy here starts from: any request to the bucket or its objects over plain HTTP is denied. */
export function denyInsecureTransport(bucketArn: string): PolicyStatement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

export function stableJson(value: unknown): string {
    return JSON.stringify(value, (_key, v) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.keys(v)
                      .sort()
                      .map(k => [k, (v as Record<string, unknown>)[k]]),
              )
            : v,
    );
}

/**
 * Trust policy of a role that EC2 instances run as (through an instance profile), in the form the IAM User Guide
 * documents for it ("Use an IAM role to grant permissions to applications running on Amazon EC2 instances",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html): the EC2 service principal and
 * nothing else. No aws:SourceAccount condition: AWS does not document that EC2 sends it when an instance gets its
 * credentials, and an unmet condition would leave the instance without credentials. Only this account can attach
 * the role to an instance anyway (iam:PassRole).
 */
export function ec2TrustPolicy(): PolicyDocument {
    return policyDocument({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
}

/**
 * Trust policy of the role AWS Backup runs jobs as: its service principal and nothing else. AWS Backup documents the
 * confused-deputy keys for resource policies only (a key policy, a topic policy: "Cross-service confused deputy
 * prevention", https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-service-confused-deputy-prevention.html)
 * and asks of a role only that it trust AWS Backup (https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html);
 * an aws:SourceAccount it does not send would fail every backup. Only this account can pass the role (iam:PassRole).
 */
export function backupTrustPolicy(): PolicyDocument {
    return policyDocument({ Effect: "Allow", Principal: { Service: BACKUP_SERVICE }, Action: "sts:AssumeRole" });
}

/** AWS Backup's service principal. */
export const BACKUP_SERVICE = "backup.amazonaws.com";

/**
 * Trust policy for an AWS service, limited to calls made on behalf of this account (the confused-deputy guard
 * AWS recommends for service roles).
 */
export function serviceTrustPolicy(service: string, accountId: string): PolicyDocument {
    return policyDocument({
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
}

/**
 * Trust policy for a role that exactly one other account may assume: any principal there whose own IAM lets it call
 * sts:AssumeRole on this role (that account decides which of its deployers may).
 */
export function accountTrustPolicy(accountId: string): PolicyDocument {
    return policyDocument({
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
    });
}

/** The name of a cross-account role's read-only counterpart: what pull-request previews assume in its place. */
export function readOnlyCounterpart(roleArnOrName: string): string {
    return `${roleArnOrName}-read`;
}

/**
 * Trust policy of a read-only counterpart: only the preview roles (pulumi-<stack>-preview) of the one consumer
 * account, never its deployers. The preview roles themselves are trusted only by preview operations.
 */
export function previewTrustPolicy(accountId: string): PolicyDocument {
    return policyDocument({
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "sts:AssumeRole",
        Condition: {
            StringEquals: { "aws:PrincipalAccount": accountId },
            ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${accountId}:role/pulumi-*-preview` },
        },
    });
}
