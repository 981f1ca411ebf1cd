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
 * - launches instances only with its stack's instance profiles, passes roles only to the services its stack's roles
 *   are for, and never rewrites its preview role (trust or policies);
 * - administers only the keys tagged with its stack, creates keys only into it, and in prod deletes none;
 * - never stops, narrows or deletes the trail, deletes, re-policies or opens the audit buckets or their objects,
 *   disables the trail's key or moves its alias, or changes the account's public access block;
 * - never changes the alert path after an admin created it (archive rules, alert rules and targets, the two alert
 *   topics, the tampering topic's subscriptions, their keys), and copies or shares no image or snapshot outside its region.
 */
import { accountAlertPrefix, alertTopicKeyAlias } from "../operations/monitoring";
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
 * The alert path holds. Its first creation is an admin's (the first deploy runs as one, docs/runbook.md), and so is
 * any later change to what silences it: the analyzer and its archive rules (no archive rule created, changed, applied
 * or deleted, no finding archived by hand: a new or changed archive rule, a new peer or project account, is an admin
 * session's), the account's alert rules and targets (PutRule can disable a rule or make it never match, PutTargets
 * re-point it: none of the five calls, on any `twine-<account>-*` rule; a tag-only change calls events:TagResource,
 * the provider's event_rule.go calls PutRule only when more than the tags changed), the two alert topics' policies,
 * attributes (their key) and existence, their keys (found by their aliases, which stay on them) and the tampering
 * topic's subscriptions (no Unsubscribe, no filter policy). What stays routine: the account topic's subscribers change
 * with the companies' (Subscribe, Unsubscribe, SetSubscriptionAttributes: the tampering rule pages on the last two
 * through the tampering topic), and a new subscriber of the tampering topic (Subscribe only adds: SNS refuses a
 * Subscribe that would change an existing subscription's attributes). An environment's own topic, key and alias
 * (`twine-<env>-alarms`) are not the account's: an environment is added and removed by a routine update.
 */
function alertPathStatements(args: DeployGuardArgs): (PolicyStatement | DenyOutsideStatement)[] {
    const names = baselineNames({ accountId: args.accountId, region: args.region, label: args.accountRole });
    const analyzer = `arn:aws:access-analyzer:${args.region}:${args.accountId}:analyzer/${names.analyzer}`;
    const prefix = accountAlertPrefix(args.accountRole);
    const topics = [`${prefix}-account`, `${prefix}-tampering`];
    const sns = `arn:aws:sns:*:${args.accountId}`;
    return [
        {
            Sid: "DenySilencingTheAnalyzer",
            Effect: "Deny",
            Action: [
                "access-analyzer:ApplyArchiveRule",
                "access-analyzer:CreateArchiveRule",
                "access-analyzer:DeleteAnalyzer",
                "access-analyzer:DeleteArchiveRule",
                "access-analyzer:UpdateArchiveRule",
                "access-analyzer:UpdateFindings",
            ],
            Resource: [analyzer, `${analyzer}/archive-rule/*`],
        },
        {
            Sid: "DenyChangingAlertRules",
            Effect: "Deny",
            Action: ["events:DeleteRule", "events:DisableRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets"],
            Resource: `arn:aws:events:*:${args.accountId}:rule/${prefix}-*`,
        },
        {
            Sid: "DenyChangingAlertTopics",
            Effect: "Deny",
            Action: ["sns:AddPermission", "sns:DeleteTopic", "sns:RemovePermission", "sns:SetTopicAttributes"],
            Resource: topics.map(t => `${sns}:${t}`),
        },
        {
            // The Service Authorization Reference names the topic for these calls; `*` also covers its subscriptions' ARNs.
            Sid: "DenyUnsubscribingTheTamperingTopic",
            Effect: "Deny",
            Action: ["sns:SetSubscriptionAttributes", "sns:Unsubscribe"],
            Resource: `${sns}:${prefix}-tampering*`,
        },
        {
            Sid: "DenySilencingAlertTopicKeys",
            Effect: "Deny",
            Action: ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
            Resource: "*",
            Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": topics.map(alertTopicKeyAlias) } },
        },
        {
            Sid: "DenyMovingAlertTopicKeyAliases",
            Effect: "Deny",
            Action: ["kms:DeleteAlias", "kms:UpdateAlias"],
            Resource: topics.map(t => `arn:aws:kms:*:${args.accountId}:${alertTopicKeyAlias(t)}`),
        },
    ];
}

/** The tag the provider's defaultTags put on every taggable resource with the stack's name (accountProvider.ts). */
export const STACK_TAG = "Stack";

/**
 * Where the boundary lets a role read or write data, or become another identity: the stack's own resources, by the
 * names the components give them, instead of "*". A role the deploy role creates (with an inline
 * `secretsmanager:GetSecretValue *`, wrapped in an instance profile) then reaches nothing the stack's roles do not:
 * not the databases' RDS-managed master secrets (`rds!...`, read by operators through a managed policy no role
 * carries), not another account's or an unknown bucket, not a key of another stack, not an arbitrary role.
 * Patterns rather than the plan's ARNs: the ARNs hold names and ids AWS gives at creation (a DB resource id, a
 * secret's suffix, an autonamed bucket), which the boundary, created first, cannot know. test/deployRole.test.ts proves
 * with the simulator that every statement of every role of each plan is still allowed on its own resources.
 */
export interface BoundaryScope {
    readonly sid: string;
    /** The scoped actions: by name, or by prefix ending in `*` ("s3:*": every action of the service). */
    readonly actions: readonly string[];
    readonly resources: (args: DeployGuardArgs) => string[];
    readonly condition?: (args: DeployGuardArgs) => NonNullable<PolicyStatement["Condition"]>;
}

export const BOUNDARY_SCOPES: readonly BoundaryScope[] = [
    {
        // Jenkins' secrets (twine/jenkins/...) and the database proxy's user secrets (twine-<env>/proxy/...).
        sid: "StackSecrets",
        actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        resources: a => [
            `arn:aws:secretsmanager:${a.region}:${a.accountId}:secret:twine/*`,
            `arn:aws:secretsmanager:${a.region}:${a.accountId}:secret:twine-*`,
        ],
    },
    {
        // The apt repository (stacks/buildTooling.ts) and the search domains' snapshot buckets (autonamed
        // <env>-search-snapshots-...): bucket ARNs carry no account, so the account is the condition's.
        sid: "StackBuckets",
        actions: ["s3:*"],
        resources: a =>
            [`twine-apt-${a.stack}-${a.accountId}-${a.region}`, "*-search-snapshots-*"].flatMap(b => [
                `arn:aws:s3:::${b}`,
                `arn:aws:s3:::${b}/*`,
            ]),
        condition: a => ({ StringEquals: { "aws:ResourceAccount": a.accountId } }),
    },
    {
        // The stack's keys: the provider's defaultTags tag each with the stack (KMS Developer Guide, "Use tags to control
        // access to KMS keys": aws:ResourceTag), and the guard keeps the deploy role from tagging other keys into it.
        sid: "StackKeys",
        actions: ["kms:*"],
        resources: a => [`arn:aws:kms:${a.region}:${a.accountId}:key/*`],
        condition: a => ({ StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: a.stack } }),
    },
    {
        // The app's database users (app_<env>, databaseAccessPolicy.ts), never the master user.
        sid: "StackDatabaseUsers",
        actions: ["rds-db:connect"],
        resources: a => [`arn:aws:rds-db:${a.region}:${a.accountId}:dbuser:*/app_*`],
    },
    {
        // The stack's own roles, and the upstream stacks' read-only counterparts a preview assumes (`<role>-read`,
        // whose trust admits only this account's preview roles).
        sid: "StackRoles",
        actions: ["sts:AssumeRole", "iam:PassRole"],
        resources: a => [`arn:aws:iam::${a.accountId}:role${ownedPath(a.stack)}*`, "arn:aws:iam::*:role/twine/*-read"],
    },
    {
        sid: "StackParameters",
        actions: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
        resources: a => [`arn:aws:ssm:${a.region}:${a.accountId}:parameter/twine/*`],
    },
    {
        sid: "StackDomains",
        actions: ["es:ESHttp*"],
        resources: a => [`arn:aws:es:${a.region}:${a.accountId}:domain/twine-*`],
    },
    {
        // Enhanced Monitoring's log group (AmazonRDSEnhancedMonitoringRole), not the app's logs.
        sid: "StackLogReads",
        actions: ["logs:GetLogEvents"],
        resources: a => [`arn:aws:logs:${a.region}:${a.accountId}:log-group:RDS*`],
    },
];

/**
 * Sharing a copy of the stack's data with another account or the public: the EC2 snapshot and image attributes that
 * share (ec2:Attribute createVolumePermission, launchPermission: Service Authorization Reference, Amazon EC2) and the
 * RDS snapshot attributes, which the stack's service roles hold (DLM, AWS Backup's managed policies) but never use so
 * (the backup copy goes to a vault of the same account). RDS has no condition key for the accounts added, so every
 * change of that attribute is denied.
 */
function sharingDenies(actions: readonly string[]): PolicyStatement[] {
    const ec2 = ["ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute"].filter(a => actions.includes(a));
    const rds = ["rds:ModifyDBClusterSnapshotAttribute", "rds:ModifyDBSnapshotAttribute"].filter(a => actions.includes(a));
    const sharing = { StringEquals: { "ec2:Attribute": ["createVolumePermission", "launchPermission"] } };
    return [
        ...(ec2.length > 0 ? [{ Sid: "DenySharingCopies", Effect: "Deny" as const, Action: ec2, Resource: "*", Condition: sharing }] : []),
        ...(rds.length > 0 ? [{ Sid: "DenySharingDbCopies", Effect: "Deny" as const, Action: rds, Resource: "*" }] : []),
    ];
}

function scopeOf(action: string): BoundaryScope | undefined {
    return BOUNDARY_SCOPES.find(s => s.actions.some(p => (p.endsWith("*") ? action.startsWith(p.slice(0, -1)) : action === p)));
}

/**
 * The permissions boundary every role the stack creates carries: at most the actions its roles' policies allow
 * (BOUNDARY_ACTIONS, derived from the plan), those that read or write data or reach another identity only on the
 * stack's own resources (BOUNDARY_SCOPES), and never the audit statements. A role the deploy role creates or widens
 * can therefore never do more than the stack's roles already may.
 */
export function permissionsBoundaryPolicy(args: DeployGuardArgs, actions: readonly string[]): PolicyDocument {
    const others = actions.filter(a => !scopeOf(a));
    const statements: PolicyStatement[] = [{ Sid: "AtMostTheStackRoles", Effect: "Allow", Action: [...others], Resource: "*" }];
    for (const scope of BOUNDARY_SCOPES) {
        const scoped = actions.filter(a => scopeOf(a) === scope);
        if (scoped.length === 0) continue;
        const condition = scope.condition?.(args);
        statements.push({
            Sid: scope.sid,
            Effect: "Allow",
            Action: scoped,
            Resource: scope.resources(args),
            ...(condition ? { Condition: condition } : {}),
        });
    }
    return policyDocument(...statements, ...sharingDenies(actions), ...auditStatements(args));
}

/**
 * The AWS services each stack hands its roles to (iam:PassedToService): the service principals its own roles trust,
 * derived from the plan; test/deployRole.test.ts keeps it equal and prints the list to paste.
 */
export const PASSED_TO_SERVICES: Readonly<Record<string, readonly string[]>> = {
    dns: [],
    bastion: ["ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"],
    dev: ["dlm.amazonaws.com", "ec2.amazonaws.com", "es.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com"],
    prod: [
        "backup.amazonaws.com",
        "ec2.amazonaws.com",
        "es.amazonaws.com",
        "monitoring.rds.amazonaws.com",
        "rds.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
    ],
};

/**
 * Stacks whose deploy role never disables a key or schedules its deletion: prod's keys protect retained data (the
 * database's and search domain's keys are protect + retainOnDelete there; a deleted key is lost data: KMS deletes it
 * for good after its window). Deleting one on purpose is an admin session's (docs/build-and-delivery.md, "Deploy roles").
 */
export const KEYS_KEPT_FROM_DEPLOYS: readonly string[] = ["prod"];

/**
 * What the deploy role does to keys: administer only its stack's (the provider's defaultTags tag each with the stack,
 * aws:ResourceTag), create keys only into its stack and never tag a key into another (aws:RequestTag, aws:TagKeys:
 * KMS Developer Guide, "ABAC for AWS KMS"). Not EnableKeyRotation, CreateGrant, RetireGrant or the alias calls, which
 * a create makes right after CreateKey: a key's tags may take five minutes to count for authorization (same page).
 * Keys of this account only: prod revokes its grant on dev's image key, which dev's key policy governs.
 */
function keyStatements(args: DeployGuardArgs): PolicyStatement[] {
    const tag = `aws:ResourceTag/${STACK_TAG}`;
    const statements: PolicyStatement[] = [
        {
            Sid: "DenyOtherStacksKeys",
            Effect: "Deny",
            Action: [
                "kms:CancelKeyDeletion",
                "kms:DeleteImportedKeyMaterial",
                "kms:DisableKey",
                "kms:DisableKeyRotation",
                "kms:EnableKey",
                "kms:PutKeyPolicy",
                "kms:RevokeGrant",
                "kms:ScheduleKeyDeletion",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
            ],
            Resource: `arn:aws:kms:*:${args.accountId}:key/*`,
            Condition: { StringNotEquals: { [tag]: args.stack } },
        },
        {
            // Not in the deny above: CreateKey with Tags is also authorized as kms:TagResource on a key that has no tag
            // yet (KMS Developer Guide, "Controlling access to tags": it must be allowed on all keys of the account and
            // Region), so only a key already tagged with another stack is refused here. An untagged key could be
            // tagged into the stack: the account's other keys carry a Stack tag of their own (docs/build-and-delivery.md).
            Sid: "DenyRetaggingOtherStacksKeys",
            Effect: "Deny",
            Action: "kms:TagResource",
            Resource: `arn:aws:kms:*:${args.accountId}:key/*`,
            Condition: { StringNotEquals: { [tag]: args.stack }, Null: { [tag]: "false" } },
        },
        {
            // A key is born in the stack (the provider sends defaultTags with CreateKey)...
            Sid: "DenyKeysOutsideTheStack",
            Effect: "Deny",
            Action: "kms:CreateKey",
            Resource: "*",
            Condition: { StringNotEquals: { [`aws:RequestTag/${STACK_TAG}`]: args.stack } },
        },
        {
            // ...and stays there.
            Sid: "DenyTaggingKeysAway",
            Effect: "Deny",
            Action: "kms:TagResource",
            Resource: "*",
            // Null: a request that leaves the stack tag alone (a Name changes) stays allowed; IfExists would deny it.
            Condition: {
                StringNotEquals: { [`aws:RequestTag/${STACK_TAG}`]: args.stack },
                Null: { [`aws:RequestTag/${STACK_TAG}`]: "false" },
            },
        },
        {
            Sid: "DenyUntaggingTheStack",
            Effect: "Deny",
            Action: "kms:UntagResource",
            Resource: "*",
            Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": STACK_TAG } },
        },
    ];
    if (KEYS_KEPT_FROM_DEPLOYS.includes(args.accountRole)) {
        const destroy = ["kms:DisableKey", "kms:ScheduleKeyDeletion"];
        statements.push({ Sid: "DenyDestroyingKeys", Effect: "Deny", Action: destroy, Resource: "*" });
    }
    return statements;
}

/**
 * What the deploy role launches and hands out: instances only with the stack's own instance profiles
 * (ec2:InstanceProfile, Service Authorization Reference, Amazon EC2), roles only to the services the stack's roles
 * are for (iam:PassedToService, IAM), and never a new trust or policy for its preview role, whose name other
 * accounts' read roles trust and which every pull request assumes (its trust changes only with the organization, the
 * GitHub subject prefix or an OIDC provider, its policy with the upstream roles: an admin session applies those).
 */
function handOutStatements(args: DeployGuardArgs): PolicyStatement[] {
    const owned = ownedArns(args.accountId, args.stack);
    const services = PASSED_TO_SERVICES[args.accountRole] ?? [];
    return [
        {
            Sid: "DenyOtherInstanceProfilesAtLaunch",
            Effect: "Deny",
            // The instance is the one resource of the call with a profile; an instance without one has no identity.
            Action: "ec2:RunInstances",
            Resource: "arn:aws:ec2:*:*:instance/*",
            Condition: { ArnNotLike: { "ec2:InstanceProfile": owned.instanceProfiles }, Null: { "ec2:InstanceProfile": "false" } },
        },
        services.length > 0
            ? {
                  Sid: "DenyPassingToOtherServices",
                  Effect: "Deny",
                  Action: "iam:PassRole",
                  Resource: "*",
                  Condition: { StringNotEquals: { "iam:PassedToService": [...services] }, Null: { "iam:PassedToService": "false" } },
              }
            : { Sid: "DenyPassingToOtherServices", Effect: "Deny", Action: "iam:PassRole", Resource: "*" },
        {
            // Nor its policies: every pull request reaches it, so a deploy must not leave it a standing grant.
            Sid: "DenyRewritingThePreviewRole",
            Effect: "Deny",
            Action: [
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePolicy",
                "iam:UpdateAssumeRolePolicy",
            ],
            Resource: `arn:aws:iam::${args.accountId}:role/${previewRoleName(args.stack)}`,
        },
    ];
}

/**
 * The tag Packer's amazon-ebs source puts on its build instance at launch (run_tags in
 * images/twine-app/twine-app.pkr.hcl; the plugin sends them in RunInstances' TagSpecifications).
 */
export const BAKE_INSTANCE_TAG = { key: "TwineBuild", value: "packer" } as const;

/** The Session Manager document Packer's ssh_interface session_manager opens (packer-plugin-amazon common/ssm/session.go). */
export const BAKE_SESSION_DOCUMENT = "AWS-StartPortForwardingSession";

/** The bake instance's profile (components/delivery/appImage.ts: `<image>-build-profile`, autonamed, under ownedPath). */
export function bakeInstanceProfileArn(accountId: string, stack: string): string {
    return `arn:aws:iam::${accountId}:instance-profile${ownedPath(stack)}*-build-profile-*`;
}

/** Stacks whose update bakes an image through Session Manager: their extra services hold ssm. */
export function bakesImages(accountRole: string): boolean {
    return (EXTRA_SERVICES[accountRole] ?? []).includes("ssm");
}

/**
 * What the bake's rights reach: a session only on the bake instance, with only the document Packer opens (the SSM
 * resource types of ssm:StartSession are the instance and the document, and ssm:resourceTag the instance's tags:
 * Service Authorization Reference, AWS Systems Manager; Session Manager User Guide, "Allow access to instances based
 * on tags"); the bake's tag only at launch, and only with the bake's profile; and no change of an instance's
 * attributes (user data) or profile but the bake's. Without these, a shell on the Jenkins host (its signing key, its
 * credentials, apt writes through the build role) was one StartSession away. The stack's own instances never need
 * them: the Jenkins host is replaced when its user data changes (userDataReplaceOnChange) and never carries
 * termination or stop protection (the provider calls ModifyInstanceAttribute on delete only to lift those), and the
 * Auto Scaling groups launch theirs from launch templates.
 */
function bakeStatements(args: DeployGuardArgs): (PolicyStatement | DenyOutsideStatement)[] {
    if (!bakesImages(args.accountRole)) return [];
    const instances = `arn:aws:ec2:*:${args.accountId}:instance/*`;
    const { key, value } = BAKE_INSTANCE_TAG;
    return [
        {
            Sid: "DenySessionsButTheBake",
            Effect: "Deny",
            Action: "ssm:StartSession",
            Resource: instances,
            Condition: { StringNotEquals: { [`ssm:resourceTag/${key}`]: value } },
        },
        {
            // Not the shell, a command, or forwarding to another host (AWS-StartPortForwardingSessionToRemoteHost).
            Sid: "DenyOtherSessionDocuments",
            Effect: "Deny",
            Action: "ssm:StartSession",
            // AWS-owned documents' ARNs have no account (arn:aws:ssm:<region>::document/AWS-...): `*` matches it empty.
            NotResource: [instances, `arn:aws:ssm:*:*:document/${BAKE_SESSION_DOCUMENT}`],
        },
        {
            Sid: "DenyTheBakeTagAfterLaunch",
            Effect: "Deny",
            Action: "ec2:CreateTags",
            Resource: instances,
            Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": key }, StringNotEquals: { "ec2:CreateAction": "RunInstances" } },
        },
        {
            Sid: "DenyTheBakeTagWithOtherProfiles",
            Effect: "Deny",
            Action: "ec2:RunInstances",
            Resource: instances,
            Condition: {
                Null: { [`aws:RequestTag/${key}`]: "false" },
                ArnNotLike: { "ec2:InstanceProfile": bakeInstanceProfileArn(args.accountId, args.stack) },
            },
        },
        {
            Sid: "DenyChangingInstancesButTheBake",
            Effect: "Deny",
            Action: ["ec2:AssociateIamInstanceProfile", "ec2:ModifyInstanceAttribute", "ec2:ReplaceIamInstanceProfileAssociation"],
            Resource: instances,
            Condition: { StringNotEquals: { [`aws:ResourceTag/${key}`]: value } },
        },
    ];
}

/**
 * Calls that copy an image or a snapshot into a region, or share one there: the copy is requested in its destination
 * region (EC2 CopyImage and CopySnapshot, RDS CopyDBSnapshot and CopyDBClusterSnapshot), the share in the copy's, so
 * aws:RequestedRegion tells a copy that leaves the stack's region, where no data-sharing rule or analyzer watches (a
 * cross-region backup copy starts in its source region, where the data-sharing rule sees it). No stack copies across
 * regions: Packer bakes and encrypts in the stack's region (images/twine-app, `region`), prod launches dev's image
 * where dev shares it.
 */
// As patterns, to stay short: outside the stack's region no call of them is the stack's.
const REGION_BOUND_ACTIONS = [
    "ec2:Copy*",
    "ec2:ModifyImageAttribute",
    "ec2:ModifySnapshotAttribute",
    "rds:Copy*",
    "rds:ModifyDB*SnapshotAttribute",
];

/** No copy or share of an image or snapshot outside the stack's region (of the stack's services only: the rest are denied). */
function regionStatements(args: DeployGuardArgs, services: readonly string[]): PolicyStatement[] {
    const actions = REGION_BOUND_ACTIONS.filter(a => services.includes(a.split(":")[0]));
    if (actions.length === 0) return [];
    const condition = { StringNotEquals: { "aws:RequestedRegion": args.region } };
    return [{ Sid: "DenyCopiesOutsideTheRegion", Effect: "Deny", Action: actions, Resource: "*", Condition: condition }];
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
        ...keyStatements(args),
        ...handOutStatements(args),
        ...bakeStatements(args),
        ...regionStatements(args, services),
        ...alertPathStatements(args),
        ...auditStatements(args),
    );
}
