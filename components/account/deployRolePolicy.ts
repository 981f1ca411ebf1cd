/**
 * The deploy role's guard, as plain data: explicit denies that hold whatever its allows say (it still has
 * AdministratorAccess, see docs/build-and-delivery.md, "Deploy roles", for what remains). An explicit deny wins
 * over any allow (IAM's policy evaluation logic), so with the guard the deploy role
 * - calls only the services its stack's resource types (and the tools its update runs) call: DEPLOY_SERVICES,
 *   derived from the offline plan by deployServicesOf; test/deployRole.test.ts fails with the list to paste when a
 *   resource type of a new service appears;
 * - never edits itself (trust, policies, tags), never attaches an administrator-class managed policy, never creates
 *   an IAM user, access key or console password (the stacks create none);
 * - never stops or deletes the trail, deletes or re-policies the audit buckets or their objects, or disables the
 *   trail's key.
 */
import { baselineNames } from "./accountBaseline";
import { GuardDocument, PolicyDocument, PolicyStatement, guardDocument, policyDocument } from "./iamPolicy";

/**
 * The IAM service prefix of each Pulumi AWS module, where it differs from the module's name (Service Authorization
 * Reference): CloudWatch Logs resources live in the cloudwatch module, EBS and VPC ones are EC2 APIs.
 */
const SERVICE_OF_MODULE: Readonly<Record<string, string>> = {
    accessanalyzer: "access-analyzer",
    ebs: "ec2",
    vpc: "ec2",
    lb: "elasticloadbalancing",
    opensearch: "es",
};
const SERVICE_OF_TYPE: Readonly<Record<string, string>> = {
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "logs",
};

/**
 * Services an update calls beyond its resources' own: the program's lookups (ec2:DescribeAvailabilityZones and
 * DescribeImages in every stack); the databases' managed master password, which RDS creates in Secrets Manager with
 * the caller's rights (RDS User Guide, "Permissions required for Secrets Manager integration": CreateSecret,
 * TagResource...); and, in dev, Packer baking the image through Session Manager (ssm:StartSession).
 */
export const EXTRA_SERVICES: Readonly<Record<string, readonly string[]>> = {
    dns: ["ec2"],
    bastion: ["ec2"],
    dev: ["ec2", "secretsmanager", "ssm"],
    prod: ["ec2", "secretsmanager"],
};

/** The IAM service a Pulumi AWS resource type calls; undefined for other providers' types. */
export function serviceOfType(type: string): string | undefined {
    const m = /^aws:([a-z0-9]+)\//.exec(type);
    if (!m) return undefined;
    return SERVICE_OF_TYPE[type] ?? SERVICE_OF_MODULE[m[1]] ?? m[1];
}

/** The sorted services a stack's update calls: its resource types' and its extra callers'. */
export function deployServicesOf(accountRole: string, resourceTypes: Iterable<string>): string[] {
    const services = new Set<string>(EXTRA_SERVICES[accountRole] ?? []);
    for (const type of resourceTypes) {
        const service = serviceOfType(type);
        if (service) services.add(service);
    }
    return [...services].sort();
}

/** The services of both environment stacks: their network, app tier and data tier. */
const ENV_SERVICES = ["access-analyzer", "acm", "autoscaling", "cloudtrail", "ec2", "elasticloadbalancing", "es", "iam"].concat([
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "wafv2",
]);

/** Derived from the plans by deployServicesOf; test/deployRole.test.ts keeps it equal. */
export const DEPLOY_SERVICES: Readonly<Record<string, readonly string[]>> = {
    dns: ["access-analyzer", "cloudtrail", "ec2", "iam", "kms", "route53", "s3"],
    bastion: ["access-analyzer", "cloudtrail", "cloudwatch", "ec2", "guardduty", "iam", "kms", "logs", "route53", "s3"],
    // dev: Jenkins (its image repository, secrets, snapshots) and the image bake (Session Manager).
    dev: [...ENV_SERVICES, "dlm", "ecr", "secretsmanager", "ssm"].sort(),
    prod: [...ENV_SERVICES, "guardduty", "secretsmanager"].sort(),
};

export interface DeployGuardArgs {
    readonly accountId: string;
    readonly region: string;
    readonly stack: string;
    /** The account role: the baseline's label (trail and key alias names). */
    readonly accountRole: string;
}

export function boundaryPolicyName(stack: string): string {
    return `pulumi-${stack}-boundary`;
}

export function boundaryPolicyArn(accountId: string, stack: string): string {
    return `arn:aws:iam::${accountId}:policy/${boundaryPolicyName(stack)}`;
}

export function deployRoleName(stack: string): string {
    return `pulumi-${stack}-deploy`;
}

/** IAM actions that create or widen a role or user: each must name, or find, the stack's boundary. */
const GRANTING_ACTIONS = [
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy",
];

/** The audit trail and its buckets hold. */
function auditStatements(args: DeployGuardArgs): PolicyStatement[] {
    const names = baselineNames({ accountId: args.accountId, region: args.region, label: args.accountRole });
    const buckets = [names.bucket, names.accessLogBucket].flatMap(b => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]);
    return [
        {
            Sid: "DenyStoppingTheTrail",
            Effect: "Deny",
            Action: ["cloudtrail:DeleteTrail", "cloudtrail:StopLogging"],
            Resource: names.trailArn,
        },
        {
            Sid: "DenyErasingAuditLogs",
            Effect: "Deny",
            Action: [
                "s3:DeleteBucket",
                "s3:DeleteBucketPolicy",
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:PutBucketPolicy",
                "s3:PutBucketVersioning",
                "s3:PutLifecycleConfiguration",
            ],
            Resource: buckets,
        },
        {
            Sid: "DenyDisablingTheTrailKey",
            Effect: "Deny",
            Action: ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
            Resource: "*",
            Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": names.keyAlias } },
        },
    ];
}

/**
 * The permissions boundary every role the stack creates carries: at most the actions its roles' policies allow
 * (BOUNDARY_ACTIONS, derived from the plan), keys of this account only, and never the audit statements. A role the
 * deploy role creates or widens can therefore never do more than the stack's roles already may.
 */
export function permissionsBoundaryPolicy(args: DeployGuardArgs, actions: readonly string[]): PolicyDocument {
    const kms = actions.filter(a => a.startsWith("kms:"));
    const others = actions.filter(a => !a.startsWith("kms:"));
    const statements: PolicyStatement[] = [{ Sid: "AtMostTheStackRoles", Effect: "Allow", Action: [...others], Resource: "*" }];
    if (kms.length > 0) {
        const keys = `arn:aws:kms:${args.region}:${args.accountId}:key/*`;
        statements.push({ Sid: "AtMostTheStackRolesKeys", Effect: "Allow", Action: kms, Resource: keys });
    }
    return policyDocument(...statements, ...auditStatements(args));
}

/** AWS managed policies that hand out administrator-class rights: the deploy role never attaches them to anyone. */
export const ADMIN_CLASS_POLICIES = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"].map(p => `arn:aws:iam::aws:policy/${p}`);

/**
 * The deploy role's guard: nothing outside its stack's services (and sts:AssumeRole for the cross-account
 * providers), no edit of itself, no administrator-class attachment, no IAM user or long-lived key, and the audit
 * statements.
 */
export function deployGuardPolicy(args: DeployGuardArgs, services: readonly string[]): GuardDocument {
    const self = `arn:aws:iam::${args.accountId}:role/${deployRoleName(args.stack)}`;
    return guardDocument(
        {
            Sid: "DenyOutsideTheStackServices",
            Effect: "Deny",
            NotAction: [...services.map(s => `${s}:*`), "sts:AssumeRole", "sts:GetCallerIdentity"],
            Resource: "*",
        },
        {
            Sid: "DenyEditingItself",
            Effect: "Deny",
            Action: [
                "iam:AttachRolePolicy",
                "iam:DeleteRole",
                "iam:DeleteRolePermissionsBoundary",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
            ],
            Resource: self,
        },
        {
            // The condition key is the boundary the role or user has, or gets (Service Authorization Reference, IAM).
            Sid: "DenyIdentitiesWithoutTheBoundary",
            Effect: "Deny",
            Action: GRANTING_ACTIONS,
            Resource: "*",
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundaryPolicyArn(args.accountId, args.stack) } },
        },
        {
            Sid: "DenyRemovingBoundaries",
            Effect: "Deny",
            Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            Resource: "*",
        },
        {
            Sid: "DenyEditingTheBoundary",
            Effect: "Deny",
            Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
            Resource: boundaryPolicyArn(args.accountId, args.stack),
        },
        {
            Sid: "DenyAdministratorAttachments",
            Effect: "Deny",
            Action: ["iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy"],
            Resource: "*",
            Condition: { ArnEquals: { "iam:PolicyARN": ADMIN_CLASS_POLICIES } },
        },
        {
            Sid: "DenyUsersAndLongLivedKeys",
            Effect: "Deny",
            Action: ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:CreateUser", "iam:UpdateLoginProfile"],
            Resource: "*",
        },
        ...auditStatements(args),
    );
}
