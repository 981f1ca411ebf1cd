import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { JENKINS_FILE_CREDENTIAL_TAG } from "./jenkinsHostConfig";
import { aptBucketPolicy, aptRepoUrl } from "./aptlyConfig";
import { stableJson } from "../account/iamPolicy";

/** The repository's settings; config/buildTooling.ts produces them with its defaults applied. */
export interface AptRepoSettings {
    /** Days overwritten or deleted objects are kept. */
    readonly noncurrentVersionDays: number;
}

export interface AptRepoArgs extends AptRepoSettings {
    /** Bucket name; deterministic so the repository URL and ARN are known before it exists. */
    readonly bucketName: string;
    readonly region: string;
    /** Roles that publish (the Jenkins role). At least one. */
    readonly writerRoleArns: pulumi.Input<string>[];
    /** Roles that read with credentials (the Packer build role). @default - none */
    readonly readerRoleArns?: pulumi.Input<string>[];
    /** S3 gateway endpoints through which hosts read anonymously, as apt does. @default - none */
    readonly readVpceIds?: pulumi.Input<string>[];
    /** Secrets Manager name of the repository's signing key (the stack creates the secret, never its value). */
    readonly signingKeySecretName: string;
    /** The account's S3 access-log bucket, which receives this bucket's server access logs (S3.9). Required. */
    readonly accessLogBucket: pulumi.Input<string>;
}

/**
 * The private apt repository Aptly publishes to: an S3 bucket with every public access path blocked, versioned,
 * encrypted (SSE-S3: hosts read it anonymously through the VPC endpoint, which KMS would refuse), owner-enforced
 * object ownership, and a TLS-only policy that lets only the publishers write. The signing key lives in a
 * Secrets Manager secret whose value is put there by hand (see the README), never by this program.
 */
export class AptRepo extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    public readonly url: string;
    public readonly signingKeySecret: aws.secretsmanager.Secret;

    constructor(name: string, args: AptRepoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AptRepo", name, args, opts);
        if (args.writerRoleArns.length === 0) {
            throw new pulumi.ResourceError(`${name}: writerRoleArns is empty, so nothing could publish; pass the Jenkins role`, this);
        }
        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: args.bucketName, forceDestroy: false },
            { parent: this, protect: true },
        );
        const bucketChild = { parent: this.bucket };
        const block = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            bucketChild,
        );
        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            bucketChild,
        );
        new aws.s3.BucketLogging(
            `${name}-access-logging`,
            { bucket: this.bucket.id, targetBucket: args.accessLogBucket, targetPrefix: `${args.bucketName}/` },
            bucketChild,
        );
        new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
            bucketChild,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: this.bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false }],
            },
            bucketChild,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: this.bucket.id,
                rules: [
                    {
                        id: "expire-old-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            bucketChild,
        );
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: this.bucket.id,
                policy: pulumi
                    .all([
                        this.bucket.arn,
                        pulumi.all(args.writerRoleArns),
                        pulumi.all(args.readerRoleArns ?? []),
                        pulumi.all(args.readVpceIds ?? []),
                    ])
                    .apply(([bucketArn, writerRoleArns, readerRoleArns, readVpceIds]) =>
                        stableJson(aptBucketPolicy({ bucketArn, writerRoleArns, readerRoleArns, readVpceIds })),
                    ),
            },
            // The public-access block first: the policy is checked against it when it is put.
            { ...bucketChild, dependsOn: [block] },
        );

        this.signingKeySecret = new aws.secretsmanager.Secret(
            `${name}-signing-key`,
            {
                name: args.signingKeySecretName,
                description: "ASCII-armoured GnuPG private key that signs the apt repository. Value set by hand, never by Pulumi.",
                // Offered to pipelines as a secret file, which the publish step binds (images/jenkins/jobs/Jenkinsfile).
                tags: { ...JENKINS_FILE_CREDENTIAL_TAG },
                recoveryWindowInDays: 30,
            },
            { parent: this, protect: true },
        );

        this.url = aptRepoUrl(args.bucketName, args.region);
        this.registerOutputs({ bucket: this.bucket.bucket, url: this.url, signingKeySecretArn: this.signingKeySecret.arn });
    }
}
