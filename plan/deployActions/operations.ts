/**
 * From the AWS provider's debug log to IAM actions: each request the provider sends is logged by aws-sdk-go-base
 * as one "HTTP Request Sent" line carrying the SDK's service (rpc.service), the API operation (rpc.method), the
 * Terraform resource type that made it (tf_resource_type) and the provider RPC it ran under (tf_rpc). The IAM action
 * is the operation's name under the service's IAM prefix, except where the Service Authorization Reference names the
 * permission differently (S3 and S3 Control above all).
 */

/** The SDK service id (as aws-sdk-go-v2 logs it) to the IAM service prefix. */
export const IAM_PREFIX_OF_SDK_SERVICE: Readonly<Record<string, string>> = {
    AccessAnalyzer: "access-analyzer",
    ACM: "acm",
    "Auto Scaling": "autoscaling",
    Backup: "backup",
    CloudTrail: "cloudtrail",
    CloudWatch: "cloudwatch",
    "CloudWatch Logs": "logs",
    DLM: "dlm",
    EC2: "ec2",
    ECR: "ecr",
    "Elastic Load Balancing v2": "elasticloadbalancing",
    EventBridge: "events",
    GuardDuty: "guardduty",
    IAM: "iam",
    KMS: "kms",
    OpenSearch: "es",
    RDS: "rds",
    "Route 53": "route53",
    S3: "s3",
    "S3 Control": "s3",
    "Secrets Manager": "secretsmanager",
    SNS: "sns",
    SSM: "ssm",
    STS: "sts",
    WAFV2: "wafv2",
};

/**
 * S3 operations whose permission has another name (Service Authorization Reference, Amazon S3, "Actions defined by
 * Amazon S3"; and the S3 User Guide's "Required permissions for Amazon S3 API operations"). Deleting a bucket's
 * configuration is its Put permission.
 */
export const S3_ACTION_OF_OPERATION: Readonly<Record<string, string>> = {
    HeadBucket: "ListBucket",
    ListObjectsV2: "ListBucket",
    ListObjects: "ListBucket",
    ListObjectVersions: "ListBucketVersions",
    DeleteObjects: "DeleteObject",
    HeadObject: "GetObject",
    GetBucketCors: "GetBucketCORS",
    PutBucketCors: "PutBucketCORS",
    DeleteBucketCors: "PutBucketCORS",
    GetBucketAccelerateConfiguration: "GetAccelerateConfiguration",
    PutBucketAccelerateConfiguration: "PutAccelerateConfiguration",
    GetBucketLifecycleConfiguration: "GetLifecycleConfiguration",
    PutBucketLifecycleConfiguration: "PutLifecycleConfiguration",
    DeleteBucketLifecycle: "PutLifecycleConfiguration",
    GetBucketReplication: "GetReplicationConfiguration",
    PutBucketReplication: "PutReplicationConfiguration",
    DeleteBucketReplication: "PutReplicationConfiguration",
    GetBucketEncryption: "GetEncryptionConfiguration",
    PutBucketEncryption: "PutEncryptionConfiguration",
    DeleteBucketEncryption: "PutEncryptionConfiguration",
    GetObjectLockConfiguration: "GetBucketObjectLockConfiguration",
    PutObjectLockConfiguration: "PutBucketObjectLockConfiguration",
    DeleteBucketTagging: "PutBucketTagging",
    DeleteBucketOwnershipControls: "PutBucketOwnershipControls",
    GetPublicAccessBlock: "GetBucketPublicAccessBlock",
    PutPublicAccessBlock: "PutBucketPublicAccessBlock",
    DeletePublicAccessBlock: "PutBucketPublicAccessBlock",
    DeleteBucketWebsite: "DeleteBucketWebsite",
    GetBucketNotificationConfiguration: "GetBucketNotification",
    PutBucketNotificationConfiguration: "PutBucketNotification",
    GetBucketIntelligentTieringConfiguration: "GetIntelligentTieringConfiguration",
    GetBucketAnalyticsConfiguration: "GetAnalyticsConfiguration",
    GetBucketInventoryConfiguration: "GetInventoryConfiguration",
    GetBucketMetricsConfiguration: "GetMetricsConfiguration",
};

/** S3 Control's account-level public access block (Service Authorization Reference: s3:*AccountPublicAccessBlock). */
export const S3_CONTROL_ACTION_OF_OPERATION: Readonly<Record<string, string>> = {
    GetPublicAccessBlock: "GetAccountPublicAccessBlock",
    PutPublicAccessBlock: "PutAccountPublicAccessBlock",
    DeletePublicAccessBlock: "PutAccountPublicAccessBlock",
};

/** The IAM action of one logged API call, or undefined for a service this project does not map (named by the caller). */
export function iamActionOf(sdkService: string, operation: string): string | undefined {
    const prefix = IAM_PREFIX_OF_SDK_SERVICE[sdkService];
    if (!prefix) return undefined;
    if (sdkService === "S3") return `s3:${S3_ACTION_OF_OPERATION[operation] ?? operation}`;
    if (sdkService === "S3 Control") return `s3:${S3_CONTROL_ACTION_OF_OPERATION[operation] ?? operation}`;
    return `${prefix}:${operation}`;
}

export type Phase = "create" | "read" | "update" | "delete";
export const PHASES: readonly Phase[] = ["create", "read", "update", "delete"];

export interface LoggedCall {
    readonly resourceType: string;
    readonly rpc: string;
    readonly service: string;
    readonly operation: string;
}

export interface FailedCall extends LoggedCall {
    readonly status: number;
}

/** `key=value` or `key="quoted value"` out of one tf-log line. */
function field(line: string, key: string): string | undefined {
    const m = new RegExp(`(?:^|\\s)${key.replace(/\./g, "\\.")}=(?:"((?:[^"\\\\]|\\\\.)*)"|(\\S+))`).exec(line);
    return m ? (m[1] ?? m[2]) : undefined;
}

/** Every AWS request a provider debug log records, in order, and the requests the emulator failed (5xx). */
export function callsOfLog(log: string): { calls: LoggedCall[]; failed: FailedCall[] } {
    const calls: LoggedCall[] = [];
    const failed: FailedCall[] = [];
    // An entry whose request or response body spans lines goes on until the next timestamped line.
    const entries = log.split(/\n(?=\d{4}-\d\d-\d\dT)/);
    for (const line of entries) {
        const sent = line.includes("HTTP Request Sent");
        const received = line.includes("HTTP Response Received");
        if (!sent && !received) continue;
        const call = {
            resourceType: field(line, "tf_resource_type") ?? field(line, "tf_data_source_type") ?? "",
            rpc: field(line, "tf_rpc") ?? "",
            service: field(line, "rpc.service") ?? "",
            operation: field(line, "rpc.method") ?? "",
        };
        if (!call.service || !call.operation) continue;
        if (sent) calls.push(call);
        const status = Number(field(line, "http.status_code") ?? "0");
        // 4xx is the provider's own probing (a read-back before the resource shows, a not-found on delete); 5xx is
        // moto's answer to what it does not implement.
        if (received && status >= 500) failed.push({ ...call, status });
    }
    return { calls, failed };
}

/**
 * The calls of one resource type in one run of the learning cycle: a run's provider RPCs say which phase a call
 * belongs to (ApplyResourceChange creates, updates or deletes, as the run does; ReadResource refreshes).
 */
export function phaseOf(run: "create" | "update" | "destroy", rpc: string): Phase | undefined {
    if (rpc === "ReadResource" || rpc === "ImportResourceState") return "read";
    if (rpc !== "ApplyResourceChange") return undefined;
    return run === "create" ? "create" : run === "update" ? "update" : "delete";
}
