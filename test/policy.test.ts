import { strict as assert } from "assert";
import { policies } from "../policy/pack";
import { evaluatePlan, packConfig, projectPackSettings } from "../plan/policy";
import { PackSettings, PolicyInput, RULES, Rule, evaluate } from "../policy/rules";
import * as fs from "fs";
import * as path from "path";
import { renderJson } from "../plan/render";
import { withRuleTable } from "../scripts/policyTable";
import { FIXTURES, REPO, fixtureConfig } from "./helpers/config";
import { STACKS, planOf, runCli } from "./helpers/plans";

// ---------------------------------------------------------------------------------------------------------------
// Synthetic resources, shaped like @pulumi/aws 7.48 inputs (camelCase), as the plan and the engine give them.

const SETTINGS: PackSettings = { accounts: ["111111111111", "333333333333"], bastionCidrs: ["10.10.0.0/24"] };

interface Opts {
    readonly stack?: string;
    readonly protect?: boolean;
    readonly ignoreChanges?: string[];
    readonly provider?: PolicyInput["provider"] | null;
    readonly name?: string;
}

function providerFor(stack: string): PolicyInput["provider"] {
    return {
        type: "pulumi:providers:aws",
        urn: `urn:pulumi:${stack}::twine-infra::pulumi:providers:aws::${stack}`,
        name: stack,
        props: { allowedAccountIds: ["111111111111"], defaultTags: { tags: { Environment: stack } } },
    };
}

let counter = 0;
function res(type: string, props: Record<string, any>, opts: Opts = {}): PolicyInput {
    const stack = opts.stack ?? "dev";
    const name = opts.name ?? `r${counter++}`;
    return {
        type,
        urn: `urn:pulumi:${stack}::twine-infra::${type}::${name}`,
        name,
        props,
        options: { protect: opts.protect ?? false, ignoreChanges: opts.ignoreChanges ?? [] },
        provider: opts.provider === null ? undefined : (opts.provider ?? providerFor(stack)),
    };
}

const prod: Opts = { stack: "prod" };
/** A database's key, as the plan sees it: its URN names the Database component it belongs to. */
const dataKey = (stack: string, retainOnDelete: boolean): PolicyInput => {
    const key = res("aws:kms/key:Key", {}, { stack, protect: stack === "prod" });
    return {
        ...key,
        urn: `urn:pulumi:${stack}::twine-infra::twine:index:Database$aws:kms/key:Key::production-database-key`,
        options: { protect: stack === "prod", ignoreChanges: [], retainOnDelete },
    };
};
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Resource: string | string[] = "arn:aws:s3:::twine-apt/*") =>
    doc({ Effect: "Allow", Action, Resource });
const trust = (Principal: object | string, Condition?: object, Action = "sts:AssumeRole") => ({
    assumeRolePolicy: doc({ Effect: "Allow", Principal, Action, Condition }),
});

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    instance: "aws:ec2/instance:Instance",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    asg: "aws:autoscaling/group:Group",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    rds: "aws:rds/instance:Instance",
    cluster: "aws:rds/cluster:Cluster",
    proxy: "aws:rds/proxy:Proxy",
    search: "aws:opensearch/domain:Domain",
    bucket: "aws:s3/bucket:Bucket",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    repo: "aws:ecr/repository:Repository",
    trail: "aws:cloudtrail/trail:Trail",
    key: "aws:kms/key:Key",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    zone: "aws:route53/zone:Zone",
    volume: "aws:ebs/volume:Volume",
};

const sshFrom = (cidr: string, description = "SSH from the bastion VPC") =>
    res(T.ingress, { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: cidr, description });
const goodLt = {
    metadataOptions: { httpTokens: "required" },
    blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { encrypted: "true" } }],
    networkInterfaces: [{ associatePublicIpAddress: "false" }],
};
const goodAsg = {
    healthCheckType: "ELB",
    targetGroupArns: ["arn:tg"],
    vpcZoneIdentifiers: ["subnet-a", "subnet-b"],
    launchTemplate: { id: "lt-1", version: "3" },
};
const goodLb = {
    loadBalancerType: "application",
    dropInvalidHeaderFields: true,
    desyncMitigationMode: "defensive",
    enableDeletionProtection: true,
    accessLogs: { enabled: true, bucket: "logs" },
    subnets: ["a", "b"],
};
const goodProxy = {
    name: "twine-production",
    engineFamily: "POSTGRESQL",
    requireTls: true,
    auths: [{ authScheme: "SECRETS", iamAuth: "REQUIRED", secretArn: "arn:aws:secretsmanager:eu-west-1:4:secret:s" }],
};
const goodRds = {
    engine: "postgres",
    port: 6432,
    publiclyAccessible: false,
    storageEncrypted: true,
    multiAz: true,
    deletionProtection: true,
    backupRetentionPeriod: 14,
    manageMasterUserPassword: true,
    enabledCloudwatchLogsExports: ["postgresql"],
    skipFinalSnapshot: false,
};
const goodSearch = {
    encryptAtRest: { enabled: true },
    nodeToNodeEncryption: { enabled: true },
    vpcOptions: { subnetIds: ["a", "b", "c"] },
    domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-2019-07" },
    advancedSecurityOptions: { enabled: true },
    logPublishingOptions: [{ logType: "AUDIT_LOGS", cloudwatchLogGroupArn: "arn:lg" }],
    clusterConfig: { instanceCount: 3, zoneAwarenessEnabled: true },
};
const bucketNamed = (bucket: string) => res(T.bucket, { bucket });
const withBucket = (type: string, bucket: string, props: Record<string, any>) => res(type, { bucket, ...props });
const allFour = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const tlsOnly = doc({
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});
const goodTrail = {
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogging: true,
    enableLogFileValidation: true,
    kmsKeyId: "arn:key",
    cloudWatchLogsGroupArn: "arn:lg",
};
const oidc = (Condition: object) =>
    trust({ Federated: "arn:aws:iam::111111111111:oidc-provider/api.pulumi.com/oidc" }, Condition, "sts:AssumeRoleWithWebIdentity");

/** For every rule: resources that pass it, and resources that violate it. */
const CASES: Record<string, { pass: PolicyInput[]; fail: PolicyInput[] }> = {
    "ec2-2-default-security-group-no-rules": {
        pass: [res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { vpcId: "vpc-1", ingress: [], egress: [] })],
        fail: [
            res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", {
                vpcId: "vpc-1",
                ingress: [],
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
            }),
        ],
    },
    "ec2-2-default-security-group-adopted": {
        pass: [res(T.vpc, {}), res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { ingress: [], egress: [] })],
        fail: [res(T.vpc, {})],
    },
    "ec2-6-vpc-flow-logs": {
        pass: [res(T.vpc, {}), res("aws:ec2/flowLog:FlowLog", { vpcId: "vpc-1", trafficType: "ALL" })],
        fail: [res(T.vpc, {}), res("aws:ec2/flowLog:FlowLog", { vpcId: "vpc-1", trafficType: "ACCEPT" })],
    },
    "ec2-13-no-ssh-from-internet": {
        pass: [sshFrom("203.0.113.0/24")],
        fail: [res(T.sg, { ingress: [{ protocol: "tcp", fromPort: 0, toPort: 1024, cidrBlocks: ["0.0.0.0/0"] }] }, { stack: "bastion" })],
    },
    "ec2-14-no-rdp-from-internet": {
        pass: [res(T.sgRule, { type: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] })],
        fail: [res(T.sgRule, { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] })],
    },
    "ec2-18-internet-only-on-web-ports": {
        pass: [
            res(T.ingress, { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
            res(T.ingress, { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "10.20.0.0/16" }),
        ],
        fail: [res(T.ingress, { ipProtocol: "tcp", fromPort: 8080, toPort: 8080, cidrIpv4: "0.0.0.0/0" })],
    },
    "twine-ssh-only-from-bastion": {
        pass: [
            sshFrom("10.10.0.0/24"),
            res(T.ingress, { ipProtocol: "tcp", fromPort: 22, toPort: 22, referencedSecurityGroupId: "sg-1" }),
            sshFrom("203.0.113.0/24", "office"),
        ].map((r, i) =>
            i === 2 ? { ...r, urn: r.urn.replace("urn:pulumi:dev", "urn:pulumi:bastion"), provider: providerFor("bastion") } : r,
        ),
        fail: [
            sshFrom("10.99.0.0/16"),
            res(T.sg, { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["198.51.100.7/32"] }] }, prod),
        ],
    },
    "twine-ingress-rules-described": {
        pass: [sshFrom("10.10.0.0/24")],
        fail: [res(T.sg, { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }] })],
    },
    "ec2-15-subnets-no-public-ip-on-launch": {
        pass: [res("aws:ec2/subnet:Subnet", { mapPublicIpOnLaunch: false })],
        fail: [res("aws:ec2/subnet:Subnet", { mapPublicIpOnLaunch: true })],
    },
    "twine-vpc-s3-gateway-endpoint": {
        pass: [
            res(T.vpc, {}),
            res("aws:ec2/vpcEndpoint:VpcEndpoint", { serviceName: "com.amazonaws.eu-west-1.s3", vpcEndpointType: "Gateway" }),
        ],
        fail: [
            res(T.vpc, {}),
            res("aws:ec2/vpcEndpoint:VpcEndpoint", { serviceName: "com.amazonaws.eu-west-1.ssm", vpcEndpointType: "Interface" }),
        ],
    },
    "ec2-8-imdsv2-instances": {
        pass: [res(T.instance, { metadataOptions: { httpTokens: "required" } })],
        fail: [res(T.instance, { metadataOptions: { httpTokens: "optional" } }), res(T.instance, {})],
    },
    "ec2-9-no-public-ip-instances": {
        pass: [
            res(T.instance, { associatePublicIpAddress: false }),
            res(T.instance, { associatePublicIpAddress: true }, { stack: "bastion" }),
        ],
        fail: [res(T.instance, { associatePublicIpAddress: true })],
    },
    "ec2-3-ebs-volumes-encrypted": {
        pass: [res(T.volume, { encrypted: true }), res(T.instance, { rootBlockDevice: { volumeSize: 20 } }), res(T.lt, goodLt)],
        fail: [
            res(T.volume, { encrypted: false }),
            res(T.instance, { rootBlockDevice: { encrypted: false } }),
            res(T.lt, { blockDeviceMappings: [{ deviceName: "/dev/sdf", ebs: { encrypted: "false" } }] }),
        ],
    },
    "ec2-7-ebs-encryption-by-default": {
        pass: [res("aws:ebs/encryptionByDefault:EncryptionByDefault", { enabled: true })],
        fail: [res("aws:ebs/encryptionByDefault:EncryptionByDefault", { enabled: false })],
    },
    "autoscaling-3-imdsv2-launch-templates": {
        pass: [res(T.lt, goodLt)],
        fail: [res(T.lt, { metadataOptions: { httpEndpoint: "enabled" } })],
    },
    "autoscaling-5-no-public-ip-launch-templates": {
        pass: [res(T.lt, goodLt)],
        fail: [res(T.lt, { ...goodLt, networkInterfaces: [{ associatePublicIpAddress: "true" }] })],
    },
    "autoscaling-9-launch-templates-only": {
        pass: [res(T.lt, goodLt)],
        fail: [res("aws:ec2/launchConfiguration:LaunchConfiguration", { imageId: "ami-1" })],
    },
    "autoscaling-1-elb-health-checks": {
        pass: [res(T.asg, goodAsg), res(T.asg, { vpcZoneIdentifiers: ["a", "b"] })],
        fail: [res(T.asg, { ...goodAsg, healthCheckType: "EC2" }), res(T.asg, { ...goodAsg, healthCheckType: undefined })],
    },
    "autoscaling-2-multiple-azs": { pass: [res(T.asg, goodAsg)], fail: [res(T.asg, { ...goodAsg, vpcZoneIdentifiers: ["subnet-a"] })] },
    "twine-asg-pinned-launch-template-version": {
        pass: [res(T.asg, goodAsg)],
        fail: [
            res(T.asg, { ...goodAsg, launchTemplate: { id: "lt-1", version: "$Latest" } }),
            res(T.asg, { ...goodAsg, launchTemplate: { id: "lt-1" } }),
        ],
    },
    "twine-asg-desired-capacity-not-managed": {
        pass: [res(T.asg, { ...goodAsg, desiredCapacity: 2 }, { ignoreChanges: ["desiredCapacity"] }), res(T.asg, goodAsg)],
        fail: [res(T.asg, { ...goodAsg, desiredCapacity: 2 })],
    },
    "elb-4-drop-invalid-headers": {
        pass: [res(T.lb, goodLb), res(T.lb, { loadBalancerType: "network" })],
        fail: [res("aws:alb/loadBalancer:LoadBalancer", { ...goodLb, dropInvalidHeaderFields: false })],
    },
    "elb-12-desync-mitigation": { pass: [res(T.lb, goodLb)], fail: [res(T.lb, { ...goodLb, desyncMitigationMode: "monitor" })] },
    "elb-6-deletion-protection-prod": {
        pass: [res(T.lb, goodLb, prod), res(T.lb, { ...goodLb, enableDeletionProtection: false })],
        fail: [res(T.lb, { ...goodLb, enableDeletionProtection: false }, prod)],
    },
    "elb-5-access-logs": { pass: [res(T.lb, goodLb)], fail: [res(T.lb, { ...goodLb, accessLogs: { enabled: false, bucket: "logs" } })] },
    "elb-13-multiple-azs": { pass: [res(T.lb, goodLb)], fail: [res(T.lb, { ...goodLb, subnets: ["a"] })] },
    "elb-1-http-redirects-to-https": {
        pass: [
            res(T.listener, {
                protocol: "HTTP",
                port: 80,
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
            }),
        ],
        fail: [res(T.listener, { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] })],
    },
    "elb-17-tls12-security-policy": {
        pass: [
            res(T.listener, { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: "arn:cert" }),
        ],
        fail: [
            res(T.listener, { protocol: "HTTPS", port: 443, certificateArn: "arn:cert" }),
            res(T.listener, { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" }),
        ],
    },
    "rds-2-not-public": { pass: [res(T.rds, goodRds)], fail: [res(T.rds, { ...goodRds, publiclyAccessible: true })] },
    "rds-3-storage-encrypted": {
        pass: [res(T.rds, goodRds), res(T.cluster, { storageEncrypted: true })],
        fail: [res(T.rds, { ...goodRds, storageEncrypted: undefined }), res(T.cluster, {})],
    },
    "rds-5-multi-az-prod": {
        pass: [res(T.rds, goodRds, prod), res(T.rds, { ...goodRds, multiAz: false })],
        fail: [res(T.rds, { ...goodRds, multiAz: false }, prod)],
    },
    "rds-7-8-deletion-protection-prod": {
        pass: [res(T.rds, goodRds, prod)],
        fail: [res(T.rds, { ...goodRds, deletionProtection: false }, prod), res(T.cluster, {}, prod)],
    },
    "rds-11-backups-7-days": {
        pass: [res(T.rds, goodRds), res(T.cluster, { backupRetentionPeriod: 7 })],
        fail: [res(T.rds, { ...goodRds, backupRetentionPeriod: 1 }), res(T.cluster, {})],
    },
    "rds-13-auto-minor-version-upgrade": {
        pass: [res(T.rds, goodRds)],
        fail: [res(T.rds, { ...goodRds, autoMinorVersionUpgrade: false })],
    },
    "rds-9-log-exports": { pass: [res(T.rds, goodRds)], fail: [res(T.rds, { ...goodRds, enabledCloudwatchLogsExports: [] })] },
    "rds-23-non-default-port": {
        pass: [res(T.rds, goodRds)],
        fail: [res(T.rds, { ...goodRds, port: undefined }), res(T.cluster, { engine: "aurora-mysql", port: 3306 })],
    },
    "twine-rds-proxy-tls-and-iam": {
        pass: [res(T.proxy, goodProxy)],
        fail: [
            res(T.proxy, { ...goodProxy, requireTls: false }),
            res(T.proxy, { ...goodProxy, auths: [{ authScheme: "SECRETS", iamAuth: "DISABLED", secretArn: "arn:s" }] }),
            res(T.proxy, { ...goodProxy, auths: [] }),
        ],
    },
    "twine-rds-managed-master-password": {
        pass: [res(T.rds, goodRds), res(T.cluster, { manageMasterUserPassword: true })],
        fail: [
            res(T.rds, { ...goodRds, manageMasterUserPassword: undefined, password: "[secret]" }),
            res(T.cluster, { masterPassword: "hunter2" }),
        ],
    },
    "twine-rds-final-snapshot-prod": {
        pass: [res(T.rds, goodRds, prod), res(T.rds, { ...goodRds, skipFinalSnapshot: true })],
        fail: [res(T.rds, { ...goodRds, skipFinalSnapshot: true }, prod)],
    },
    "opensearch-1-encryption-at-rest": {
        pass: [res(T.search, goodSearch)],
        fail: [res(T.search, { ...goodSearch, encryptAtRest: { enabled: false } })],
    },
    "opensearch-2-in-vpc": { pass: [res(T.search, goodSearch)], fail: [res(T.search, { ...goodSearch, vpcOptions: undefined })] },
    "opensearch-3-node-to-node-encryption": {
        pass: [res(T.search, goodSearch)],
        fail: [res(T.search, { ...goodSearch, nodeToNodeEncryption: undefined })],
    },
    "opensearch-8-tls12-https": {
        pass: [res(T.search, goodSearch)],
        fail: [
            res(T.search, {
                ...goodSearch,
                domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-0-2019-07" },
            }),
        ],
    },
    "opensearch-7-fine-grained-access": {
        pass: [res(T.search, goodSearch)],
        fail: [res(T.search, { ...goodSearch, advancedSecurityOptions: undefined })],
    },
    "opensearch-5-audit-logs": {
        pass: [res(T.search, goodSearch)],
        fail: [res(T.search, { ...goodSearch, logPublishingOptions: [{ logType: "ES_APPLICATION_LOGS" }] })],
    },
    "opensearch-6-three-nodes-zone-aware-prod": {
        pass: [res(T.search, goodSearch, prod)],
        fail: [res(T.search, { ...goodSearch, clusterConfig: { instanceCount: 2 } }, prod)],
    },
    "cloudwatch-15-alarm-has-action": {
        pass: [
            res("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: ["arn:aws:sns:eu-west-1:444444444444:twine-production-alarms"] }),
        ],
        fail: [
            res("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: [] }),
            res("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: ["arn:aws:sns:eu-west-1:1:t"], actionsEnabled: false }),
        ],
    },
    "twine-prod-data-key-retained": {
        pass: [
            dataKey("prod", true),
            // Unknown in a preview (the engine does not report it): not judged.
            { ...dataKey("prod", true), options: { protect: true, ignoreChanges: [] } },
            dataKey("dev", false),
            res(T.key, {}, { stack: "prod", protect: true }),
        ],
        fail: [dataKey("prod", false)],
    },
    "twine-protect-stateful-prod": {
        pass: [
            res(T.rds, goodRds, { stack: "prod", protect: true }),
            res(T.rds, goodRds),
            res(T.zone, { name: "twinehr.com" }, { stack: "dns", protect: true }),
        ],
        fail: [res(T.search, goodSearch, prod), res(T.zone, { name: "twinehr.com" }, { stack: "dns" })],
    },
    "s3-1-account-public-access-block": {
        pass: [res("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", allFour)],
        fail: [res("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", { ...allFour, restrictPublicBuckets: false })],
    },
    "s3-8-bucket-public-access-block": {
        pass: [bucketNamed("a"), withBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "a", allFour)],
        fail: [bucketNamed("a"), bucketNamed("b"), withBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "a", allFour)],
    },
    "s3-5-tls-only": {
        pass: [bucketNamed("b"), withBucket("aws:s3/bucketPolicy:BucketPolicy", "b", { policy: tlsOnly })],
        fail: [bucketNamed("b"), withBucket("aws:s3/bucketPolicy:BucketPolicy", "b", { policy: allow("s3:GetObject") })],
    },
    "s3-12-no-acls": {
        pass: [
            bucketNamed("a"),
            withBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "a", { rule: { objectOwnership: "BucketOwnerEnforced" } }),
        ],
        fail: [
            withBucket("aws:s3/bucketAcl:BucketAcl", "a", { acl: "public-read" }),
            withBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "a", { rule: { objectOwnership: "ObjectWriter" } }),
            res(T.bucket, { acl: "public-read" }),
        ],
    },
    "twine-s3-no-force-destroy-prod": {
        pass: [res(T.bucket, { forceDestroy: false }, prod), res(T.bucket, { forceDestroy: true })],
        fail: [res(T.bucket, { forceDestroy: true }, prod)],
    },
    "s3-14-versioning": {
        pass: [
            bucketNamed("a"),
            withBucket("aws:s3/bucketVersioning:BucketVersioning", "a", { versioningConfiguration: { status: "Enabled" } }),
        ],
        fail: [
            bucketNamed("a"),
            withBucket("aws:s3/bucketVersioning:BucketVersioning", "a", { versioningConfiguration: { status: "Suspended" } }),
        ],
    },
    "s3-17-kms-encryption": {
        pass: [
            bucketNamed("a"),
            withBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "a", {
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
            }),
        ],
        fail: [
            bucketNamed("a"),
            withBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "a", {
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            }),
        ],
    },
    "s3-9-server-access-logging": {
        pass: [bucketNamed("a"), withBucket("aws:s3/bucketLogging:BucketLogging", "a", { targetBucket: "logs", targetPrefix: "a/" })],
        fail: [bucketNamed("a")],
    },
    "twine-route53-zone-no-force-destroy": {
        pass: [res(T.zone, { name: "dev.twinehr.com", forceDestroy: false })],
        fail: [res(T.zone, { name: "dev.twinehr.com", forceDestroy: true })],
    },
    "route53-2-query-logging": {
        pass: [
            res(T.zone, { name: "twinehr.com" }),
            res("aws:route53/queryLog:QueryLog", { zoneId: "Z1", cloudwatchLogGroupArn: "arn:lg" }),
        ],
        fail: [res(T.zone, { name: "twinehr.com" })],
    },
    "twine-route53-record-ttl": {
        pass: [
            res("aws:route53/record:Record", { type: "NS", ttl: 172800, records: ["ns-1"] }),
            res("aws:route53/record:Record", { type: "A", aliases: [{ name: "lb", zoneId: "Z", evaluateTargetHealth: true }] }),
        ],
        fail: [res("aws:route53/record:Record", { type: "NS", ttl: 300, records: ["ns-1"] })],
    },
    "iam-1-no-full-admin": {
        pass: [res(T.rolePolicy, { policy: allow("s3:GetObject") })],
        fail: [res("aws:iam/policy:Policy", { policy: allow("*", "*") })],
    },
    "iam-21-no-service-wildcards": {
        pass: [res(T.rolePolicy, { policy: allow(["s3:GetObject", "s3:PutObject"]) })],
        fail: [res(T.role, { ...trust({ Service: "ec2.amazonaws.com" }), inlinePolicies: [{ name: "x", policy: allow("s3:*") }] })],
    },
    "twine-iam-no-action-wildcards": {
        pass: [res(T.rolePolicy, { policy: allow("ec2:DescribeImages", "*") })],
        fail: [
            res(T.rolePolicy, { policy: allow("s3:Get*") }),
            res(T.rolePolicy, { policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) }),
        ],
    },
    "kms-1-no-decrypt-on-all-keys": {
        pass: [res(T.rolePolicy, { policy: allow("kms:Decrypt", "arn:aws:kms:eu-west-1:111111111111:key/1") })],
        fail: [res(T.rolePolicy, { policy: allow(["kms:Decrypt"], "*") })],
    },
    "iam-2-no-user-policies": {
        pass: [res("aws:iam/policyAttachment:PolicyAttachment", { roles: ["r"], policyArn: "arn:p" })],
        fail: [
            res("aws:iam/userPolicy:UserPolicy", { user: "bob", policy: allow("s3:GetObject") }),
            res("aws:iam/userPolicyAttachment:UserPolicyAttachment", { user: "bob", policyArn: "arn:p" }),
        ],
    },
    "twine-iam-trust-no-public-principal": {
        pass: [res(T.role, trust({ AWS: "*" }, { StringEquals: { "aws:PrincipalAccount": "333333333333" } }))],
        fail: [res(T.role, trust("*")), res(T.role, trust({ AWS: "*" }))],
    },
    "twine-iam-trust-known-accounts": {
        pass: [res(T.role, trust({ AWS: "arn:aws:iam::333333333333:root" })), res(T.role, trust({ Service: "ec2.amazonaws.com" }))],
        fail: [
            res(T.role, trust({ AWS: ["arn:aws:iam::333333333333:root", "arn:aws:iam::999999999999:role/x"] })),
            res(T.role, trust({ AWS: "arn:aws:iam::33333333333:root" })),
        ],
    },
    "twine-iam-oidc-trust-scoped": {
        pass: [
            res(
                T.role,
                oidc({
                    StringEquals: { "api.pulumi.com/oidc:aud": "twine" },
                    StringLike: { "api.pulumi.com/oidc:sub": "pulumi:deploy:org:twine:project:twine-infra:stack:dev:*" },
                }),
            ),
        ],
        fail: [
            res(T.role, oidc({ StringEquals: { "api.pulumi.com/oidc:aud": "twine" } })),
            res(T.role, oidc({ StringLike: { "api.pulumi.com/oidc:sub": "*" } })),
        ],
    },
    "twine-iam-service-trust-confused-deputy": {
        pass: [
            res(T.role, trust({ Service: "vpc-flow-logs.amazonaws.com" }, { StringEquals: { "aws:SourceAccount": "111111111111" } })),
            res(T.role, trust({ Service: "ec2.amazonaws.com" })),
            res(T.role, trust({ Service: "backup.amazonaws.com" })),
        ],
        fail: [res(T.role, trust({ Service: "vpc-flow-logs.amazonaws.com" }))],
    },
    "ecr-1-scan-on-push": { pass: [res(T.repo, { imageScanningConfiguration: { scanOnPush: true } })], fail: [res(T.repo, {})] },
    "ecr-2-immutable-tags": {
        pass: [res(T.repo, { imageTagMutability: "IMMUTABLE" })],
        fail: [res(T.repo, { imageTagMutability: "MUTABLE" }), res(T.repo, {})],
    },
    "ecr-3-lifecycle-policy": {
        pass: [res(T.repo, { name: "jenkins" }), res("aws:ecr/lifecyclePolicy:LifecyclePolicy", { repository: "jenkins", policy: "{}" })],
        fail: [res(T.repo, { name: "jenkins" })],
    },
    "twine-ci-no-long-lived-keys": {
        pass: [res(T.role, trust({ Service: "ec2.amazonaws.com" }))],
        fail: [res("aws:iam/user:User", { name: "jenkins" }), res("aws:iam/accessKey:AccessKey", { user: "jenkins" })],
    },
    "twine-ci-deployments-use-oidc": {
        pass: [
            res(
                "pulumiservice:index:DeploymentSettings",
                {
                    organization: "twine",
                    project: "twine-infra",
                    stack: "dev",
                    operationContext: { oidc: { aws: { roleARN: "arn:aws:iam::333333333333:role/deploy", sessionName: "pulumi" } } },
                },
                { provider: null },
            ),
        ],
        fail: [
            res(
                "pulumiservice:index:DeploymentSettings",
                {
                    organization: "twine",
                    project: "twine-infra",
                    stack: "dev",
                    operationContext: { environmentVariables: { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "[secret]" } },
                },
                { provider: null },
            ),
        ],
    },
    "twine-ci-no-pull-request-deployments": {
        pass: [
            res(
                "pulumiservice:index:DeploymentSettings",
                { stack: "dev", vcs: { repository: "o/r", previewPullRequests: false } },
                { provider: null },
            ),
        ],
        fail: [
            res(
                "pulumiservice:index:DeploymentSettings",
                { stack: "dev", vcs: { repository: "o/r", previewPullRequests: true } },
                { provider: null },
            ),
            res("pulumiservice:index:DeploymentSettings", { stack: "dev", vcs: { repository: "o/r" } }, { provider: null }),
        ],
    },
    "twine-ebs-volumes-snapshotted": {
        pass: [
            res(T.volume, { encrypted: true }),
            res("aws:dlm/lifecyclePolicy:LifecyclePolicy", { policyDetails: { schedules: [{ name: "daily" }] } }),
        ],
        fail: [res(T.volume, { encrypted: true })],
    },
    "cloudtrail-1-multi-region-trail": {
        pass: [res(T.trail, goodTrail)],
        fail: [res(T.trail, { ...goodTrail, isMultiRegionTrail: false })],
    },
    "cloudtrail-2-kms-encrypted": { pass: [res(T.trail, goodTrail)], fail: [res(T.trail, { ...goodTrail, kmsKeyId: undefined })] },
    "cloudtrail-4-log-file-validation": {
        pass: [res(T.trail, goodTrail)],
        fail: [res(T.trail, { ...goodTrail, enableLogFileValidation: false })],
    },
    "cloudtrail-5-cloudwatch-logs": {
        pass: [res(T.trail, goodTrail)],
        fail: [res(T.trail, { ...goodTrail, cloudWatchLogsGroupArn: undefined })],
    },
    "kms-4-key-rotation": {
        pass: [res(T.key, { enableKeyRotation: true }), res(T.key, { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })],
        fail: [res(T.key, {})],
    },
    "twine-kms-deletion-window": { pass: [res(T.key, { deletionWindowInDays: 30 })], fail: [res(T.key, { deletionWindowInDays: 7 })] },
    "iam-28-access-analyzer": {
        pass: [res("aws:accessanalyzer/analyzer:Analyzer", { type: "ACCOUNT" })],
        fail: [res("aws:accessanalyzer/analyzer:Analyzer", { type: "ACCOUNT_UNUSED_ACCESS" })],
    },
    "guardduty-1-enabled": {
        pass: [res(T.trail, goodTrail, prod), res("aws:guardduty/detector:Detector", { enable: true }, prod), res(T.trail, goodTrail)],
        fail: [res(T.trail, goodTrail, prod)],
    },
    "twine-log-group-retention": { pass: [res(T.logGroup, { retentionInDays: 90 })], fail: [res(T.logGroup, { name: "/twine/app" })] },
    "cloudwatch-16-prod-retention-one-year": {
        pass: [res(T.logGroup, { retentionInDays: 365 }, prod), res(T.logGroup, { retentionInDays: 30 })],
        fail: [res(T.logGroup, { retentionInDays: 30 }, prod)],
    },
    "twine-provider-pinned-account": {
        pass: [res("pulumi:providers:aws", { allowedAccountIds: ["111111111111"], region: "eu-west-1" }, { provider: null })],
        fail: [
            res("pulumi:providers:aws", { region: "eu-west-1" }, { provider: null }),
            res("pulumi:providers:aws", { allowedAccountIds: '["555555555555"]' }, { provider: null }),
        ],
    },
    "twine-explicit-provider": {
        pass: [res(T.vpc, {})],
        fail: [
            res(T.vpc, {}, { provider: null }),
            res(
                T.vpc,
                {},
                {
                    provider: {
                        type: "pulumi:providers:aws",
                        urn: "urn:pulumi:dev::twine-infra::pulumi:providers:aws::default_7_48_0",
                        name: "default_7_48_0",
                        props: {},
                    },
                },
            ),
        ],
    },
};

function violationsOf(rule: Rule, resources: PolicyInput[]) {
    return evaluate(resources, SETTINGS, [rule]);
}

describe("policy pack (twine-guardrails)", () => {
    it("has at least 40 rules with unique names, a control, a level and a description that says why", () => {
        assert.ok(RULES.length >= 40, `${RULES.length} rules`);
        assert.equal(new Set(RULES.map(r => r.name)).size, RULES.length);
        for (const r of RULES) {
            assert.match(r.name, /^[a-z0-9-]+$/);
            assert.ok(r.control === "twine" || /^[A-Za-z0-9]+\.\d+/.test(r.control), `${r.name}: control ${r.control}`);
            assert.match(r.description, /(Mandatory|Advisory)/, `${r.name} does not say why it is ${r.enforcementLevel}`);
            assert.ok(
                r.description.includes(r.enforcementLevel === "mandatory" ? "Mandatory" : "Advisory"),
                `${r.name}: the description argues for the other level`,
            );
        }
        for (const area of ["network", "access", "compute", "load balancers", "data stores", "dns", "iam", "ci", "logging"]) {
            assert.ok(
                RULES.some(r => r.area === area),
                `no rule covers ${area}`,
            );
        }
    });

    it("is listed, rule for rule, in docs/guardrails.md (npm run policy:readme)", () => {
        const doc = fs.readFileSync(path.join(REPO, "docs", "guardrails.md"), "utf8");
        assert.equal(withRuleTable(doc), doc, "docs/guardrails.md's rule table is stale; run npm run policy:readme");
        for (const rule of RULES) assert.ok(doc.includes(`\`${rule.name}\``), rule.name);
    });

    it("has a passing and a violating case for every rule, and none for a rule that does not exist", () => {
        assert.deepEqual(Object.keys(CASES).sort(), RULES.map(r => r.name).sort());
    });

    for (const rule of RULES) {
        describe(`${rule.name} (${rule.control}, ${rule.enforcementLevel})`, () => {
            it("passes compliant resources", () => {
                assert.deepEqual(violationsOf(rule, CASES[rule.name].pass), []);
            });
            it("fires on each violating resource", () => {
                const fail = CASES[rule.name].fail;
                const found = violationsOf(rule, fail);
                assert.ok(found.length > 0, "no violation");
                // A resource rule fires on every violating resource given, not just on one of them.
                if (rule.kind === "resource") {
                    for (const r of fail)
                        assert.ok(rule.check(r, { settings: SETTINGS }).length > 0, `${r.type} ${JSON.stringify(r.props)} does not fire`);
                }
                for (const v of found) assert.ok(v.message.length > 0);
            });
        });
    }

    it("matches companions to buckets by name when known: two blocks for one bucket leave the other uncovered", () => {
        const rule = RULES.find(r => r.name === "s3-8-bucket-public-access-block")!;
        const pab = (bucket: string) => withBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket, allFour);
        const found = violationsOf(rule, [bucketNamed("a"), bucketNamed("b"), pab("a"), pab("a")]);
        assert.deepEqual(
            found.map(v => v.message),
            [`${found[0].urn!.split("::").pop()}: the bucket has no aws.s3.BucketPublicAccessBlock`],
        );
        assert.match(found[0].urn!, /Bucket::r\d+$/);
    });

    it("blames the unversioned bucket when buckets are auto-named, by the companion's parent or input dependency", () => {
        // Auto-named buckets have no name in their inputs before they exist, so the companions' bucket cannot be
        // matched by name; the bucket without versioning must still be the one blamed, not whichever comes last.
        const rule = RULES.find(r => r.name === "s3-14-versioning")!;
        const enabled = { versioningConfiguration: { status: "Enabled" } };
        const unversioned = res(T.bucket, {});
        const versioned = res(T.bucket, {});
        const byParent = {
            ...res("aws:s3/bucketVersioning:BucketVersioning", { bucket: "mocked-id-1", ...enabled }),
            parent: versioned.urn,
        };
        assert.deepEqual(
            violationsOf(rule, [unversioned, versioned, byParent]).map(v => v.urn),
            [unversioned.urn],
        );
        const byDependency = {
            ...res("aws:s3/bucketVersioning:BucketVersioning", { bucket: "mocked-id-2", ...enabled }),
            propertyDependencies: { bucket: [versioned.urn] },
        };
        assert.deepEqual(
            violationsOf(rule, [unversioned, versioned, byDependency]).map(v => v.urn),
            [unversioned.urn],
        );
    });

    it("counts companions whose settings are unknown in a preview instead of failing the stack policy", () => {
        class UnknownValueError extends Error {}
        const unknown = new Proxy(
            {},
            {
                get: () => {
                    throw new UnknownValueError("string value at .bucket can't be known during preview");
                },
            },
        );
        const rule = RULES.find(r => r.name === "s3-5-tls-only")!;
        const preview = [res(T.bucket, unknown), res("aws:s3/bucketPolicy:BucketPolicy", unknown)];
        assert.deepEqual(violationsOf(rule, preview), []);
        assert.equal(violationsOf(rule, [res(T.bucket, unknown)]).length, 1);
    });

    it("a stack without any baseline resource violates the baseline rules", () => {
        const names = new Set(evaluate([res(T.vpc, {})], SETTINGS).map(v => v.rule));
        for (const rule of [
            "ec2-7-ebs-encryption-by-default",
            "s3-1-account-public-access-block",
            "cloudtrail-1-multi-region-trail",
            "iam-28-access-analyzer",
            "ec2-6-vpc-flow-logs",
        ]) {
            assert.ok(names.has(rule), `${rule} did not fire`);
        }
    });

    describe("over the offline plans of all four stacks", () => {
        const settings = projectPackSettings(FIXTURES);
        for (const stack of STACKS) {
            it(`${stack} has no mandatory violation`, async () => {
                const mandatory = evaluatePlan(await planOf(stack), settings).filter(v => v.level === "mandatory");
                assert.deepEqual(mandatory, []);
            });
        }
        it("reads the deployment's four accounts and the bastion VPC from the stack files", () => {
            assert.equal(settings.accounts?.length, 4);
            assert.deepEqual(settings.bastionCidrs, [JSON.parse(fixtureConfig("bastion")["twine-infra:network"]).cidr]);
        });
        it("gives --policy-pack-config exactly the settings each configurable policy declares in its schema", () => {
            const config = packConfig(settings);
            const configurable = policies.filter(p => p.configSchema);
            assert.deepEqual(Object.keys(config).sort(), configurable.map(p => p.name).sort());
            for (const p of configurable) {
                assert.deepEqual(Object.keys(config[p.name]).sort(), Object.keys(p.configSchema!.properties!).sort(), p.name);
                for (const [key, value] of Object.entries(config[p.name])) assert.deepEqual(value, settings[key as keyof PackSettings]);
            }
            assert.deepEqual(config["twine-ssh-only-from-bastion"], { bastionCidrs: settings.bastionCidrs });
        });
        it("catches a mandatory violation injected into a real plan (the pack is not vacuous)", async () => {
            const plan = await planOf("prod");
            const tampered = plan.resources.map(r =>
                r.type === "aws:cloudtrail/trail:Trail" ? { ...r, inputs: { ...r.inputs, enableLogFileValidation: false } } : r,
            );
            const before = new Set(evaluatePlan(plan, settings).map(v => `${v.rule} ${v.urn}`));
            const added = evaluatePlan({ resources: tampered }, settings).filter(v => !before.has(`${v.rule} ${v.urn}`));
            assert.deepEqual(
                added.map(v => [v.rule, v.level, v.urn?.split("::").pop()]),
                [["cloudtrail-4-log-file-validation", "mandatory", "prod-baseline-trail"]],
            );
        });
        it("adds a policy section to the plan's JSON, after the existing keys", async () => {
            const plan = await planOf("dns");
            const json = JSON.parse(renderJson(plan, evaluatePlan(plan, settings)));
            assert.deepEqual(Object.keys(json), ["stack", "project", "resources", "outputs", "policy"]);
            for (const v of json.policy) assert.deepEqual(Object.keys(v).sort(), ["control", "level", "message", "rule", "urn"]);
        });
    });

    it("npm run plan prints the policy section, with the pack settings of this project", () => {
        const result = runCli("dns");
        assert.equal(result.status, 0, result.stderr);
        const plan = JSON.parse(result.stdout);
        assert.ok(Array.isArray(plan.policy));
        assert.deepEqual(
            plan.policy.filter((v: { level: string }) => v.level === "mandatory"),
            [],
        );
        assert.ok(
            plan.policy.some((v: { rule: string }) => v.rule === "route53-2-query-logging"),
            "the advisory findings are missing",
        );
    });

    describe("as a CrossGuard pack", () => {
        it("serves one policy per rule with its level and control", () => {
            assert.equal(policies.length, RULES.length);
            for (const [i, p] of policies.entries()) {
                assert.equal(p.name, RULES[i].name);
                assert.equal(p.enforcementLevel, RULES[i].enforcementLevel);
                assert.ok(p.description.startsWith(`[${RULES[i].control}]`));
            }
        });
        it("reports through the engine's callbacks, with the config the engine passes", () => {
            const policy = policies.find(p => p.name === "twine-iam-trust-known-accounts")!;
            assert.ok("validateResource" in policy && typeof policy.validateResource === "function");
            assert.deepEqual(Object.keys(policy.configSchema?.properties ?? {}), ["accounts"]);
            const role = res(T.role, trust({ AWS: "arn:aws:iam::999999999999:root" }));
            const reported: string[] = [];
            const args = {
                ...role,
                opts: {
                    protect: false,
                    ignoreChanges: [],
                    aliases: [],
                    additionalSecretOutputs: [],
                    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                },
                getConfig: () => ({ accounts: ["111111111111"] }),
            };
            (policy.validateResource as (a: unknown, r: (m: string) => void) => void)(args, m => reported.push(m));
            assert.equal(reported.length, 1);
            assert.match(reported[0], /999999999999/);
            const stackPolicy = policies.find(p => p.name === "cloudtrail-1-multi-region-trail")!;
            const stackReported: string[] = [];
            (stackPolicy as { validateStack: (a: unknown, r: (m: string) => void) => void }).validateStack(
                { resources: [], getConfig: () => ({}) },
                m => stackReported.push(m),
            );
            assert.equal(stackReported.length, 1);
        });
    });
});
