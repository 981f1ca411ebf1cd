/**
 * Who may use an alarm topic and its key, as policy documents. The topic is encrypted with a customer managed key
 * because the AWS managed key for SNS (aws/sns) has a policy nobody can change, which does not let CloudWatch or
 * EventBridge use it: their alarms and events would be dropped without an error anyone sees.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html ("Enable compatibility between event sources
 * from AWS services and encrypted topics"), https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions.html
 */
import { PolicyDocument, policyDocument } from "../account/iamPolicy";

/** The services that publish to an alarm topic: CloudWatch (alarms) and EventBridge (GuardDuty, CloudTrail rules). */
export const TOPIC_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] as const;

/** The topic key's policy: the account administers it through IAM; the publishers may make and open data keys. */
export function topicKeyPolicy(accountId: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "AccountAdministersThroughIam",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
        {
            Sid: "AlarmAndEventPublishers",
            Effect: "Allow",
            Principal: { Service: [...TOPIC_PUBLISHERS] },
            // The two calls SNS makes on the publisher's behalf for an encrypted topic.
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
        },
    );
}

/** The topic's policy: CloudWatch and EventBridge may publish, for this account's alarms and rules only. */
export function topicPolicy(topicArn: string, accountId: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "AlarmAndEventPublishers",
            Effect: "Allow",
            Principal: { Service: [...TOPIC_PUBLISHERS] },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
            Sid: "TlsOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    );
}
