/**
 * Inline policies for the roles boxes run as, in place of AWS managed policies that reach far beyond the box:
 * CloudWatchAgentServerPolicy grants log writes and logs:PutRetentionPolicy on every log group of the account (the VPC
 * flow logs included), and AmazonSSMManagedInstanceCore grants Session Manager (a second way in, beside the bastion)
 * and ssm:GetParameter* on every parameter. Pure; checked against AWS's IAM data and decided by the policy simulator
 * in test/accessIam.test.ts.
 */
import { PolicyDocument, policyDocument } from "../account/iamPolicy";

export interface CloudWatchAgentPolicyArgs {
    /** ARNs of the log groups the agent ships to; the program creates them, with their retention. */
    readonly logGroupArns: readonly string[];
    /** The only CloudWatch metrics namespace the agent publishes in (its config's `metrics.namespace`). */
    readonly metricNamespace: string;
}

/**
 * What the CloudWatch agent does, and nothing more: streams and events in its own log groups (never their
 * retention, never another group), metrics in its own namespace, and the two EC2 reads it uses for dimensions.
 * No logs:CreateLogGroup: the groups exist before any box boots, so the agent never creates one (with no retention).
 * The AWS managed policy this replaces, for comparison: CloudWatchAgentServerPolicy in the IAM console.
 */
export function cloudWatchAgentPolicy(args: CloudWatchAgentPolicyArgs): PolicyDocument {
    if (args.logGroupArns.length === 0) throw new Error("cloudWatchAgentPolicy: at least one log group");
    const groups = [...args.logGroupArns].sort();
    return policyDocument(
        { Sid: "ListOwnLogStreams", Effect: "Allow", Action: "logs:DescribeLogStreams", Resource: groups },
        // IAM authorizes both on the stream (log-group:<name>:log-stream:<stream>), not on the group.
        {
            Sid: "WriteOwnLogStreams",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: groups.map(g => `${g}:log-stream:*`),
        },
        {
            Sid: "OwnMetricNamespace",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": args.metricNamespace } },
        },
        // Both authorize only "*" and only read: the instance's tags (the AutoScalingGroupName dimension) and volumes.
        { Sid: "DimensionReads", Effect: "Allow", Action: ["ec2:DescribeTags", "ec2:DescribeVolumes"], Resource: "*" },
    );
}
