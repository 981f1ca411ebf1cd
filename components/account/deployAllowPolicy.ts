/**
 * The deploy role's allows, derived from its stack's resource types: every action the catalog
 * (deployActionCatalog.json, see deployActionsConfig.ts) records for a type the stack declares, plus what an update calls
 * beyond its resources (UPDATE_CALLS), cut into customer managed policies within IAM's limits. The guard
 * (deployRolePolicy.ts) still denies what the stack does not own; the allows only name actions, never a service
 * wildcard (the policy pack's iam-21 and twine-iam-no-action-wildcards).
 */
import { CatalogEntry, actionsOfEntry, learnCommand } from "./deployActionsConfig";
import { autoScalingServiceLinkedRoleArn } from "../delivery/imageSharingPolicy";
import { GITHUB_OIDC_HOST, PULUMI_OIDC_HOST } from "./oidcTrustPolicy";
import { TAGGED_SERVICE_LINKED_ROLES, deployServicesOf, ownedArns, serviceLinkedRoleArn } from "./deployRolePolicy";
import { PolicyDocument, PolicyStatement, policyDocument } from "./iamPolicy";

/** IAM's limit for a customer managed policy, whitespace excluded (IAM User Guide, "IAM and AWS STS quotas"). */
export const MANAGED_POLICY_MAX_CHARS = 6144;
/** IAM's default limit of managed policies attached to one role (same page). */
export const MANAGED_POLICIES_PER_ROLE = 10;

export interface UpdateCall {
    readonly actions: readonly string[];
    /** Why the update makes the call, and where that is documented. */
    readonly why: string;
}

/**
 * What an update calls beyond its resources' own, per account role (the stack's label). Each with its source.
 */
export const UPDATE_CALLS: Readonly<Record<string, readonly UpdateCall[]>> = {
    all: [
        {
            // aws.getAvailabilityZonesOutput (network), aws.ec2.getAmi (images): the provider's data sources
            // internal/service/ec2/ec2_availability_zones_data_source.go and ec2_ami_data_source.go.
            actions: ["ec2:DescribeAvailabilityZones", "ec2:DescribeImages"],
            why: "the program's lookups: availability zones and the pinned AMI",
        },
        {
            // A launch template's or instance's profile, a flow log's, backup selection's or lifecycle policy's role is
            // passed to the service (IAM User Guide, "Grant a user permissions to pass a role to an AWS service"); the
            // guard allows it on the stack's own roles only.
            actions: ["iam:GetInstanceProfile", "iam:PassRole"],
            why: "the roles the stack's resources hand to AWS services",
        },
        {
            // Volumes, databases, domains and secrets encrypted with the stack's keys: the service uses the key with the
            // caller's rights when it creates them (EBS User Guide, "Permissions for IAM users" under EBS encryption; RDS
            // and OpenSearch ask the same: CreateGrant and DescribeKey).
            actions: [
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            why: "resources encrypted with the stack's keys",
        },
    ],
    databases: [
        {
            // RDS User Guide, "Password management with AWS Secrets Manager", "Permissions required for Secrets Manager
            // integration": RDS creates and rotates the master password's secret with the caller's rights.
            actions: ["secretsmanager:CreateSecret", "secretsmanager:RotateSecret", "secretsmanager:TagResource"],
            why: "the databases' managed master password",
        },
    ],
    dev: [
        {
            // Packer's amazon plugin, "Minimal IAM policy" (docs/builders/amazon.mdx), for the EBS builder; with
            // ssh_interface session_manager it also needs ssm:StartSession/TerminateSession and to pass the bake's
            // instance profile (iam:PassRole, iam:GetInstanceProfile on the stack's own, under ownedPath).
            actions: [
                "ec2:AttachVolume",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CopyImage",
                "ec2:CreateImage",
                "ec2:CreateKeyPair",
                "ec2:CreateSecurityGroup",
                "ec2:CreateSnapshot",
                "ec2:CreateTags",
                "ec2:CreateVolume",
                "ec2:DeleteKeyPair",
                "ec2:DeleteSecurityGroup",
                "ec2:DeleteSnapshot",
                "ec2:DeleteVolume",
                "ec2:DeregisterImage",
                "ec2:DescribeImageAttribute",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeRegions",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSnapshots",
                "ec2:DescribeSubnets",
                "ec2:DescribeTags",
                "ec2:DescribeVolumes",
                "ec2:DetachVolume",
                "ec2:GetPasswordData",
                "ec2:ModifyImageAttribute",
                "ec2:ModifyInstanceAttribute",
                "ec2:ModifySnapshotAttribute",
                "ec2:RegisterImage",
                "ec2:RunInstances",
                "ec2:StopInstances",
                "ec2:TerminateInstances",
                "iam:GetInstanceProfile",
                "iam:PassRole",
                "ssm:StartSession",
                "ssm:TerminateSession",
            ],
            why: "Packer's bake of the app image through Session Manager",
        },
        {
            // The bake gate lists the apt repository's pool (aws.s3.getObjectsOutput: ListObjectsV2, s3:ListBucket).
            actions: ["s3:ListBucket"],
            why: "the bake gate's listing of the pinned package",
        },
        {
            // docker.Image pushes the Jenkins image with the ECR credential helper (ECR User Guide, "Required IAM
            // permissions for pushing an image").
            actions: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:GetAuthorizationToken",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            why: "the Jenkins image push",
        },
    ],
};

/**
 * Service-linked roles the stack's resources make AWS create on first use, with the caller's
 * iam:CreateServiceLinkedRole (each service's "Using service-linked roles" page): allowed only for these names.
 */
export const SERVICE_LINKED_ROLE_OF_TYPE: Readonly<Record<string, readonly string[]>> = {
    "aws:accessanalyzer/analyzer:Analyzer": ["access-analyzer.amazonaws.com"],
    "aws:autoscaling/group:Group": ["autoscaling.amazonaws.com"],
    "aws:backup/vault:Vault": ["backup.amazonaws.com"],
    "aws:guardduty/detector:Detector": ["guardduty.amazonaws.com", "malware-protection.guardduty.amazonaws.com"],
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": ["opensearchservice.amazonaws.com"],
    "aws:lb/loadBalancer:LoadBalancer": ["elasticloadbalancing.amazonaws.com"],
    "aws:opensearch/domain:Domain": ["opensearchservice.amazonaws.com"],
    "aws:rds/instance:Instance": ["rds.amazonaws.com"],
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": ["wafv2.amazonaws.com"],
};

export interface DeployAllowArgs {
    readonly accountId: string;
    readonly region: string;
    readonly stack: string;
    readonly accountRole: string;
    /** The stack's AWS resource types (the plan's). */
    readonly resourceTypes: readonly string[];
}

/** The AWS types a catalog lacks, with the command that learns them; empty when it knows them all. */
export function unknownTypes(catalog: Readonly<Record<string, CatalogEntry>>, types: Iterable<string>): string[] {
    return [...new Set(types)].filter(t => t.startsWith("aws:") && !catalog[t]).sort();
}

export function unknownTypesMessage(unknown: readonly string[]): string {
    return (
        `the deploy role's actions are not known for ${unknown.join(", ")}. Fix: learn them with ` +
        `\`${learnCommand(unknown)}\` (after writing scripts/learn-deploy-actions/<terraform type>.tf for a type without ` +
        'one), then add what the emulator refused from the provider\'s source (docs/build-and-delivery.md, "Deploy roles")'
    );
}

/** Every action the stack's update calls: its types' catalog entries and UPDATE_CALLS. */
export function deployActionsOf(catalog: Readonly<Record<string, CatalogEntry>>, args: DeployAllowArgs): string[] {
    const unknown = unknownTypes(catalog, args.resourceTypes);
    if (unknown.length > 0) throw new Error(unknownTypesMessage(unknown));
    const actions = new Set<string>();
    for (const type of new Set(args.resourceTypes)) if (catalog[type]) for (const a of actionsOfEntry(catalog[type])) actions.add(a);
    const calls = [...UPDATE_CALLS.all, ...(UPDATE_CALLS[args.accountRole] ?? [])];
    // Every database here has RDS manage its master password (test/deployRole.test.ts checks the plans).
    if (args.resourceTypes.includes("aws:rds/instance:Instance")) calls.push(...UPDATE_CALLS.databases);
    for (const call of calls) for (const a of call.actions) actions.add(a);
    // Granted by its own statement below, on the service names only; sts:AssumeRole by the role's inline policy.
    actions.delete("iam:CreateServiceLinkedRole");
    actions.delete("sts:AssumeRole");
    return [...actions].sort();
}

/** KMS actions that take no key (Service Authorization Reference, AWS KMS): on "*", the others on keys and aliases. */
const KMS_WITHOUT_RESOURCE = new Set(["kms:CreateKey", "kms:GenerateRandom", "kms:ListAliases", "kms:ListKeys", "kms:ListRetirableGrants"]);
/**
 * The data-key actions: the deploy role calls none itself; a service it drives uses the key with its rights (EBS,
 * RDS, OpenSearch, Secrets Manager, AWS Backup...), so only through those services (KMS Developer Guide,
 * "kms:ViaService" condition key).
 */
const KMS_DATA_KEY = new Set([
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
]);
/** The services of a stack that use its keys on the caller's behalf: the values its kms:ViaService may take. */
export const KMS_VIA_SERVICES = ["backup", "ec2", "ecr", "es", "logs", "rds", "secretsmanager", "sns"];
/** IAM actions that take no resource, or that a refresh makes on any identity: reads. */
const IAM_READ = /^iam:(Get|List)/;

/** The statements of the deploy role's allows, before they are cut into policies. */
export function deployAllowStatements(args: DeployAllowArgs, actions: readonly string[]): PolicyStatement[] {
    const owned = ownedArns(args.accountId, args.stack);
    const iam = actions.filter(a => a.startsWith("iam:"));
    const kms = actions.filter(a => a.startsWith("kms:"));
    const byService = new Map<string, string[]>();
    for (const a of actions.filter(x => !x.startsWith("iam:") && !x.startsWith("kms:"))) {
        const service = a.split(":")[0];
        byService.set(service, [...(byService.get(service) ?? []), a]);
    }
    const statements: PolicyStatement[] = [];
    const sid = (s: string) => s.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    for (const [service, list] of [...byService].sort())
        statements.push({ Sid: sid(service), Effect: "Allow", Action: list, Resource: "*" });
    const reads = iam.filter(a => IAM_READ.test(a));
    const writes = iam.filter(a => !IAM_READ.test(a));
    if (reads.length > 0) statements.push({ Sid: "IamRead", Effect: "Allow", Action: reads, Resource: "*" });
    const oidcWrites = writes.filter(a => /OpenIDConnectProvider/.test(a));
    const ownedWrites = writes.filter(a => !oidcWrites.includes(a));
    if (ownedWrites.length > 0) {
        // The stack's own identities (ownedPath, its preview role); the guard denies the rest.
        const resources = [...owned.roles, ...owned.instanceProfiles, ...owned.policies];
        statements.push({ Sid: "IamOwned", Effect: "Allow", Action: ownedWrites, Resource: resources });
    }
    if (oidcWrites.length > 0) {
        // Its OIDC providers only, whose ARN is the issuer's host and path (deploymentPreviews.ts).
        const oidc = [PULUMI_OIDC_HOST, GITHUB_OIDC_HOST].map(host => `arn:aws:iam::${args.accountId}:oidc-provider/${host}`);
        statements.push({ Sid: "IamOidcProviders", Effect: "Allow", Action: oidcWrites, Resource: oidc });
    }
    if (args.resourceTypes.includes("aws:iam/serviceLinkedRole:ServiceLinkedRole")) {
        // The service-linked roles the stack declares carry its tags (the guard's DenyTaggingOtherRoles lets these through).
        const linkedRoles = TAGGED_SERVICE_LINKED_ROLES.map(s => serviceLinkedRoleArn(args.accountId, s));
        const tags = ["iam:TagRole", "iam:UntagRole"];
        statements.push({ Sid: "IamServiceLinkedRoleTags", Effect: "Allow", Action: tags, Resource: linkedRoles });
    }
    const kmsAny = kms.filter(a => KMS_WITHOUT_RESOURCE.has(a));
    const kmsKeys = kms.filter(a => !KMS_WITHOUT_RESOURCE.has(a));
    if (kmsAny.length > 0) statements.push({ Sid: "KmsAccount", Effect: "Allow", Action: kmsAny, Resource: "*" });
    // Keys of any account in the region: prod grants its Auto Scaling role dev's image key (that key's policy
    // decides); never "*", which the policy pack refuses for kms:Decrypt.
    const keys = [`arn:aws:kms:${args.region}:*:key/*`, `arn:aws:kms:${args.region}:${args.accountId}:alias/*`];
    const direct = kmsKeys.filter(a => !KMS_DATA_KEY.has(a) && a !== "kms:CreateGrant");
    if (direct.length > 0) statements.push({ Sid: "KmsKeys", Effect: "Allow", Action: direct, Resource: keys });
    const dataKey = kmsKeys.filter(a => KMS_DATA_KEY.has(a));
    const services = deployServicesOf(args.accountRole, args.resourceTypes).filter(s => KMS_VIA_SERVICES.includes(s));
    if (dataKey.length > 0 && services.length > 0) {
        const via = services.map(s => `${s}.${args.region}.amazonaws.com`);
        statements.push({
            Sid: "KmsViaServices",
            Effect: "Allow",
            Action: dataKey,
            Resource: keys,
            Condition: { StringEquals: { "kms:ViaService": via } },
        });
    }
    if (kmsKeys.includes("kms:CreateGrant")) {
        // Grants a service makes for the resource it encrypts (KMS Developer Guide, "kms:GrantIsForAWSResource")...
        const forResources = { Bool: { "kms:GrantIsForAWSResource": "true" } };
        statements.push({ Sid: "KmsServiceGrants", Effect: "Allow", Action: "kms:CreateGrant", Resource: keys, Condition: forResources });
        // ...and the one grant the stack names itself (aws.kms.Grant: prod's Auto Scaling launching from dev's image key).
        if (args.resourceTypes.includes("aws:kms/grant:Grant")) {
            const grantee = { StringEquals: { "kms:GranteePrincipal": autoScalingServiceLinkedRoleArn(args.accountId) } };
            statements.push({ Sid: "KmsNamedGrants", Effect: "Allow", Action: "kms:CreateGrant", Resource: keys, Condition: grantee });
        }
    }
    const linked = [...new Set(args.resourceTypes.flatMap(t => SERVICE_LINKED_ROLE_OF_TYPE[t] ?? []))].sort();
    if (linked.length > 0) {
        statements.push({
            Sid: "ServiceLinkedRoles",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: `arn:aws:iam::${args.accountId}:role/aws-service-role/*`,
            Condition: { StringEquals: { "iam:AWSServiceName": linked } },
        });
    }
    return statements;
}

/** Characters of a document as IAM counts them: its JSON without whitespace. */
export function policySize(document: PolicyDocument): number {
    return JSON.stringify(document).length;
}

/**
 * The statements packed into as few managed policies as fit IAM's 6,144 characters, in order, a statement split by
 * its actions when it does not fit alone; throws when more than IAM's ten policies per role would be needed.
 */
export function packPolicies(statements: readonly PolicyStatement[], max = MANAGED_POLICY_MAX_CHARS): PolicyDocument[] {
    const pieces: PolicyStatement[] = [];
    for (const st of statements) {
        const actions = [st.Action].flat();
        let part: string[] = [];
        for (const a of actions) {
            const next = [...part, a];
            if (part.length > 0 && policySize(policyDocument({ ...st, Action: next })) > max - 200) {
                pieces.push({ ...st, Sid: `${st.Sid}${pieces.filter(p => p.Sid?.startsWith(st.Sid ?? "")).length || ""}`, Action: part });
                part = [a];
            } else part = next;
        }
        pieces.push({
            ...st,
            Sid: `${st.Sid}${pieces.filter(p => p.Sid?.startsWith(st.Sid ?? "")).length || ""}`,
            Action: Array.isArray(st.Action) ? part : st.Action,
        });
    }
    const docs: PolicyStatement[][] = [];
    for (const piece of pieces) {
        const last = docs[docs.length - 1];
        if (last && policySize(policyDocument(...last, piece)) <= max) last.push(piece);
        else docs.push([piece]);
    }
    if (docs.length > MANAGED_POLICIES_PER_ROLE) {
        throw new Error(
            `the deploy role's allows need ${docs.length} managed policies, more than IAM's ${MANAGED_POLICIES_PER_ROLE} per role`,
        );
    }
    return docs.map(d => policyDocument(...d));
}

/** The deploy role's allow policies for its stack. */
export function deployAllowPolicies(catalog: Readonly<Record<string, CatalogEntry>>, args: DeployAllowArgs): PolicyDocument[] {
    return packPolicies(deployAllowStatements(args, deployActionsOf(catalog, args)));
}
