/**
 * Who writes ALB access logs into our bucket, and the bucket policy that lets exactly them do it.
 *
 * In regions that existed before August 2022 the writer is a regional Elastic Load Balancing account; in later
 * regions it is the log-delivery service principal. The table holds the regional accounts AWS publishes in
 * "Enable access logs for your Application Load Balancer"; a region missing here uses the service principal.
 */
import { PolicyDocument, denyInsecureTransport, policyDocument } from "../account/iamPolicy";

export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
};

export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

export interface AccessLogBucketPolicyArgs {
    readonly bucketArn: string;
    /** Key prefix the load balancer writes under (no leading or trailing slash). */
    readonly prefix: string;
    readonly region: string;
    /** The account that owns the load balancer; only its logs are accepted. */
    readonly accountId: string;
}

/**
 * Bucket policy for ALB access logs: the regional ELB writer may put objects under
 * `<prefix>/AWSLogs/<account>/` and nothing else; any request without TLS is denied.
 */
export function accessLogBucketPolicy(args: AccessLogBucketPolicyArgs): PolicyDocument {
    const elbAccount = ELB_LOG_ACCOUNTS[args.region];
    const principal: Record<string, string> = elbAccount
        ? { AWS: `arn:aws:iam::${elbAccount}:root` }
        : { Service: ELB_LOG_DELIVERY_SERVICE };
    return policyDocument(
        {
            Sid: "AllowLoadBalancerLogDelivery",
            Effect: "Allow",
            Principal: principal,
            Action: "s3:PutObject",
            Resource: `${args.bucketArn}/${args.prefix}/AWSLogs/${args.accountId}/*`,
        },
        denyInsecureTransport(args.bucketArn),
    );
}
