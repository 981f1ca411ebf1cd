/**
 * Every resource of an environment carries its TwineEnvironment tag, so cost per environment can be read from
 * Cost Explorer. Provider default tags cannot carry it (one provider serves every environment of the account), so
 * a transformation on each environment's resources and components adds it to the resources that take tags.
 */
import * as pulumi from "@pulumi/pulumi";

export const ENVIRONMENT_TAG = "TwineEnvironment";

/** Resource types an environment creates whose arguments take a `tags` map (test/tierPlans.test.ts checks the list). */
export const TAGGABLE_ENVIRONMENT_TYPES: ReadonlySet<string> = new Set([
    "aws:acm/certificate:Certificate",
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
    "aws:backup/plan:Plan",
    "aws:backup/vault:Vault",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:iam/policy:Policy",
    "aws:iam/role:Role",
    "aws:kms/key:Key",
    "aws:lb/listener:Listener",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:opensearch/domain:Domain",
    "aws:rds/instance:Instance",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/proxy:Proxy",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:s3/bucket:Bucket",
    "aws:secretsmanager/secret:Secret",
    "aws:sns/topic:Topic",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:wafv2/webAcl:WebAcl",
]);

/** Adds the environment's tag to its taggable resources (the Auto Scaling group's list-form tags are set by its component). */
export function environmentTagging(environment: string): pulumi.ResourceTransformation {
    return ({ type, props, opts }) => {
        if (!TAGGABLE_ENVIRONMENT_TYPES.has(type) || Array.isArray(props.tags)) return undefined;
        return { props: { ...props, tags: { ...(props.tags ?? {}), [ENVIRONMENT_TAG]: environment } }, opts };
    };
}
