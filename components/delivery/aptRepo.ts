import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { JENKINS_FILE_CREDENTIAL_TAG } from "./jenkinsHostConfig";
import { aptBucketPolicy, aptRepoUrl } from "./aptlyConfig";
import { LogBucket } from "../account/logBucket";

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
 * The private apt repository Aptly publishes to: a private bucket (LogBucket) with every public access path blocked,
 * versioned, encrypted (SSE-S3: hosts read it anonymously through the VPC endpoint, which KMS would refuse),
 * owner-enforced object ownership, and a TLS-only policy that lets only the publishers write. The signing key lives in a
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
        // A private bucket like the log buckets (it was built by hand here before): aliases keep every URN it had.
        const bucket = new LogBucket(
            `${name}-bucket`,
            {
                bucketName: args.bucketName,
                versioned: true,
                accessLogs: { bucket: args.accessLogBucket, prefix: `${args.bucketName}/` },
                lifecycleRule: {
                    id: "expire-old-versions",
                    status: "Enabled",
                    filter: {},
                    noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
                // TLS only; the publishers write but may not delete versions; readers read (aptlyConfig.ts).
                policy: bucketArn =>
                    pulumi
                        .all([pulumi.all(args.writerRoleArns), pulumi.all(args.readerRoleArns ?? []), pulumi.all(args.readVpceIds ?? [])])
                        .apply(([writerRoleArns, readerRoleArns, readVpceIds]) =>
                            aptBucketPolicy({ bucketArn, writerRoleArns, readerRoleArns, readVpceIds }),
                        ),
                formerParent: this,
                formerSettingNames: {
                    publicAccess: `${name}-public-access`,
                    ownership: `${name}-ownership`,
                    versioning: `${name}-versioning`,
                    accessLogging: `${name}-access-logging`,
                    encryption: `${name}-encryption`,
                    lifecycle: `${name}-lifecycle`,
                    policy: `${name}-policy`,
                },
                keep: { protect: true },
            },
            { parent: this },
        );
        this.bucket = bucket.bucket;

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
