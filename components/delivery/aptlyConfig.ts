/**
 * Pure helpers of the apt repository: its bucket policy, its public (in-VPC) URL and the Aptly configuration
 * Jenkins publishes with. No Pulumi here, so they are unit-tested directly.
 */
import { PolicyDocument, PolicyStatement, denyInsecureTransport, policyDocument } from "../account/iamPolicy";

/** Aptly's name for the S3 endpoint; the pipeline publishes to `s3:<name>:`. */
export const APTLY_ENDPOINT = "twine";

/** The distribution and component every package is published to. */
export const APT_DISTRIBUTION = "noble";
export const APT_COMPONENT = "main";

export interface AptBucketPolicyArgs {
    readonly bucketArn: string;
    /** Roles that publish (the Jenkins role): the only principals that may write. */
    readonly writerRoleArns: readonly string[];
    /** Roles that read with credentials (the Packer build role). */
    readonly readerRoleArns: readonly string[];
    /** Gateway endpoints through which hosts read anonymously, the way apt does. */
    readonly readVpceIds: readonly string[];
}

const WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"];
/**
 * Erasing history: on a versioned bucket DeleteObject only adds a delete marker, DeleteObjectVersion removes a
 * version for good. Nobody gets it here, and the publishers are denied it, so a compromised build cannot erase what
 * it once published (expiry is the bucket's lifecycle rules', which no bucket policy governs).
 */
const HISTORY_ACTIONS = ["s3:DeleteObjectVersion"];

/**
 * TLS only; writes only by the publishers (a deny, so no other IAM policy in the account can grant them);
 * reads by the reader roles, and by anyone inside the VPC through its S3 gateway endpoint — apt cannot sign S3
 * requests, and a policy conditioned on aws:SourceVpce is not "public" for S3's Block Public Access.
 */
export function aptBucketPolicy(args: AptBucketPolicyArgs): PolicyDocument {
    if (args.writerRoleArns.length === 0) {
        throw new Error("aptBucketPolicy: at least one writer role is needed, or nothing could ever publish");
    }
    const objects = `${args.bucketArn}/*`;
    const statements: PolicyStatement[] = [
        denyInsecureTransport(args.bucketArn),
        {
            Sid: "DenyWritesExceptPublishers",
            Effect: "Deny",
            Principal: "*",
            Action: WRITE_ACTIONS,
            Resource: objects,
            Condition: { ArnNotEquals: { "aws:PrincipalArn": [...args.writerRoleArns] } },
        },
        {
            Sid: "DenyPublishersErasingHistory",
            Effect: "Deny",
            Principal: { AWS: [...args.writerRoleArns] },
            Action: HISTORY_ACTIONS,
            Resource: objects,
        },
        {
            Sid: "PublishersWrite",
            Effect: "Allow",
            Principal: { AWS: [...args.writerRoleArns] },
            Action: [...WRITE_ACTIONS, "s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
            Resource: [args.bucketArn, objects],
        },
    ];
    if (args.readerRoleArns.length > 0) {
        statements.push({
            Sid: "BuildRolesRead",
            Effect: "Allow",
            Principal: { AWS: [...args.readerRoleArns] },
            Action: ["s3:GetObject", "s3:ListBucket"],
            Resource: [args.bucketArn, objects],
        });
    }
    if (args.readVpceIds.length > 0) {
        statements.push({
            Sid: "VpcHostsRead",
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: objects,
            Condition: { StringEquals: { "aws:SourceVpce": [...args.readVpceIds] } },
        });
    }
    return policyDocument(...statements);
}

/** The repository's base URL as apt sees it (virtual-hosted S3 over HTTPS, reachable through the endpoint). */
export function aptRepoUrl(bucket: string, region: string): string {
    return `https://${bucket}.s3.${region}.amazonaws.com`;
}

/** The sources.list line hosts and Packer builds use, with the key that signs the repository. */
export function aptSourcesLine(bucket: string, region: string, keyringPath = "/usr/share/keyrings/twine-archive.gpg"): string {
    return `deb [signed-by=${keyringPath}] ${aptRepoUrl(bucket, region)} ${APT_DISTRIBUTION} ${APT_COMPONENT}`;
}

export interface AptlyConfigArgs {
    readonly bucket: string;
    readonly region: string;
    /** Aptly's database and pool on the Jenkins host. Defaults to /var/jenkins_home/aptly. */
    readonly rootDir?: string;
}

/**
 * aptly.conf for the Jenkins host, made from the stack outputs. Objects carry no ACL ("none"): the bucket
 * enforces owner-only ACLs and refuses any other. Encryption is the bucket's default (SSE-S3).
 */
export function aptlyConfig(args: AptlyConfigArgs): Record<string, unknown> {
    return {
        rootDir: args.rootDir ?? "/var/jenkins_home/aptly",
        architectures: ["amd64"],
        dependencyFollowSuggests: false,
        dependencyFollowRecommends: false,
        downloadSourcePackages: false,
        gpgDisableSign: false,
        gpgDisableVerify: false,
        gpgProvider: "gpg",
        skipContentsPublishing: false,
        S3PublishEndpoints: {
            [APTLY_ENDPOINT]: {
                region: args.region,
                bucket: args.bucket,
                prefix: "",
                acl: "none",
                storageClass: "STANDARD",
            },
        },
    };
}

/**
 * aptly.conf from the dev stack's outputs (`pulumi stack output --json --stack dev`), for running the
 * publishing script anywhere other than the Jenkins host (whose user data carries the same file).
 */
export function aptlyConfigFromOutputs(
    outputs: { readonly aptBucketName?: unknown; readonly region?: unknown },
    rootDir?: string,
): Record<string, unknown> {
    if (typeof outputs.aptBucketName !== "string" || typeof outputs.region !== "string") {
        throw new Error(
            "aptlyConfigFromOutputs: the outputs lack aptBucketName or region; read them from the dev stack, which owns the apt repository",
        );
    }
    return aptlyConfig({ bucket: outputs.aptBucketName, region: outputs.region, rootDir });
}
