/**
 * Typical creation times per resource type, used to weight the deploy critical path. @pulumi/aws is a bridge of
 * the Terraform AWS provider, so the provider's waiters (and their default timeouts) are the ones `pulumi up`
 * runs. Figures are typical, not worst cases; each says where it comes from, and "estimate" where no public
 * figure exists (calls that return once the API accepts them, usually within seconds).
 */
import { isLogical } from "../plan/replay";

export interface CreationTime {
    /** Typical seconds from the create call to the resource being usable by its dependents. */
    readonly seconds: number | ((inputs: Readonly<Record<string, unknown>>) => number);
    /** Public source of the figure, or "estimate: <why>". */
    readonly source: string;
}

export interface ResolvedCreationTime {
    readonly seconds: number;
    readonly source: string;
    /** False when the type is not in the table and got the default. */
    readonly known: boolean;
}

const QUICK = "estimate: a synchronous API call, seconds";

/** Types not in the table: a guess, flagged in the benchmark's output so the table gets an entry. */
export const DEFAULT_CREATION_TIME: CreationTime = {
    seconds: 10,
    source: "estimate: default for a type missing from bench/creationTimes.ts",
};

/** Resources with no cloud call of their own: the stack, components, providers. */
const LOGICAL: CreationTime = { seconds: 0, source: "no cloud call (logical resource)" };

const route53Sync: CreationTime = {
    seconds: 45,
    source:
        "Route 53 Developer Guide: changes generally propagate to all Route 53 name servers within 60 seconds (the provider " +
        "waits for INSYNC)",
};

export const CREATION_TIMES: Readonly<Record<string, CreationTime>> = {
    "pulumi:pulumi:StackReference": { seconds: 1, source: "estimate: one read of the upstream stack's state from the backend" },

    "aws:ec2/vpc:Vpc": { seconds: 5, source: QUICK },
    "aws:ec2/subnet:Subnet": { seconds: 5, source: QUICK },
    "aws:ec2/internetGateway:InternetGateway": { seconds: 5, source: QUICK },
    "aws:ec2/eip:Eip": { seconds: 2, source: QUICK },
    "aws:ec2/natGateway:NatGateway": {
        seconds: 150,
        source: "kubernetes/kops#944 and #995 (pending -> available takes up to 5-10 min); Terraform aws_nat_gateway create timeout 10m",
    },
    "aws:ec2/routeTable:RouteTable": { seconds: 3, source: QUICK },
    "aws:ec2/route:Route": { seconds: 3, source: QUICK },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { seconds: 2, source: QUICK },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { seconds: 3, source: QUICK },
    "aws:ec2/securityGroup:SecurityGroup": { seconds: 5, source: QUICK },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { seconds: 2, source: QUICK },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { seconds: 2, source: QUICK },
    "aws:ec2/vpcEndpoint:VpcEndpoint": { seconds: 10, source: "estimate: gateway endpoints become available within seconds" },
    "aws:ec2/flowLog:FlowLog": { seconds: 5, source: QUICK },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": { seconds: 10, source: "estimate: the requester waits for pending-acceptance" },
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": { seconds: 10, source: "estimate: the accepter waits for active" },
    "aws:ec2/launchTemplate:LaunchTemplate": { seconds: 2, source: QUICK },
    "aws:ec2/instance:Instance": { seconds: 60, source: "estimate: the provider waits for the instance to be running" },
    "aws:ec2/eipAssociation:EipAssociation": { seconds: 3, source: QUICK },
    "aws:ebs/volume:Volume": { seconds: 10, source: "estimate: the provider waits for the volume to be available" },
    "aws:ec2/volumeAttachment:VolumeAttachment": { seconds: 10, source: "estimate: the provider waits for the attachment" },

    "aws:cloudwatch/logGroup:LogGroup": { seconds: 2, source: QUICK },
    "aws:iam/role:Role": { seconds: 5, source: "estimate: IAM is eventually consistent; the provider retries until the role is visible" },
    "aws:iam/rolePolicy:RolePolicy": { seconds: 2, source: QUICK },
    "aws:iam/policy:Policy": { seconds: 2, source: QUICK },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { seconds: 2, source: QUICK },
    "aws:iam/instanceProfile:InstanceProfile": {
        seconds: 10,
        source: "estimate: the provider waits for the profile to propagate before use",
    },
    "aws:kms/key:Key": { seconds: 5, source: QUICK },
    "aws:kms/alias:Alias": { seconds: 2, source: QUICK },
    "aws:s3/bucket:Bucket": { seconds: 5, source: QUICK },
    "aws:secretsmanager/secret:Secret": { seconds: 3, source: QUICK },
    "aws:ecr/repository:Repository": { seconds: 3, source: QUICK },

    "aws:route53/zone:Zone": route53Sync,
    "aws:route53/record:Record": route53Sync,
    "aws:acm/certificate:Certificate": {
        seconds: 10,
        source: "estimate: the request returns at once; validation is the separate resource below",
    },
    "aws:acm/certificateValidation:CertificateValidation": {
        seconds: 300,
        source:
            "aws/aws-cdk#2914 (a 5-minute wait was too short); hashicorp/terraform-provider-aws#9338; provider create " +
            "timeout 75m (acm/certificate_validation.go)",
    },
    "aws:lb/loadBalancer:LoadBalancer": {
        seconds: 180,
        source:
            "hashicorp/terraform#24799 (usually under 5 min, sometimes 30); hashicorp/terraform-provider-aws#8054 " +
            "(provisioning -> active, 10m timeout)",
    },
    "aws:lb/targetGroup:TargetGroup": { seconds: 3, source: QUICK },
    "aws:lb/listener:Listener": { seconds: 3, source: QUICK },
    "aws:autoscaling/group:Group": {
        seconds: 300,
        source: "estimate: waits for capacity (boot + ELB health checks); Terraform wait_for_capacity_timeout 10m",
    },
    "aws:rds/subnetGroup:SubnetGroup": { seconds: 3, source: QUICK },
    "aws:rds/parameterGroup:ParameterGroup": { seconds: 3, source: QUICK },
    "aws:rds/instance:Instance": {
        seconds: inputs => (inputs.multiAz === true ? 1200 : 600),
        source:
            "a published AWS recipe book (Multi-AZ RDS recipe): roughly 20 minutes or more (provision, back up, build the " +
            "standby); single-AZ estimate 10 min; Terraform aws_db_instance create timeout 40m",
    },
    "aws:opensearch/domain:Domain": {
        seconds: 1800,
        source:
            "hashicorp/terraform-provider-aws#33897 (default 60m create timeout often exceeded), #45244 (10-minute wait " +
            "before the first poll), hashicorp/terraform-provider-aws#33 (40 min+ not unusual)",
    },
    "aws:cloudfront/distribution:Distribution": {
        seconds: 600,
        source: "estimate: the provider waits for Deployed (wait_for_deployment), typically 5-15 minutes",
    },

    "docker:index/image:Image": { seconds: 300, source: "estimate: docker build and push of the Jenkins image" },
    "command:local:Command": {
        // A fixed wait (`sleep N`, e.g. for a service-linked role to propagate) takes its N; a Packer build 15 min;
        // anything else (the bake's readiness gate) is a shell test.
        seconds: inputs => {
            const create = String(inputs.create ?? "");
            return Number(/^sleep (\d+)$/.exec(create)?.[1] ?? (create.includes("packer build") ? 900 : 1));
        },
        source: "estimate: a packer build of the app AMI (boot, provision, snapshot); a `sleep N` wait takes N; a shell test 1 s",
    },

    // Added as the app, data and build tiers landed: configuration calls that return once accepted.
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { seconds: 2, source: QUICK },
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
        seconds: 10,
        source: "estimate: the provider retries until IAM has propagated the new role",
    },
    "pulumiservice:index:DeploymentSettings": { seconds: 2, source: "estimate: one Pulumi Cloud API call" },
    "pulumiservice:index:DriftSchedule": { seconds: 2, source: "estimate: one Pulumi Cloud API call" },
    "pulumiservice:index:Team": { seconds: 2, source: "estimate: one Pulumi Cloud API call" },
    "pulumiservice:index:TeamStackPermission": { seconds: 2, source: "estimate: one Pulumi Cloud API call" },
    "pulumiservice:index:TeamEnvironmentPermission": { seconds: 2, source: "estimate: one Pulumi Cloud API call" },
    "pulumiservice:index:TeamAccessToken": { seconds: 2, source: "estimate: one Pulumi Cloud API call" },
    "pulumiservice:index:OidcIssuer": { seconds: 3, source: "estimate: Pulumi Cloud fetches the issuer's OpenID configuration" },
    "aws:secretsmanager/secretVersion:SecretVersion": { seconds: 1, source: "estimate: one PutSecretValue call" },
    "pulumiservice:index:Environment": { seconds: 2, source: "estimate: one Pulumi Cloud API call" },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { seconds: 2, source: QUICK },
    // Operations: topics, dashboards, event rules and the backup copy, all configuration calls.
    "aws:cloudwatch/dashboard:Dashboard": { seconds: 2, source: QUICK },
    "aws:cloudwatch/eventRule:EventRule": { seconds: 2, source: QUICK },
    "aws:cloudwatch/eventTarget:EventTarget": { seconds: 2, source: QUICK },
    "aws:sns/topic:Topic": { seconds: 2, source: QUICK },
    "aws:sns/topicPolicy:TopicPolicy": { seconds: 2, source: QUICK },
    "aws:sns/topicSubscription:TopicSubscription": { seconds: 2, source: QUICK },
    "aws:backup/vault:Vault": { seconds: 2, source: QUICK },
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault": {
        seconds: 60,
        source: "estimate: the provider waits for the vault to leave CREATING",
    },
    "aws:backup/plan:Plan": { seconds: 2, source: QUICK },
    "aws:backup/selection:Selection": { seconds: 5, source: "estimate: the provider retries while the new role propagates" },
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": { seconds: 2, source: QUICK },
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": { seconds: 2, source: QUICK },
    "aws:ec2/amiLaunchPermission:AmiLaunchPermission": { seconds: 2, source: QUICK },
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": { seconds: 2, source: QUICK },
    "aws:kms/grant:Grant": { seconds: 2, source: QUICK },
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
        seconds: 5,
        source: "estimate: the provider waits until the configuration reads back",
    },
    "aws:s3/bucketLogging:BucketLogging": { seconds: 2, source: QUICK },
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": { seconds: 2, source: QUICK },
    "aws:s3/bucketPolicy:BucketPolicy": { seconds: 2, source: QUICK },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { seconds: 2, source: QUICK },
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": { seconds: 2, source: QUICK },
    "aws:s3/bucketVersioning:BucketVersioning": { seconds: 2, source: QUICK },
    // The account baseline.
    "aws:accessanalyzer/analyzer:Analyzer": { seconds: 5, source: QUICK },
    "aws:accessanalyzer/archiveRule:ArchiveRule": { seconds: 5, source: QUICK },
    "aws:cloudtrail/trail:Trail": { seconds: 10, source: "estimate: the trail is created, then logging is started (two calls)" },
    "aws:ebs/encryptionByDefault:EncryptionByDefault": { seconds: 2, source: QUICK },
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": {
        seconds: 5,
        source: "estimate: the provider waits until the setting reads back",
    },
    // The app tier's configuration calls.
    "aws:autoscaling/policy:Policy": { seconds: 2, source: QUICK },
    "aws:autoscaling/schedule:Schedule": { seconds: 2, source: QUICK },
    "aws:wafv2/webAcl:WebAcl": {
        seconds: 5,
        source: "estimate: the web ACL is usable once created; WAF propagates rules within about a minute, which does not block dependents",
    },
    "aws:wafv2/webAclAssociation:WebAclAssociation": {
        seconds: 30,
        source: "estimate: the provider retries the association while the new ACL and load balancer become visible to WAF",
    },
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {
        seconds: 5,
        source: "estimate: one PutLoggingConfiguration call; WAF adds the log group's resource policy as it goes",
    },
    "aws:cloudwatch/queryDefinition:QueryDefinition": { seconds: 2, source: QUICK },
    "aws:guardduty/detector:Detector": { seconds: 5, source: QUICK },
};

/** The creation time of a planned resource: from the table, 0 for logical resources, else the flagged default. */
export function creationTimeOf(type: string, inputs: Readonly<Record<string, unknown>> = {}): ResolvedCreationTime {
    const entry = CREATION_TIMES[type] ?? (isLogical(type) ? LOGICAL : undefined);
    const chosen = entry ?? DEFAULT_CREATION_TIME;
    const seconds = typeof chosen.seconds === "function" ? chosen.seconds(inputs) : chosen.seconds;
    return { seconds, source: chosen.source, known: entry !== undefined };
}
