/**
 * AccountBaseline: the account-wide guardrails every Twine account gets, whatever else it holds — EBS encryption
 * by default, the account-level S3 public access block, a multi-region CloudTrail trail (log file validation,
 * encrypted with its own KMS key, written to a locked-down bucket), an IAM Access Analyzer, and GuardDuty when
 * enabled. The policy pack (policy/) checks that each stack has them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, denyInsecureTransport, policyDocument, stableJson } from "./iamPolicy";
import { ExpectedAccess, expectedAccessArchiveRules } from "./expectedAccessConfig";
import { LogBucket } from "./logBucket";

/**
 * GuardDuty's optional protection plans, as the detector-feature API names them. RUNTIME_MONITORING stands for
 * EKS_RUNTIME_MONITORING too: naming both is refused (GuardDuty API reference, CreateDetector).
 */
export const GUARDDUTY_FEATURES = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
] as const;
export type GuardDutyFeature = (typeof GUARDDUTY_FEATURES)[number];

/** The baseline's settings; config/baseline.ts produces them with its per-role defaults applied. */
export interface AccountBaselineSettings {
    /** Run GuardDuty: create a detector, or adopt `guardDutyDetectorId`. */
    readonly guardDuty: boolean;
    /** An existing detector (e.g. the organization's): none is created, and its plans are left to its owner. */
    readonly guardDutyDetectorId?: string;
    /** Each optional protection plan of the detector the stack creates, on or off. */
    readonly guardDutyFeatures: Readonly<Record<GuardDutyFeature, boolean>>;
    /** An organization (or Control Tower) trail that already logs the account: no trail, trail key or bucket here. */
    readonly organizationTrailArn?: string;
    /** Days the trail bucket keeps log files (and old versions) before they expire. */
    readonly trailRetentionDays: number;
}

export interface AccountBaselineArgs extends AccountBaselineSettings {
    /** The account these settings apply to (trail names, key and bucket policies). Required. */
    readonly accountId: string;
    /** The stack's region: home region of the trail, its key and its bucket. Required. */
    readonly region: string;
    /** Short name used in the trail, bucket and analyzer names, e.g. the account role. Required. */
    readonly label: string;
    /**
     * Protect the trail's key and bucket (`protect: true`), as prod protects its stateful resources. In every
     * account they are also retained on delete: a `pulumi destroy` leaves the audit logs and the key that reads them.
     * @default false
     */
    readonly protect?: boolean;
    /** Days the S3 access-log bucket keeps its logs. @default 365 */
    readonly accessLogRetentionDays?: number;
    /**
     * The external access the stack grants on purpose, archived by the analyzer's rules so that only new findings
     * stay active (and page, through AccountAlerts). @default - none: every finding stays active
     */
    readonly expectedAccess?: ExpectedAccess;
}

/** Names derived from the account, so that they are stable and globally unique (S3) without random suffixes. */
export function baselineNames(args: Pick<AccountBaselineArgs, "accountId" | "region" | "label">) {
    const trail = `twine-${args.label}`;
    return {
        trail,
        trailArn: `arn:aws:cloudtrail:${args.region}:${args.accountId}:trail/${trail}`,
        bucket: `twine-cloudtrail-${args.accountId}-${args.region}`,
        accessLogBucket: `twine-s3-access-logs-${args.accountId}-${args.region}`,
        analyzer: `twine-${args.label}-account`,
        keyAlias: `alias/twine-${args.label}-cloudtrail`,
    };
}

/**
 * Key policy of the trail's key: the account administers it through IAM; CloudTrail may encrypt for this trail
 * only (source ARN and encryption context); principals of this account may decrypt log files they can read.
 */
export function trailKeyPolicy(accountId: string, region: string, trailArn: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "AccountAdministersTheKeyThroughIam",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
        {
            Sid: "CloudTrailEncryptsThisTrailOnly",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "kms:GenerateDataKey*",
            Resource: "*",
            Condition: {
                StringEquals: { "aws:SourceArn": trailArn },
                StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${accountId}:trail/*` },
            },
        },
        {
            // The trail bucket uses an S3 Bucket Key: CloudTrail then needs kms:Decrypt to create or update the trail.
            // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
            Sid: "CloudTrailDecryptsForTheBucketKey",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
        {
            Sid: "CloudTrailDescribesTheKey",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "kms:DescribeKey",
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
        {
            Sid: "AccountReadsLogFiles",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": `s3.${region}.amazonaws.com` },
                StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${accountId}:trail/*` },
            },
        },
    );
}

/**
 * Policy of the account's S3 access-log bucket: TLS only; the S3 logging service may write, for buckets of this
 * account only. https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export function serverAccessLogBucketPolicy(bucket: string, accountId: string): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucket}`;
    return policyDocument(denyInsecureTransport(bucketArn), {
        Sid: "S3ServerAccessLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
}

/** Bucket policy: TLS only; CloudTrail (this trail only) may read the ACL and write under AWSLogs/<account>/. */
export function trailBucketPolicy(bucket: string, accountId: string, trailArn: string): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucket}`;
    return policyDocument(
        denyInsecureTransport(bucketArn),
        {
            Sid: "CloudTrailAclCheck",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: bucketArn,
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
        {
            Sid: "CloudTrailWrite",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${bucketArn}/AWSLogs/${accountId}/*`,
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
    );
}

export class AccountBaseline extends pulumi.ComponentResource {
    /** ARN of the CloudTrail trail (the organization's, when one is adopted). */
    readonly trailArn: pulumi.Output<string>;
    /** Name of the bucket holding the trail's log files. @default - none, when an organization trail is adopted */
    readonly trailBucket: pulumi.Output<string | undefined>;
    /** Name of the account's bucket for S3 server access logs: every other bucket of the stack logs into it. */
    readonly accessLogBucket: pulumi.Output<string>;

    constructor(name: string, args: AccountBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AccountBaseline", name, args, opts);
        const parent = { parent: this };
        const names = baselineNames(args);

        // Account singletons: deleting one switches the protection off for the whole account (DisableEbsEncryptionByDefault,
        // DeletePublicAccessBlock), and a replacement deletes the old one after creating the new. Retained, a destroy or
        // a replacement leaves them on (retainOnDelete covers both: https://www.pulumi.com/docs/iac/concepts/options/retainondelete/).
        const singleton = { parent: this, retainOnDelete: true };
        // EC2.7: every new EBS volume and snapshot in the region is encrypted, whoever creates it.
        new aws.ebs.EncryptionByDefault(`${name}-ebs-encryption`, { enabled: true }, singleton);
        // S3.1: no bucket of the account can be made public, by ACL or by policy.
        new aws.s3.AccountPublicAccessBlock(
            `${name}-s3-public-access`,
            {
                accountId: args.accountId,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            singleton,
        );

        // Kept on destroy in every account (retainOnDelete): the logs outlive the stack, and so does what decrypts them.
        const keep = { retainOnDelete: true, protect: args.protect === true };
        const accessLogs = this.accessLogBucketResources(name, names.accessLogBucket, args, keep);

        // An organization's trail already records this account's events: a second one is a paid copy.
        if (args.organizationTrailArn) {
            this.trailArn = pulumi.output(args.organizationTrailArn);
            this.trailBucket = pulumi.output(undefined);
        } else {
            const { trail, bucket } = this.trailResources(name, names, args, keep, accessLogs);
            this.trailArn = trail.arn;
            this.trailBucket = bucket;
        }

        // IAM.28: report resources shared outside the account (roles, buckets, keys).
        const analyzer = new aws.accessanalyzer.Analyzer(
            `${name}-access-analyzer`,
            { analyzerName: names.analyzer, type: "ACCOUNT" },
            parent,
        );
        for (const rule of args.expectedAccess ? expectedAccessArchiveRules(args.expectedAccess) : []) {
            new aws.accessanalyzer.ArchiveRule(
                `${name}-access-analyzer-${rule.key}`,
                {
                    analyzerName: analyzer.analyzerName,
                    ruleName: rule.ruleName,
                    filters: Object.entries(rule.filter).map(([criteria, c]) => ({ criteria, eqs: [...c.eq] })),
                },
                { parent: analyzer },
            );
        }
        if (args.guardDuty && !args.guardDutyDetectorId) this.guardDutyDetector(name, args.guardDutyFeatures);

        this.accessLogBucket = accessLogs.id;
        this.registerOutputs({ trailArn: this.trailArn, trailBucket: this.trailBucket, accessLogBucket: this.accessLogBucket });
    }

    /**
     * A detector with every optional protection plan stated: CreateDetector turns on each plan it is not told about
     * (GuardDuty API reference, CreateDetector), so each is a DetectorFeature, on or off as configured. Retained:
     * deleting a detector disables GuardDuty in the Region and removes its findings (aws.guardduty.Detector docs).
     * Deleting a DetectorFeature changes nothing in AWS (aws.guardduty.DetectorFeature docs).
     */
    private guardDutyDetector(name: string, features: Readonly<Record<GuardDutyFeature, boolean>>): aws.guardduty.Detector {
        const detector = new aws.guardduty.Detector(
            `${name}-guardduty`,
            { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES" },
            { parent: this, retainOnDelete: true },
        );
        for (const feature of GUARDDUTY_FEATURES) {
            new aws.guardduty.DetectorFeature(
                `${name}-guardduty-${feature.toLowerCase().replace(/_/g, "-")}`,
                { detectorId: detector.id, name: feature, status: features[feature] ? "ENABLED" : "DISABLED" },
                { parent: detector },
            );
        }
        return detector;
    }

    /** The account's own multi-region trail: its key, its locked-down bucket (logging into the access-log bucket), the trail. */
    private trailResources(
        name: string,
        names: ReturnType<typeof baselineNames>,
        args: AccountBaselineArgs,
        keep: { retainOnDelete: boolean; protect: boolean },
        accessLogs: LogBucket,
    ): { trail: aws.cloudtrail.Trail; bucket: pulumi.Output<string> } {
        const key = new aws.kms.Key(
            `${name}-trail-key`,
            {
                description: `Encrypts the ${names.trail} CloudTrail log files`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: stableJson(trailKeyPolicy(args.accountId, args.region, names.trailArn)),
            },
            // Deleting the key would make every log file unreadable.
            { parent: this, ...keep },
        );
        new aws.kms.Alias(`${name}-trail-key`, { name: names.keyAlias, targetKeyId: key.keyId }, { parent: key });

        // Audit logs outlive a `pulumi destroy` mistake: forceDestroy off, versions kept until they expire.
        // CIS 3.x: the trail bucket's own access is logged.
        const retention = args.trailRetentionDays;
        const trailLogs = new LogBucket(
            `${name}-trail-logs`,
            {
                bucketName: names.bucket,
                kmsKeyArn: key.arn,
                versioned: true,
                accessLogs: { bucket: accessLogs.id, prefix: `${names.bucket}/` },
                lifecycleRule: {
                    id: "expire-log-files",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: { days: retention },
                    noncurrentVersionExpiration: { noncurrentDays: retention },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
                policy: () => trailBucketPolicy(names.bucket, args.accountId, names.trailArn),
                formerParent: this,
                keep,
            },
            { parent: this },
        );

        const trail = new aws.cloudtrail.Trail(
            `${name}-trail`,
            {
                name: names.trail,
                s3BucketName: trailLogs.id,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                enableLogging: true,
                kmsKeyId: key.arn,
            },
            // CreateTrail checks that it can write with the bucket's encryption: policy and encryption both first.
            // Kept when deleted, like its bucket and key: naming an organization trail (or a destroy) must not stop
            // the account's audit log; whoever checked the organization's trail deletes this one by hand.
            { parent: this, dependsOn: [trailLogs.policy, trailLogs.encryption], retainOnDelete: true },
        );
        return { trail, bucket: trailLogs.id };
    }

    /**
     * The account's S3 server access-log bucket. SSE-S3 only (log delivery does not support SSE-KMS on the target:
     * https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshooting-server-access-logging.html). It does not log
     * its own access: delivering those logs into itself would write a log for every log.
     */
    private accessLogBucketResources(
        name: string,
        bucketName: string,
        args: AccountBaselineArgs,
        keep: { retainOnDelete: boolean; protect: boolean },
    ): LogBucket {
        return new LogBucket(
            `${name}-s3-access-logs`,
            {
                bucketName,
                lifecycleRule: {
                    id: "expire-access-logs",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: { days: args.accessLogRetentionDays ?? 365 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
                policy: () => serverAccessLogBucketPolicy(bucketName, args.accountId),
                formerParent: this,
                keep,
            },
            { parent: this },
        );
    }
}
