/**
 * The deploy role's guard, as plain data: explicit denies that hold whatever its allows say (the allows are derived
 * from its stack's resource types, deployAllowPolicy.ts; docs/build-and-delivery.md, "Deploy roles"). An explicit deny wins
 * over any allow (IAM's policy evaluation logic), so with the guard the deploy role
 * - calls only the services its stack's resource types (and the tools its update runs) call: DEPLOY_SERVICES,
 *   derived from the offline plan by deployServicesOf; test/deployRole.test.ts fails with the list to paste when a
 *   resource type of a new service appears;
 * - changes, passes or assumes only what its stack owns (ownedArns: the roles, instance profiles and policies under
 *   ownedPath, its preview role) and the cross-account roles its providers name: never itself, never another role
 *   of the account;
 * - never attaches an administrator-class managed policy, never creates an IAM user, access key, console password
 *   or group grant (the stacks create none);
 * - never stops, narrows or deletes the trail, deletes, re-policies or opens the audit buckets or their objects,
 *   disables the trail's key or moves its alias, or changes the account's public access block.
 */
import { baselineNames } from "./accountBaseline";
import { DenyOutsideStatement, GuardDocument, PolicyDocument, PolicyStatement, guardDocument, policyDocument } from "./iamPolicy";

/**
 * The IAM service prefix of each Pulumi AWS module, where it differs from the module's name (Service Authorization
 * Reference): EBS and VPC resources are EC2 APIs, and the cloudwatch module holds three services (cloudwatchService).
 */
const SERVICE_OF_MODULE: Readonly<Record<string, string>> = {
    accessanalyzer: "access-analyzer",
    ebs: "ec2",
    vpc: "ec2",
    lb: "elasticloadbalancing",
    opensearch: "es",
};

/**
 * @pulumi/aws's cloudwatch module holds EventBridge (aws:cloudwatch/eventRule, eventTarget, eventBus...: events),
 * CloudWatch Logs (logGroup, logMetricFilter, logSubscriptionFilter, queryDefinition...: logs), Internet Monitor
 * (internetmonitor) and CloudWatch itself (metricAlarm, compositeAlarm, dashboard, metricStream...: cloudwatch).
 */
function cloudwatchService(resource: string): string {
    if (/^event[A-Z]/.test(resource)) return "events";
    if (/^log[A-Z]/.test(resource) || resource === "queryDefinition") return "logs";
    if (resource === "internetMonitor") return "internetmonitor";
    return "cloudwatch";
}

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
    const m = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):/.exec(type);
    if (!m) return undefined;
    if (m[1] === "cloudwatch") return cloudwatchService(m[2]);
    return SERVICE_OF_MODULE[m[1]] ?? m[1];
}

/**
 * Services a resource type calls beyond its module's: creating a backup vault mounts its storage with the caller's
 * backup-storage:MountCapsule (AWS Backup Developer Guide, "Backup vault creation and deletion", Required permissions).
 */
export const EXTRA_SERVICES_OF_TYPE: Readonly<Record<string, readonly string[]>> = {
    "aws:backup/vault:Vault": ["backup-storage"],
};

/** The sorted services a stack's update calls: its resource types' and its extra callers'. */
export function deployServicesOf(accountRole: string, resourceTypes: Iterable<string>): string[] {
    const services = new Set<string>(EXTRA_SERVICES[accountRole] ?? []);
    for (const type of resourceTypes) {
        const service = serviceOfType(type);
        if (service) services.add(service);
        for (const extra of EXTRA_SERVICES_OF_TYPE[type] ?? []) services.add(extra);
    }
    return [...services].sort();
}

/** The services of both environment stacks: their network, app tier, data tier and operations. */
const ENV_SERVICES = [
    "access-analyzer",
    "acm",
    "autoscaling",
    "cloudtrail",
    "cloudwatch",
    "ec2",
    "elasticloadbalancing",
    "es",
    "events",
    "iam",
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "wafv2",
];

/** Derived from the plans by deployServicesOf; test/deployRole.test.ts keeps it equal. */
export const DEPLOY_SERVICES: Readonly<Record<string, readonly string[]>> = {
    dns: ["access-analyzer", "cloudtrail", "ec2", "events", "iam", "kms", "route53", "s3", "sns"],
    bastion: ["access-analyzer", "cloudtrail", "cloudwatch", "ec2", "events", "guardduty", "iam", "kms", "logs", "route53", "s3", "sns"],
    // dev: Jenkins (its image repository, secrets, snapshots) and the image bake (Session Manager).
    dev: [...ENV_SERVICES, "dlm", "ecr", "ssm"].sort(),
    // prod: GuardDuty, and AWS Backup's locked copy of the database.
    prod: [...ENV_SERVICES, "backup", "backup-storage", "guardduty"].sort(),
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

/**
 * The deploy role's n-th allow policy (deployAllowPolicy.ts), from 1: like the boundary, outside ownedPath, so the
 * guard keeps the deploy role from versioning its own allows.
 */
export function deployAllowPolicyName(stack: string, n: number): string {
    return `pulumi-${stack}-deploy-${n}`;
}

export function isDeployAllowPolicyName(stack: string, name: string): boolean {
    return new RegExp(`^pulumi-${stack}-deploy-[0-9]+$`).test(name);
}

export function previewRoleName(stack: string): string {
    return `pulumi-${stack}-preview`;
}

/**
 * The IAM path of every role, instance profile and managed policy the stack creates (but its deploy and preview
 * roles, whose names other accounts' trust policies match, and its boundary): how the guard tells the stack's own
 * from the account's other identities, whose names it cannot know (OrganizationAccountAccessRole, SSO roles...).
 */
export function ownedPath(stack: string): string {
    return `/twine/${stack}/`;
}

/**
 * Service-linked roles the stacks declare (aws.iam.ServiceLinkedRole) and tag: the deploy role may tag and untag
 * these, and no other role outside ownedArns (the provider's service_linked_role.go updates tags with TagRole and
 * UntagRole on the role's own ARN, under role/aws-service-role/<service>/).
 */
export const TAGGED_SERVICE_LINKED_ROLES = ["opensearchservice.amazonaws.com"];

/** The ARN pattern of a service's linked roles (IAM User Guide, "Using service-linked roles"). */
export function serviceLinkedRoleArn(accountId: string, service: string): string {
    return `arn:aws:iam::${accountId}:role/aws-service-role/${service}/*`;
}

/** ARN patterns of what the stack owns, for NotResource: its roles, instance profiles and managed policies. */
export function ownedArns(accountId: string, stack: string): { roles: string[]; instanceProfiles: string[]; policies: string[] } {
    const iam = `arn:aws:iam::${accountId}`;
    const path = ownedPath(stack);
    return {
        roles: [`${iam}:role${path}*`, `${iam}:role/${previewRoleName(stack)}`],
        instanceProfiles: [`${iam}:instance-profile${path}*`],
        policies: [`${iam}:policy${path}*`],
    };
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
            // Narrowing what the trail records (event or insight selectors) or where it writes blinds it as well.
            Action: [
                "cloudtrail:DeleteTrail",
                "cloudtrail:PutEventSelectors",
                "cloudtrail:PutInsightSelectors",
                "cloudtrail:StopLogging",
                "cloudtrail:UpdateTrail",
            ],
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
                "s3:PutBucketAcl",
                "s3:PutBucketLogging",
                "s3:PutBucketOwnershipControls",
                "s3:PutBucketPolicy",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:PutObjectAcl",
            ],
            Resource: buckets,
        },
        {
            // The account's public access block covers the audit buckets too (the baseline sets it; changing it is an
            // admin's, docs/build-and-delivery.md "Deploy roles").
            Sid: "DenyAccountPublicAccess",
            Effect: "Deny",
            Action: "s3:PutAccountPublicAccessBlock",
            Resource: "*",
        },
        {
            Sid: "DenyDisablingTheTrailKey",
            Effect: "Deny",
            Action: ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
            Resource: "*",
            Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": names.keyAlias } },
        },
        {
            // The deny above finds the key by its alias: the alias stays on the key, or the deny would no longer match.
            Sid: "DenyMovingTheTrailKeyAlias",
            Effect: "Deny",
            Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            Resource: `arn:aws:kms:${args.region}:${args.accountId}:${names.keyAlias}`,
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

/** IAM actions that change, pass or delete a role: the deploy role's only on the stack's own roles. */
const ROLE_ACTIONS = [
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/**
 * Statements that keep the deploy role to what its stack owns (ownedArns): no change to, pass of or instance profile
 * around a role of the account it did not create (OrganizationAccountAccessRole would be administrator one
 * UpdateAssumeRolePolicy away), no new version of a policy it did not create, and sts:AssumeRole of only the
 * cross-account roles its providers name.
 */
function ownedOnlyStatements(args: DeployGuardArgs, assumableRoles: readonly string[]): (PolicyStatement | DenyOutsideStatement)[] {
    const owned = ownedArns(args.accountId, args.stack);
    const instanceProfileActions = ["iam:AddRoleToInstanceProfile", "iam:DeleteInstanceProfile", "iam:RemoveRoleFromInstanceProfile"];
    const policyActions = ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"];
    const assume = "sts:AssumeRole";
    return [
        { Sid: "DenyOtherRoles", Effect: "Deny", Action: ROLE_ACTIONS, NotResource: owned.roles },
        // Tags also on the service-linked roles the stacks declare, and nowhere else.
        {
            Sid: "DenyTaggingOtherRoles",
            Effect: "Deny",
            Action: ["iam:TagRole", "iam:UntagRole"],
            NotResource: [...owned.roles, ...TAGGED_SERVICE_LINKED_ROLES.map(s => serviceLinkedRoleArn(args.accountId, s))],
        },
        { Sid: "DenyOtherInstanceProfiles", Effect: "Deny", Action: instanceProfileActions, NotResource: owned.instanceProfiles },
        { Sid: "DenyOtherPolicies", Effect: "Deny", Action: policyActions, NotResource: owned.policies },
        assumableRoles.length > 0
            ? { Sid: "DenyAssumingOtherRoles", Effect: "Deny", Action: assume, NotResource: [...assumableRoles].sort() }
            : { Sid: "DenyAssumingOtherRoles", Effect: "Deny", Action: assume, Resource: "*" },
    ];
}

/**
 * The deploy role's guard: nothing outside its stack's services (and sts:AssumeRole of the cross-account roles its
 * providers name, assumableRoles), nothing on IAM roles, instance profiles or policies the stack does not own, no
 * edit of itself, no administrator-class attachment, no IAM user or long-lived key, and the audit statements.
 */
export function deployGuardPolicy(
    args: DeployGuardArgs,
    services: readonly string[],
    assumableRoles: readonly string[] = [],
): GuardDocument {
    return guardDocument(
        {
            Sid: "DenyOutsideTheStackServices",
            Effect: "Deny",
            NotAction: [...services.map(s => `${s}:*`), "sts:AssumeRole", "sts:GetCallerIdentity"],
            Resource: "*",
        },
        // Its own role is outside ownedArns: DenyOtherRoles keeps its trust, policies and tags as an admin left them.
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
        // The boundary is outside ownedPath: DenyOtherPolicies keeps it as an admin left it.
        ...ownedOnlyStatements(args, assumableRoles),
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
            // Nor a group's rights (an existing user in an existing group would take them): the stacks create none.
            Action: [
                "iam:AddUserToGroup",
                "iam:AttachGroupPolicy",
                "iam:CreateAccessKey",
                "iam:CreateLoginProfile",
                "iam:CreateUser",
                "iam:PutGroupPolicy",
                "iam:UpdateAccessKey",
                "iam:UpdateLoginProfile",
            ],
            Resource: "*",
        },
        ...auditStatements(args),
    );
}
