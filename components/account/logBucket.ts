import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, stableJson } from "./iamPolicy";

/** The settings resources of a bucket, each a child of the bucket. */
export type BucketSetting = "publicAccess" | "ownership" | "versioning" | "accessLogging" | "encryption" | "lifecycle" | "policy";

/** Settings of a private bucket (logs, or the apt repository); the component adds what every one of them has. */
export interface LogBucketArgs {
    /** The bucket's name. @default - a name Pulumi derives from the resource name */
    readonly bucketName?: string;
    /**
     * KMS key for SSE-KMS with an S3 Bucket Key. @default - SSE-S3 (AES256), the only encryption ALB log delivery and
     * S3 server access logging can write into
     */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Keep object versions (until the lifecycle rule expires them). @default false */
    readonly versioned?: boolean;
    /** Where this bucket's own S3 server access logs go. @default - not logged (the access-log bucket itself) */
    readonly accessLogs?: { readonly bucket: pulumi.Input<string>; readonly prefix: string };
    /** The lifecycle rule that expires the logs. */
    readonly lifecycleRule: aws.types.input.s3.BucketLifecycleConfigurationRule;
    /** The bucket policy for the bucket's ARN: who may write, and TLS only. */
    readonly policy: (bucketArn: string) => PolicyDocument | pulumi.Output<PolicyDocument>;
    /**
     * The component that built this bucket by hand before LogBucket existed: aliases keep the bucket's URN (and its
     * settings' URNs) so the move replaces nothing. @default - none
     */
    readonly formerParent?: pulumi.Resource;
    /**
     * The names the settings had there, where they were not the bucket's name (this component names each after the
     * bucket): with the bucket's alias, they keep the settings' URNs. @default - the bucket's name
     */
    readonly formerSettingNames?: Readonly<Partial<Record<BucketSetting, string>>>;
    /** Kept on `pulumi destroy` and/or protected from it (the audit logs outlive the stack). @default - neither */
    readonly keep?: { readonly retainOnDelete?: boolean; readonly protect?: boolean };
}

/**
 * A private bucket, for logs and for the apt repository: owner-enforced, public access blocked, encrypted, expiring,
 * with its writer's policy applied after the public-access block (the policy is checked against the block when it
 * is put).
 */
export class LogBucket extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    /** The bucket's name (its id). */
    public readonly id: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    /** The writer's policy and the encryption: a trail must wait for both before CreateTrail checks them. */
    public readonly policy: aws.s3.BucketPolicy;
    public readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;

    constructor(name: string, args: LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:LogBucket", name, {}, opts);
        this.bucket = new aws.s3.Bucket(
            name,
            { ...(args.bucketName ? { bucket: args.bucketName } : {}), forceDestroy: false },
            { parent: this, ...args.keep, aliases: args.formerParent ? [{ parent: args.formerParent }] : [] },
        );
        const bucket = this.bucket;
        // A kept bucket keeps its settings too: children do not inherit retainOnDelete (only protect), and a destroy
        // that deleted them would leave the bucket without its public access block, TLS-only policy and lifecycle.
        const child = { parent: bucket, retainOnDelete: args.keep?.retainOnDelete };
        // A former name is aliased under the bucket's former URN too (the SDK combines a child's alias with its parent's).
        // No alias combines a former name with a pre-V2 type (e.g. BucketLifecycleConfigurationV2): the provider adds
        // the bare type alias itself, and this program has been on @pulumi/aws 7 with the V2-free classes since its
        // first commit, so no state of its holds a former name under a V2 type.
        const parent = (setting: BucketSetting) => {
            const former = args.formerSettingNames?.[setting];
            return former ? { ...child, aliases: [{ name: former }] } : child;
        };
        const block = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent("publicAccess"),
        );
        const ownership = new aws.s3.BucketOwnershipControls(
            name,
            { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            parent("ownership"),
        );
        if (args.versioned) {
            new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent("versioning"));
        }
        if (args.accessLogs) {
            new aws.s3.BucketLogging(
                name,
                { bucket: bucket.id, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix },
                parent("accessLogging"),
            );
        }
        this.encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [
                    args.kmsKeyArn
                        ? {
                              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                              bucketKeyEnabled: true,
                          }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                ],
            },
            parent("encryption"),
        );
        new aws.s3.BucketLifecycleConfiguration(name, { bucket: bucket.id, rules: [args.lifecycleRule] }, parent("lifecycle"));
        this.policy = new aws.s3.BucketPolicy(
            name,
            { bucket: bucket.id, policy: bucket.arn.apply(arn => pulumi.output(args.policy(arn))).apply(document => stableJson(document)) },
            { ...parent("policy"), dependsOn: [block, ownership] },
        );
        this.id = bucket.id;
        this.arn = bucket.arn;
        this.registerOutputs({ id: this.id, arn: this.arn });
    }
}
