/**
 * Mocks for the offline plan: realistic ids, ARNs and attributes per resource type, derived from a hash of
 * the resource's type and name (never random, never a timestamp), and answers for the few invokes the program
 * makes. An invoke without an answer here fails loudly with its token, so nothing passes by accident.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { availabilityZoneNames } from "../config/regions";

export interface MockAccount {
    readonly accountId: string;
    readonly region: string;
}

/**
 * Root volumes of the images upstream stacks built, by id (an env stack's amiId and amiRootVolumeGiB outputs): the
 * offline world's DescribeImages knows the image dev baked. Filled by PlanMocks for the invokes it answers.
 */
export type ImageSizes = Readonly<Record<string, number>>;

export interface UpstreamStackOutputs {
    readonly outputs: Record<string, unknown>;
    readonly secretOutputNames: readonly string[];
}

/**
 * A resource's or an invoke's inputs as the mocks see them: every AWS type's own shape, read field by field.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one loose type for all the providers' input shapes
export type MockInputs = Record<string, any>;

/**
 * Images the offline world knows to be someone else's than the owner a lookup names: a community image named like
 * Canonical's Ubuntu 24.04 (a pin pointing there must be refused), and Canonical's 22.04 (another release).
 */
export const MOCK_FOREIGN_AMIS: Readonly<Record<string, { ownerId: string; name: string; rootVolumeGiB: number }>> = {
    "ami-0badc0ffee0ddf00d": {
        ownerId: "210987654321",
        name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101",
        rootVolumeGiB: 8,
    },
    "ami-0a2204000000000ff": {
        ownerId: "099720109477",
        name: "ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20261101",
        rootVolumeGiB: 8,
    },
};

/** Root volumes of images the offline world knows to be larger than the 8 GiB default (a big baked app image). */
export const MOCK_AMI_ROOT_VOLUME_GIB: Readonly<Record<string, number>> = { "ami-0b16b16b16b16b16b": 64 };

export type InvokeHandler = (inputs: MockInputs, account: MockAccount & { imageRootVolumeGiB?: ImageSizes }) => Record<string, unknown>;

/** Stable hex digest of the given parts. */
export function digest(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/** A hex id of the given length, AWS style (vpc-0a1b2c3d4e5f67890 has 17 hex digits). */
function hexId(prefix: string, length: number, ...parts: string[]): string {
    return `${prefix}${digest(prefix, ...parts).slice(0, length)}`;
}

/** Pulumi's auto-naming: logical name plus a 7-character suffix. */
function autoName(name: string, type: string): string {
    return `${name}-${digest(type, name).slice(0, 7)}`;
}

const ip = (seed: string, first: number) => {
    const h = Buffer.from(digest(seed), "hex");
    return `${first}.${h[0]}.${h[1]}.${Math.max(1, h[2] % 254)}`;
};

/** A UUID-shaped id (8-4-4-4-12 hex digits) derived from the parts. */
const uuid = (...parts: string[]) =>
    digest(...parts)
        .slice(0, 32)
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");

interface TypeMock {
    id: (name: string, inputs: MockInputs, a: MockAccount) => string;
    state?: (id: string, name: string, inputs: MockInputs, a: MockAccount) => Record<string, unknown>;
}

const ec2Arn = (kind: string) => (id: string, _n: string, _i: MockInputs, a: MockAccount) => ({
    arn: `arn:aws:ec2:${a.region}:${a.accountId}:${kind}/${id}`,
    ownerId: a.accountId,
});

/** Canonical hosted zone ids of Application Load Balancers per region (for alias records). */
const ALB_ZONE_IDS: Record<string, string> = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-central-1": "Z215JYRZR1TBD5",
};

/** Per-type ids and attributes. Types not listed get a generic id and an ARN built from the type token. */
export const RESOURCE_MOCKS: Record<string, TypeMock> = {
    "pulumi:providers:aws": { id: name => digest("provider", name).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5") },
    "aws:ec2/vpc:Vpc": {
        id: name => hexId("vpc-", 17, name),
        state: (id, name, _i, a) => ({
            ...ec2Arn("vpc")(id, name, _i, a),
            defaultSecurityGroupId: hexId("sg-", 17, name, "default"),
            mainRouteTableId: hexId("rtb-", 17, name, "main"),
            defaultNetworkAclId: hexId("acl-", 17, name, "default"),
        }),
    },
    "aws:ec2/subnet:Subnet": { id: name => hexId("subnet-", 17, name), state: ec2Arn("subnet") },
    "aws:ec2/internetGateway:InternetGateway": { id: name => hexId("igw-", 17, name), state: ec2Arn("internet-gateway") },
    "aws:ec2/eip:Eip": {
        id: name => hexId("eipalloc-", 17, name),
        state: (id, name, _i, a) => ({
            allocationId: id,
            publicIp: ip(name, 52),
            publicDns: `ec2-${ip(name, 52).replace(/\./g, "-")}.${a.region}.compute.amazonaws.com`,
        }),
    },
    "aws:ec2/natGateway:NatGateway": {
        id: name => hexId("nat-", 17, name),
        state: (_id, name) => ({ publicIp: ip(`${name}-eip`, 52), privateIp: ip(name, 10) }),
    },
    "aws:ec2/routeTable:RouteTable": { id: name => hexId("rtb-", 17, name), state: ec2Arn("route-table") },
    "aws:ec2/route:Route": { id: (name, i) => `r-${i.routeTableId}${digest(name).slice(0, 10)}` },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { id: name => hexId("rtbassoc-", 17, name) },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { id: name => hexId("sg-", 17, name), state: ec2Arn("security-group") },
    "aws:ec2/securityGroup:SecurityGroup": { id: name => hexId("sg-", 17, name), state: ec2Arn("security-group") },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        id: name => hexId("sgr-", 17, name),
        state: ec2Arn("security-group-rule"),
    },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
        id: name => hexId("sgr-", 17, name),
        state: ec2Arn("security-group-rule"),
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": { id: name => hexId("vpce-", 17, name), state: ec2Arn("vpc-endpoint") },
    "aws:ec2/flowLog:FlowLog": { id: name => hexId("fl-", 17, name), state: ec2Arn("vpc-flow-log") },
    "aws:cloudwatch/logGroup:LogGroup": {
        id: (name, i) => i.name ?? autoName(name, "logGroup"),
        state: (id, _n, _i, a) => ({ name: id, arn: `arn:aws:logs:${a.region}:${a.accountId}:log-group:${id}` }),
    },
    "aws:iam/role:Role": {
        id: (name, i) => i.name ?? autoName(name, "role"),
        state: (id, name, i, a) => ({
            name: id,
            arn: `arn:aws:iam::${a.accountId}:role${i.path ?? "/"}${id}`,
            uniqueId: hexId("AROA", 17, name).toUpperCase(),
        }),
    },
    "aws:iam/rolePolicy:RolePolicy": { id: (name, i) => `${i.role}:${i.name ?? autoName(name, "rolePolicy")}` },
    "aws:iam/policy:Policy": {
        id: (name, i, a) => `arn:aws:iam::${a.accountId}:policy${i.path ?? "/"}${i.name ?? autoName(name, "policy")}`,
        state: id => ({ arn: id, name: id.split("/").pop() }),
    },
    "aws:iam/instanceProfile:InstanceProfile": {
        id: (name, i) => i.name ?? autoName(name, "instanceProfile"),
        state: (id, _n, i, a) => ({ name: id, arn: `arn:aws:iam::${a.accountId}:instance-profile${i.path ?? "/"}${id}` }),
    },
    "aws:route53/zone:Zone": {
        id: name => `Z${digest("zone", name).slice(0, 20).toUpperCase()}`,
        state: (id, name) => ({
            zoneId: id,
            arn: `arn:aws:route53:::hostedzone/${id}`,
            nameServers: [0, 1, 2, 3].map(
                k => `ns-${parseInt(digest(name, String(k)).slice(0, 3), 16) % 2048}.awsdns-${10 + k}.${["com", "net", "org", "co.uk"][k]}`,
            ),
        }),
    },
    "aws:route53/record:Record": {
        id: (_n, i) => `${i.zoneId}_${i.name}_${i.type}`,
        state: (_id, _n, i) => ({ fqdn: String(i.name).replace(/\.$/, "") }),
    },
    "aws:ec2/instance:Instance": {
        id: name => hexId("i-", 17, name),
        state: (id, name, i, a) => {
            // A fixed privateIp in the inputs is what EC2 assigns; otherwise a stable 10.x address.
            const privateIp = i.privateIp ?? ip(name, 10);
            return {
                ...ec2Arn("instance")(id, name, i, a),
                privateIp,
                privateDns: `ip-${privateIp.replace(/\./g, "-")}.${a.region}.compute.internal`,
                publicIp: "",
                primaryNetworkInterfaceId: hexId("eni-", 17, name),
                instanceState: "running",
            };
        },
    },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {
        id: name => hexId("pcx-", 17, name),
        state: (id, name, i, a) => ({
            ...ec2Arn("vpc-peering-connection")(id, name, i, a),
            acceptStatus: "pending-acceptance",
            peerRegion: i.peerRegion ?? a.region,
        }),
    },
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": {
        id: (_name, i) => String(i.vpcPeeringConnectionId),
        state: (id, _n, _i, a) => ({ vpcPeeringConnectionId: id, acceptStatus: "active", peerOwnerId: a.accountId }),
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        id: (name, i) => i.name ?? autoName(name, "metricAlarm"),
        state: (id, _n, _i, a) => ({ name: id, arn: `arn:aws:cloudwatch:${a.region}:${a.accountId}:alarm:${id}` }),
    },
    // A topic's id is its ARN; the ARN's last part is the topic name.
    "aws:sns/topic:Topic": {
        id: (name, i, a) => `arn:aws:sns:${a.region}:${a.accountId}:${i.name ?? autoName(name, "topic")}`,
        state: id => ({ arn: id, name: id.split(":")[5] }),
    },
    "aws:kms/key:Key": {
        id: name => [8, 4, 4, 4, 12].map((n, k) => digest("kms", name, String(k)).slice(0, n)).join("-"),
        state: (id, _n, _i, a) => ({ keyId: id, arn: `arn:aws:kms:${a.region}:${a.accountId}:key/${id}` }),
    },
    "aws:s3/bucket:Bucket": {
        id: (name, i) => i.bucket ?? autoName(name, "bucket"),
        state: (id, _n, _i, a) => ({
            bucket: id,
            arn: `arn:aws:s3:::${id}`,
            bucketDomainName: `${id}.s3.amazonaws.com`,
            bucketRegionalDomainName: `${id}.s3.${a.region}.amazonaws.com`,
        }),
    },
    // A Packer build: stdout is the manifest the build prints (see components/delivery/packerImage.ts), with an AMI id
    // derived from the build's trigger hash, so a change of template or variables yields another image.
    "command:local:Command": {
        id: name => `${name}-${digest("command", name).slice(0, 8)}`,
        state: (_id, name, i, a) => {
            const runUuid = [8, 4, 4, 4, 12]
                .map((n, k) => digest("packer-run", name, JSON.stringify(i.triggers ?? []), String(k)).slice(0, n))
                .join("-");
            const amiId = hexId("ami-", 17, a.region, name, JSON.stringify(i.triggers ?? []));
            const manifest = {
                builds: [
                    {
                        name: "twine-app",
                        builder_type: "amazon-ebs",
                        build_time: 1795000000,
                        files: null,
                        artifact_id: `${a.region}:${amiId}`,
                        packer_run_uuid: runUuid,
                        custom_data: {},
                    },
                ],
                last_run_uuid: runUuid,
            };
            return { stdout: JSON.stringify(manifest, null, 2), stderr: "" };
        },
    },
    "aws:ec2/amiLaunchPermission:AmiLaunchPermission": { id: (_n, i) => `${i.accountId}-${i.imageId}` },
    "aws:kms/grant:Grant": {
        id: (name, i) => `${i.keyId}:${digest("grant", name).slice(0, 64)}`,
        state: (_id, name) => ({ grantId: digest("grant", name).slice(0, 64), grantToken: "[grant token]" }),
    },
    "aws:rds/subnetGroup:SubnetGroup": {
        id: (name, i) => i.name ?? autoName(name, "subnetGroup"),
        state: (id, _n, _i, a) => ({ name: id, arn: `arn:aws:rds:${a.region}:${a.accountId}:subgrp:${id}` }),
    },
    "aws:rds/parameterGroup:ParameterGroup": {
        id: (name, i) => i.name ?? autoName(name, "parameterGroup"),
        state: (id, _n, _i, a) => ({ name: id, arn: `arn:aws:rds:${a.region}:${a.accountId}:pg:${id}` }),
    },
    "aws:rds/instance:Instance": {
        id: (name, i) => i.identifier ?? autoName(name, "instance"),
        state: (id, name, i, a) => {
            const address = `${id}.c${digest("rds", a.accountId, a.region).slice(0, 11)}.${a.region}.rds.amazonaws.com`;
            const port = i.port ?? 5432;
            return {
                identifier: id,
                address,
                port,
                endpoint: `${address}:${port}`,
                arn: `arn:aws:rds:${a.region}:${a.accountId}:db:${id}`,
                resourceId: `db-${digest("rds-resource", name).slice(0, 26).toUpperCase()}`,
                // RDS names the managed master secret rds!db-<uuid>, plus Secrets Manager's 6-character suffix.
                masterUserSecrets: i.manageMasterUserPassword
                    ? [
                          {
                              secretArn:
                                  `arn:aws:secretsmanager:${a.region}:${a.accountId}:secret:` +
                                  `rds!db-${uuid("rds-secret", name)}-${digest("suffix", name).slice(0, 6)}`,
                              kmsKeyId: i.masterUserSecretKmsKeyId,
                              secretStatus: "active",
                          },
                      ]
                    : [],
            };
        },
    },
    "aws:opensearch/domain:Domain": {
        id: (name, i, a) => `arn:aws:es:${a.region}:${a.accountId}:domain/${i.domainName ?? autoName(name, "domain")}`,
        state: (id, _n, _i, a) => {
            const domainName = id.split("/").pop()!;
            return {
                arn: id,
                domainName,
                domainId: `${a.accountId}/${domainName}`,
                endpoint: `vpc-${domainName}-${digest("opensearch", a.accountId, domainName).slice(0, 26)}.${a.region}.es.amazonaws.com`,
            };
        },
    },
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
        // AWS picks the role's name per service; the ones this program uses, else a name in the same style.
        id: (_n, i, a) => {
            const service = String(i.awsServiceName);
            const known: Record<string, string> = {
                "opensearchservice.amazonaws.com": "AWSServiceRoleForAmazonOpenSearchService",
                "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
            };
            const role = known[service] ?? `AWSServiceRoleFor${service.split(".")[0].replace(/^./, c => c.toUpperCase())}`;
            return `arn:aws:iam::${a.accountId}:role/aws-service-role/${service}/${role}${i.customSuffix ? `_${i.customSuffix}` : ""}`;
        },
        state: id => ({ arn: id, name: id.split("/").pop() }),
    },
    // Build tooling (dev): attributes the stack outputs and the Jenkins user data read.
    "aws:ecr/repository:Repository": {
        id: (name, i) => i.name ?? autoName(name, "repository"),
        state: (id, _n, _i, a) => ({
            name: id,
            arn: `arn:aws:ecr:${a.region}:${a.accountId}:repository/${id}`,
            registryId: a.accountId,
            repositoryUrl: `${a.accountId}.dkr.ecr.${a.region}.amazonaws.com/${id}`,
        }),
    },
    "docker:index/image:Image": {
        id: (name, i) => `${i.imageName ?? name}`,
        state: (_id, name, i) => {
            const ref = String(i.imageName ?? name);
            const repo = ref.replace(/:[^/:]+$/, "");
            return { repoDigest: `${repo}@sha256:${digest("image", ref)}`, baseImageName: ref, registryServer: repo.split("/")[0] };
        },
    },
    "aws:ebs/volume:Volume": { id: name => hexId("vol-", 17, name), state: ec2Arn("volume") },
    // The proxy's ARN ends in its resource id (prx- and 17 characters), which rds-db:connect names; its endpoint
    // is <name>.proxy-<hash>.<region>.rds.amazonaws.com.
    "aws:rds/proxy:Proxy": {
        id: (name, i) => i.name ?? autoName(name, "proxy"),
        state: (id, name, _i, a) => ({
            name: id,
            arn: `arn:aws:rds:${a.region}:${a.accountId}:db-proxy:${hexId("prx-", 17, name)}`,
            endpoint: `${id}.proxy-c${digest("rds", a.accountId, a.region).slice(0, 11)}.${a.region}.rds.amazonaws.com`,
        }),
    },
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": {
        id: (_name, i) => String(i.dbProxyName),
        state: (_id, _n, i, a) => ({
            name: "default",
            arn: `arn:aws:rds:${a.region}:${a.accountId}:target-group:${hexId("prx-tg-", 17, String(i.dbProxyName))}`,
        }),
    },
    "aws:secretsmanager/secret:Secret": {
        id: (name, i, a) =>
            `arn:aws:secretsmanager:${a.region}:${a.accountId}:secret:` +
            `${i.name ?? (i.namePrefix ? `${i.namePrefix}${digest("prefix", name).slice(0, 26)}` : autoName(name, "secret"))}-` +
            digest("secret", name).slice(0, 6),
        state: id => ({ arn: id }),
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
        id: (_name, i, a) => `arn:aws:iam::${a.accountId}:oidc-provider/${String(i.url).replace(/^https:\/\//, "")}`,
        state: id => ({ arn: id }),
    },
    "aws:lb/loadBalancer:LoadBalancer": {
        id: (name, _i, a) =>
            `arn:aws:elasticloadbalancing:${a.region}:${a.accountId}:loadbalancer/app/${name.slice(0, 24)}/` +
            `${digest("alb", name).slice(0, 16)}`,
        state: (id, name, _i, a) => ({
            arn: id,
            arnSuffix: id.split(":loadbalancer/")[1],
            dnsName: `${name.slice(0, 24)}-${parseInt(digest("albdns", name).slice(0, 8), 16)}.${a.region}.elb.amazonaws.com`,
            zoneId: ALB_ZONE_IDS[a.region] ?? `Z${digest("albzone", a.region).slice(0, 13).toUpperCase()}`,
        }),
    },
    "aws:lb/targetGroup:TargetGroup": {
        id: (name, _i, a) =>
            `arn:aws:elasticloadbalancing:${a.region}:${a.accountId}:targetgroup/${name.slice(0, 24)}/${digest("tg", name).slice(0, 16)}`,
        state: id => ({ arn: id, arnSuffix: id.split(":")[5] }),
    },
    "aws:lb/listener:Listener": {
        id: (name, _i, a) =>
            `arn:aws:elasticloadbalancing:${a.region}:${a.accountId}:listener/app/${name.slice(0, 24)}/` +
            `${digest("listener", name).slice(0, 16)}`,
        state: id => ({ arn: id }),
    },
    "aws:acm/certificate:Certificate": {
        id: (name, _i, a) =>
            `arn:aws:acm:${a.region}:${a.accountId}:certificate/` +
            `${[8, 4, 4, 4, 12].map((n, k) => digest("cert", name, String(k)).slice(0, n)).join("-")}`,
        state: (id, _n, inputs) => ({
            arn: id,
            domainValidationOptions: [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])].map(domainName => ({
                domainName,
                resourceRecordName: `_${digest("acm", domainName).slice(0, 32)}.${domainName}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue:
                    `_${digest("acmv", domainName).slice(0, 32)}.` + `${digest("acmz", domainName).slice(0, 10)}.acm-validations.aws.`,
            })),
        }),
    },
    "aws:acm/certificateValidation:CertificateValidation": {
        id: (_n, i) => String(i.certificateArn),
        state: id => ({ certificateArn: id }),
    },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        id: name => hexId("lt-", 17, name),
        state: (id, _n, _i, a) => ({
            arn: `arn:aws:ec2:${a.region}:${a.accountId}:launch-template/${id}`,
            latestVersion: 1,
            defaultVersion: 1,
        }),
    },
    "aws:autoscaling/group:Group": {
        id: (name, i) => i.name ?? autoName(name, "asg"),
        state: (id, _n, _i, a) => ({
            name: id,
            arn:
                `arn:aws:autoscaling:${a.region}:${a.accountId}:autoScalingGroup:` +
                `${digest("asg", id).slice(0, 8)}-0000-4000-8000-${digest("asg", id).slice(8, 20)}:autoScalingGroupName/${id}`,
        }),
    },
    // PutScalingPolicy's PolicyARN: the policy's id and its group's name (the alarm actions of a step scale-out name it).
    "aws:autoscaling/policy:Policy": {
        id: (name, i) => i.name ?? autoName(name, "policy"),
        state: (id, _n, i, a) => ({
            name: id,
            arn:
                `arn:aws:autoscaling:${a.region}:${a.accountId}:scalingPolicy:${uuid("scaling-policy", id)}:` +
                `autoScalingGroupName/${i.autoscalingGroupName}:policyName/${id}`,
        }),
    },
    // A Pulumi Cloud team token: the value exists only in the create response, and must print as [secret].
    "pulumiservice:index:TeamAccessToken": {
        id: (name, i) => `${i.organizationName}/${i.teamName}/${digest("team-token", name).slice(0, 8)}`,
        state: (_id, name) => ({ value: `pul-${digest("team-token-value", name).slice(0, 40)}` }),
    },
    "aws:wafv2/webAcl:WebAcl": {
        id: name => [8, 4, 4, 4, 12].map((n, k) => digest("waf", name, String(k)).slice(0, n)).join("-"),
        state: (id, name, _i, a) => ({ arn: `arn:aws:wafv2:${a.region}:${a.accountId}:regional/webacl/${name}/${id}` }),
    },
};

/** Generic fallback: a hashed id, and an ARN whose service comes from the type token (aws:<service>/...). */
function genericState(type: string, name: string, a: MockAccount): { id: string; state: Record<string, unknown> } {
    const id = `${name}-${digest(type, name).slice(0, 8)}`;
    const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
    return { id, state: type.startsWith("aws:") ? { arn: `arn:aws:${service}:${a.region}:${a.accountId}:${name}/${id}` } : {} };
}

/** The AZ id prefix AWS uses for a region: eu-west-1 -> euw1, ap-southeast-2 -> apse2, ca-central-1 -> cac1. */
export function azIdPrefix(region: string): string {
    const [area, direction, number] = region.split("-");
    const short = direction.replace(/north|south|east|west|central/g, d => d[0]);
    return `${area}${short}${number}`;
}

/** Answers for the invokes the program makes; anything else throws. */
export const INVOKE_MOCKS: Record<string, InvokeHandler> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs, a) => {
        const all = availabilityZoneNames(a.region).map((name, k) => ({ name, id: `${azIdPrefix(a.region)}-az${k + 1}` }));
        // The zone-id filter, as EC2 applies it; other filters (state, opt-in) match every mocked zone.
        const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
        const byId = filters.find(f => f.name === "zone-id");
        const zones = byId ? all.filter(z => byId.values.includes(z.id)) : all;
        return {
            id: a.region,
            names: zones.map(z => z.name),
            zoneIds: zones.map(z => z.id),
            groupNames: zones.map(() => a.region),
            region: a.region,
        };
    },
    // The apt repository's pool as on dev's first deploy: empty until the release pipeline publishes.
    "aws:s3/getObjects:getObjects": inputs => ({ id: String(inputs.bucket), bucket: inputs.bucket, prefix: inputs.prefix, keys: [] }),
    "aws:index/getCallerIdentity:getCallerIdentity": (_inputs, a) => ({
        accountId: a.accountId,
        arn: `arn:aws:sts::${a.accountId}:assumed-role/deployer/twine-infra`,
        userId: `AROA${digest(a.accountId).slice(0, 17).toUpperCase()}:twine-infra`,
        id: a.accountId,
    }),
    "aws:index/getRegion:getRegion": (_inputs, a) => ({
        name: a.region,
        region: a.region,
        id: a.region,
        endpoint: `ec2.${a.region}.amazonaws.com`,
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    // A registry password: the plan must print it as [secret] wherever it flows.
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs, a) => {
        const password = `eyJwYXlsb2FkIjoi${digest("ecr-token", a.accountId).slice(0, 40)}`;
        return {
            id: a.region,
            registryId: inputs.registryId ?? a.accountId,
            userName: "AWS",
            password,
            authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
            proxyEndpoint: `https://${a.accountId}.dkr.ecr.${a.region}.amazonaws.com`,
            expiresAt: "2026-11-01T12:00:00Z",
            region: a.region,
        };
    },
    "aws:ec2/getAmi:getAmi": (inputs, a) => {
        // Only lookups by owner and a name pattern or an image id are answered: without an owner any account's image matches.
        const owners: string[] = inputs.owners ?? [];
        const filters: { name: string; values: string[] }[] = inputs.filters ?? [];
        const filter = (name: string) => filters.find(f => f.name === name)?.values;
        const namePattern = filter("name")?.[0];
        const imageId = filter("image-id")?.[0];
        if (owners.length === 0 || (!namePattern && !imageId)) {
            throw new Error(
                `getAmi without owners and a name or image-id filter is refused by the offline plan (got ${JSON.stringify(inputs)})`,
            );
        }
        // A pinned id is taken to be an image of the first owner asked about, named as the pattern asks, unless the
        // mock world knows it as someone else's (MOCK_FOREIGN_AMIS); DescribeImages then matches nothing.
        const foreign = imageId ? MOCK_FOREIGN_AMIS[imageId] : undefined;
        const id = imageId ?? hexId("ami-", 17, a.region, owners.join(","), namePattern!);
        const ownerId = foreign?.ownerId ?? owners[0];
        const name = foreign?.name ?? (namePattern ?? "image-*").replace("*", "20261101");
        const globMatches = (pattern: string) =>
            new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(name);
        if (!owners.includes(ownerId) || (namePattern && !globMatches(namePattern))) {
            // The provider's error when DescribeImages returns nothing (data source aws_ami).
            throw new Error("Your query returned no results. Please change your search criteria and try again.");
        }
        const rootVolumeGiB = foreign?.rootVolumeGiB ?? MOCK_AMI_ROOT_VOLUME_GIB[id] ?? a.imageRootVolumeGiB?.[id] ?? 8;
        return {
            id,
            imageId: id,
            name,
            ownerId,
            architecture: "x86_64",
            rootDeviceName: "/dev/sda1",
            rootDeviceType: "ebs",
            virtualizationType: "hvm",
            blockDeviceMappings: [
                {
                    deviceName: "/dev/sda1",
                    ebs: { volume_size: String(rootVolumeGiB), volume_type: "gp3", encrypted: "false", delete_on_termination: "true" },
                    noDevice: "",
                    virtualName: "",
                },
                { deviceName: "/dev/sdb", ebs: {}, noDevice: "", virtualName: "ephemeral0" },
            ],
            arn: `arn:aws:ec2:${a.region}::image/${id}`,
            state: "available",
        };
    },
};

export interface RecordedInputs {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly provider?: string;
}

/** Mocks for one stack's run. Records every resource's inputs, keyed by type and name. */
export class PlanMocks implements pulumi.runtime.Mocks {
    readonly registered = new Map<string, RecordedInputs>();
    private readonly providerAccounts = new Map<string, MockAccount>();

    constructor(
        private readonly account: MockAccount,
        private readonly upstream: ReadonlyMap<string, UpstreamStackOutputs>,
        /** The role the program runs as; getCallerIdentity answers a session of it. @default a deployer */
        private readonly callerRole?: string,
    ) {}

    /** Account and region of the provider behind a call: the one it was pinned to, or the stack's own. */
    private accountFor(providerRef: string | undefined): MockAccount {
        // A provider reference is "<urn>::<id>"; ids are ours (see RESOURCE_MOCKS), so key by id.
        const id = providerRef?.split("::").pop();
        return (id && this.providerAccounts.get(id)) || this.account;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: MockInputs } {
        const key = `${args.type}::${args.name}`;
        if (this.registered.has(key)) {
            throw new Error(`Two resources share the type and name ${key}; give one of them a distinct name`);
        }
        this.registered.set(key, { type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });

        if (args.type === "pulumi:pulumi:StackReference") {
            const stackName = String(args.inputs.name);
            const found = this.upstream.get(stackName);
            if (!found) {
                throw new Error(
                    `The offline plan has no outputs for stack ${stackName}; plan it first (it must be a stack of this project)`,
                );
            }
            return { id: stackName, state: { name: stackName, outputs: found.outputs, secretOutputNames: [...found.secretOutputNames] } };
        }
        const account = this.accountFor(args.provider);
        if (args.type === "pulumi:providers:aws") {
            const allowed = parseMaybeJson(args.inputs.allowedAccountIds);
            const pinned: MockAccount = {
                accountId: Array.isArray(allowed) && allowed.length === 1 ? String(allowed[0]) : account.accountId,
                region: String(args.inputs.region ?? account.region),
            };
            const id = RESOURCE_MOCKS[args.type].id(args.name, args.inputs, account);
            this.providerAccounts.set(id, pinned);
            return { id, state: args.inputs };
        }
        if (!args.custom) {
            return { id: undefined, state: args.inputs };
        }
        const mock = RESOURCE_MOCKS[args.type];
        if (!mock) {
            const generic = genericState(args.type, args.name, account);
            return { id: generic.id, state: { ...args.inputs, ...generic.state } };
        }
        const id = mock.id(args.name, args.inputs, account);
        return { id, state: { ...args.inputs, ...(mock.state?.(id, args.name, args.inputs, account) ?? {}) } };
    }

    /** The images upstream stacks built and their root volumes (amiId, amiRootVolumeGiB outputs). */
    private upstreamImageSizes(): ImageSizes {
        return Object.fromEntries(
            [...this.upstream.values()].flatMap(({ outputs }) =>
                typeof outputs.amiId === "string" && typeof outputs.amiRootVolumeGiB === "number"
                    ? [[outputs.amiId, outputs.amiRootVolumeGiB]]
                    : [],
            ),
        );
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const handler = INVOKE_MOCKS[args.token];
        if (!handler) {
            throw new Error(`The offline plan has no mock for the invoke ${args.token}; add an answer to INVOKE_MOCKS in plan/mocks.ts`);
        }
        const answer = handler(args.inputs, { ...this.accountFor(args.provider), imageRootVolumeGiB: this.upstreamImageSizes() });
        if (this.callerRole && args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
            return { ...answer, arn: `arn:aws:sts::${answer.accountId}:assumed-role/${this.callerRole}/plan` };
        }
        return answer;
    }
}

function parseMaybeJson(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}
