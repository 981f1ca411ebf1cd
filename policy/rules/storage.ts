/** S3 guardrails: the account-level block, and per bucket: public access, TLS, ACLs, encryption, versioning. */
import { ResourceProps, Rule, asArray, companionRule, isProd, isTrue, simpleRule, statements } from "./types";

export const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const allFour = (p: ResourceProps) =>
    ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every(k => isTrue(p[k]));
const bucketLink = { companion: "bucket", subject: "bucket" };

/** The bucket policy denies every request that does not use TLS. */
export function deniesInsecureTransport(policy: unknown): boolean {
    return statements(policy).some(
        s =>
            s.Effect === "Deny" &&
            (s.Principal === "*" || s.Principal?.AWS === "*") &&
            asArray(s.Action).some(a => a === "s3:*") &&
            Object.entries(s.Condition?.Bool ?? {}).some(([k, v]) => k.toLowerCase() === "aws:securetransport" && String(v) === "false"),
    );
}

export const storageRules: Rule[] = [
    {
        name: "s3-1-account-public-access-block",
        control: "S3.1",
        area: "data stores",
        enforcementLevel: "mandatory",
        description:
            "Every stack sets the account-level S3 public access block with all four settings on (the " +
            "account baseline). Mandatory: it stops any bucket, from any tool, going public.",
        kind: "stack",
        check(resources) {
            const blocks = resources.filter(r => r.type === "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock");
            if (blocks.length === 0) return [{ message: "no aws.s3.AccountPublicAccessBlock in the stack; create the AccountBaseline" }];
            return blocks
                .filter(b => !allFour(b.props ?? {}))
                .map(b => ({ urn: b.urn, message: "all four public access settings must be true" }));
        },
    },
    companionRule(
        {
            name: "s3-8-bucket-public-access-block",
            control: "S3.8",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Every bucket has its own public access block with all four settings on. Mandatory: defence in " +
                "depth if the account-level block is ever lifted.",
        },
        {
            subjects: BUCKETS,
            companions: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
            ok: allFour,
            link: bucketLink,
            badCompanion: "all four public access settings must be true",
            missing: "the bucket has no aws.s3.BucketPublicAccessBlock",
        },
    ),
    companionRule(
        {
            name: "s3-5-tls-only",
            control: "S3.5",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Every bucket has a policy that denies requests without TLS (aws:SecureTransport false). " +
                "Mandatory: nothing of Twine's travels to S3 in clear text.",
        },
        {
            subjects: BUCKETS,
            companions: ["aws:s3/bucketPolicy:BucketPolicy"],
            ok: p => deniesInsecureTransport(p.policy),
            link: bucketLink,
            badCompanion: "the bucket policy must deny s3:* when aws:SecureTransport is false",
            missing: "the bucket has no policy denying insecure transport",
        },
    ),
    {
        name: "s3-12-no-acls",
        control: "S3.12",
        area: "data stores",
        enforcementLevel: "mandatory",
        description:
            "Buckets use BucketOwnerEnforced object ownership and no ACLs, least of all public ones. " +
            "Mandatory: access is by policy only, in one reviewable place.",
        kind: "resource",
        resourceTypes: [
            ...BUCKETS,
            "aws:s3/bucketAcl:BucketAcl",
            "aws:s3/bucketAclV2:BucketAclV2",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        ],
        check(r) {
            const p = r.props ?? {};
            if (r.type.includes("bucketOwnershipControls")) {
                return p.rule?.objectOwnership === "BucketOwnerEnforced"
                    ? []
                    : [`objectOwnership is ${JSON.stringify(p.rule?.objectOwnership)}; use BucketOwnerEnforced`];
            }
            if (r.type.includes("bucketAcl"))
                return [
                    `bucket ACLs are not used${PUBLIC_ACLS.includes(p.acl) ? ` (and ${p.acl} is public)` : ""}; ` +
                        `grant access in the bucket policy`,
                ];
            const problems: string[] = [];
            if (p.acl !== undefined && p.acl !== "private") problems.push(`acl ${JSON.stringify(p.acl)} is not allowed`);
            if (asArray(p.grants).length > 0) problems.push("grants are not allowed");
            return problems;
        },
    },
    simpleRule(
        {
            name: "twine-s3-no-force-destroy-prod",
            control: "twine",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Prod buckets do not set forceDestroy. Mandatory in prod: deleting the stack must never empty a bucket of production data.",
            resourceTypes: BUCKETS,
        },
        (p, r) => isProd(r) && isTrue(p.forceDestroy),
        "forceDestroy must be false in prod",
    ),
    companionRule(
        {
            name: "s3-14-versioning",
            control: "S3.14",
            area: "data stores",
            enforcementLevel: "advisory",
            description: "Every bucket has versioning enabled. Advisory: essential for logs and the apt repository, optional for caches.",
        },
        {
            subjects: BUCKETS,
            companions: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
            ok: p => p.versioningConfiguration?.status === "Enabled",
            link: bucketLink,
            missing: "the bucket has no versioning enabled",
        },
    ),
    companionRule(
        {
            name: "s3-17-kms-encryption",
            control: "S3.17",
            area: "data stores",
            enforcementLevel: "advisory",
            description:
                "Every bucket encrypts by default with a KMS key (SSE-KMS). Advisory: S3 already encrypts " +
                "everything with SSE-S3; KMS adds key policy and audit.",
        },
        {
            subjects: BUCKETS,
            companions: [
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
            ],
            ok: p => asArray(p.rules).some(r => /^aws:kms/.test(r.applyServerSideEncryptionByDefault?.sseAlgorithm ?? "")),
            link: bucketLink,
            missing: "the bucket has no SSE-KMS default encryption",
        },
    ),
    companionRule(
        {
            name: "s3-9-server-access-logging",
            control: "S3.9",
            area: "logging",
            enforcementLevel: "advisory",
            description:
                "Every bucket has server access logging. Advisory: CloudTrail already records bucket-level " +
                "calls; object-level logs cost a log bucket per region.",
        },
        {
            subjects: BUCKETS,
            companions: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
            ok: () => true,
            link: bucketLink,
            missing: "the bucket has no server access logging",
        },
    ),
];
