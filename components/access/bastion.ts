import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BastionEgressRule, Forward } from "./accessGrantsConfig";
import { BastionUser, renderBastionUserData } from "./bastionCloudConfig";
import { cidrKey, cidrSize, formatAddress, mustParseCidr } from "../network/cidr";
import { ec2TrustPolicy, policyDocument, stableJson } from "../account/iamPolicy";

/** Ports the bastion itself reaches on the Internet: apt (Ubuntu mirrors serve http) and AWS APIs (https). */
export const BASTION_INTERNET_EGRESS_PORTS = [80, 443] as const;

/** Host index of the bastion's fixed private address in its subnet: past the 4 addresses AWS reserves, inside a /28. */
export const BASTION_HOST_INDEX = 10;

/**
 * The bastion's private address: fixed, so a replaced host keeps it and the environments' "SSH from the bastion"
 * rules (/32) stay true.
 */
export function bastionPrivateIp(subnetCidr: string): string {
    const subnet = mustParseCidr(subnetCidr);
    if (cidrSize(subnet) < 16) {
        throw new Error(`bastionPrivateIp: subnet ${subnetCidr} is smaller than a /28; AWS subnets are /28 or larger`);
    }
    return formatAddress(subnet.base + BASTION_HOST_INDEX);
}

export interface BastionArgs {
    /** VPC of the bastion. */
    readonly vpcId: pulumi.Input<string>;
    /** Public subnet the bastion runs in (it has its own Elastic IP; no NAT is needed). */
    readonly subnetId: pulumi.Input<string>;
    /** That subnet's block; the host takes its fixed address in it (see bastionPrivateIp). */
    readonly subnetCidr: string;
    /**
     * AMI to boot. A change replaces the host. Not ignored: ignoreChanges also holds on a replacement, so a change of
     * people or keys would relaunch the first deploy's AMI, however old, instead of the one the plan shows.
     */
    readonly amiId: pulumi.Input<string>;
    /** EC2 instance type; must match the AMI's architecture. */
    readonly instanceType: string;
    /** IPv4 ranges admitted on port 22; the caller has refused 0.0.0.0/0 and ::/0. Required, at least one. */
    readonly sshAllowedCidrs: readonly string[];
    /** People who may log in, with their public keys. Required, at least one. */
    readonly users: readonly BastionUser[];
    /** Each user's allowed forwards (access/accessGrantsConfig.bastionForwards), by name. @default - nobody forwards anywhere */
    readonly forwards?: Readonly<Record<string, readonly Forward[]>>;
    /** Egress toward the peered accounts (accessGrantsConfig.bastionEgressRules): this component owns them. @default - none */
    readonly egress?: readonly BastionEgressRule[];
    /** The bastion's own route tables, where the peered accounts' blocks are routed. */
    readonly routeTableIds?: readonly pulumi.Input<string>[];
    /**
     * Routes to each peered account through its peering connection, once the account's stack has created it
     * (its peeringConnectionId output, read by stacks/peerOutputs.ts). @default - none
     */
    readonly peerRoutes?: readonly { readonly peer: string; readonly cidr: string; readonly peeringConnectionId: string }[];
    /** Fully qualified host name, e.g. bastion.twinehr.com. */
    readonly hostName: string;
    /** Days CloudWatch keeps the SSH logs. */
    readonly logRetentionDays: number;
    /** Region and account of the bastion, for the recover action and the instance role's trust policy. */
    readonly region: string;
    readonly accountId: string;
    /**
     * Where to publish `hostName` as an A record to the Elastic IP: a zone in another account and the provider that
     * may write it there. @default - no DNS record
     */
    readonly dnsRecord?: { readonly zoneId: pulumi.Input<string>; readonly provider: aws.Provider };
}

/**
 * The single SSH entry point: a hardened Ubuntu instance (IMDSv2 only, encrypted root volume, termination
 * protection, automatic recovery), an Elastic IP and its DNS name, SSH only from the configured ranges, people and
 * keys installed by cloud-init, and auth/session logs shipped to CloudWatch. Egress to peered VPCs on port 22 is
 * added by the environments themselves (through the bastion's peering roles); here egress is apt and AWS APIs only.
 */
export class Bastion extends pulumi.ComponentResource {
    public readonly instance: aws.ec2.Instance;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly eip: aws.ec2.Eip;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly publicIp: pulumi.Output<string>;
    public readonly privateIp: pulumi.Output<string>;

    constructor(name: string, args: BastionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:Bastion", name, args, opts);
        if (args.sshAllowedCidrs.length === 0 || args.users.length === 0) {
            throw new pulumi.ResourceError(`${name}: a bastion needs at least one SSH source range and one user`, this);
        }
        const parent = { parent: this };

        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, description: `SSH bastion ${args.hostName}`, tags: { Name: `${name}-bastion` } },
            parent,
        );
        const sgParent = { parent: this.securityGroup };
        // Keyed by the block: removing one range renames and replaces no other rule.
        args.sshAllowedCidrs.forEach(
            cidr =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-ssh-${cidrKey(cidr)}`,
                    {
                        securityGroupId: this.securityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: 22,
                        toPort: 22,
                        cidrIpv4: cidr,
                        description: `SSH from ${cidr}`,
                    },
                    sgParent,
                ),
        );
        for (const port of BASTION_INTERNET_EGRESS_PORTS) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-egress-${port}`,
                {
                    securityGroupId: this.securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                    description: port === 80 ? "apt mirrors" : "AWS APIs, apt over https",
                },
                sgParent,
            );
        }

        // Toward the peered accounts: the ports someone is granted there, keyed by value (account and port).
        for (const rule of args.egress ?? []) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-to-${rule.key}`,
                {
                    securityGroupId: this.securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: rule.port,
                    toPort: rule.port,
                    cidrIpv4: rule.cidr,
                    description: rule.description,
                },
                sgParent,
            );
        }
        // Routes to each peered account, in the bastion's own tables and by this stack only: no environment's role
        // may change them (EC2 cannot scope a route by destination, so such a role could change the other's).
        for (const route of args.peerRoutes ?? []) {
            [...new Set(args.routeTableIds ?? [])].forEach(
                (routeTableId, i) =>
                    new aws.ec2.Route(
                        `${name}-route-${route.peer}-${i}`,
                        { routeTableId, destinationCidrBlock: route.cidr, vpcPeeringConnectionId: route.peeringConnectionId },
                        parent,
                    ),
            );
        }

        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-ssh-logs`,
            { name: `/twine/bastion/${name}/ssh`, retentionInDays: args.logRetentionDays },
            parent,
        );

        // The instance may write its own logs and nothing else.
        const role = new aws.iam.Role(
            `${name}-instance`,
            { assumeRolePolicy: stableJson(ec2TrustPolicy()), description: `Bastion ${args.hostName}: ships SSH logs` },
            parent,
        );
        new aws.iam.RolePolicy(
            `${name}-logs`,
            {
                role: role.id,
                policy: this.logGroup.arn.apply(arn =>
                    stableJson(
                        policyDocument({
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                            Resource: [arn, `${arn}:*`],
                        }),
                    ),
                ),
            },
            { parent: role },
        );
        const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name }, { parent: role });

        this.instance = new aws.ec2.Instance(
            `${name}-host`,
            {
                ami: args.amiId,
                instanceType: args.instanceType,
                subnetId: args.subnetId,
                privateIp: bastionPrivateIp(args.subnetCidr),
                vpcSecurityGroupIds: [this.securityGroup.id],
                iamInstanceProfile: profile.name,
                userData: renderBastionUserData({
                    users: args.users,
                    forwards: args.forwards,
                    hostName: args.hostName,
                    logGroupName: `/twine/bastion/${name}/ssh`,
                    region: args.region,
                }),
                // cloud-init installs users and keys on a new instance only, so a change of people or keys replaces the
                // host (same private IP, same Elastic IP and name; a minute without SSH).
                userDataReplaceOnChange: true,
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                    instanceMetadataTags: "disabled",
                },
                rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 16, deleteOnTermination: true },
                // Termination protection stops a terminate by hand; forceDestroy lets the replacement above through.
                disableApiTermination: true,
                forceDestroy: true,
                maintenanceOptions: { autoRecovery: "default" },
                // Burstable types only: a bastion that runs out of credits slows down rather than billing more.
                creditSpecification: /^t\d/.test(args.instanceType) ? { cpuCredits: "standard" } : undefined,
                tags: { Name: args.hostName },
                volumeTags: { Name: args.hostName },
            },
            // The fixed private IP must be free before the new host starts: delete, then create.
            { parent: this, dependsOn: [this.logGroup], deleteBeforeReplace: true },
        );

        this.eip = new aws.ec2.Eip(
            `${name}-eip`,
            { domain: "vpc", instance: this.instance.id, tags: { Name: args.hostName } },
            { parent: this.instance },
        );
        this.publicIp = this.eip.publicIp;
        this.privateIp = this.instance.privateIp;

        // Recover onto healthy hardware when the host's system status check fails (the instance keeps its id, IPs
        // and volume). Simplified automatic recovery (maintenanceOptions) covers the same case; the alarm makes it
        // explicit and visible.
        new aws.cloudwatch.MetricAlarm(
            `${name}-recover`,
            {
                alarmDescription: `Recover ${args.hostName} when its system status check fails`,
                namespace: "AWS/EC2",
                metricName: "StatusCheckFailed_System",
                dimensions: { InstanceId: this.instance.id },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 2,
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                alarmActions: [`arn:aws:automate:${args.region}:ec2:recover`],
            },
            { parent: this.instance },
        );

        if (args.dnsRecord) {
            new aws.route53.Record(
                `${name}-dns`,
                { zoneId: args.dnsRecord.zoneId, name: args.hostName, type: "A", ttl: 300, records: [this.eip.publicIp] },
                { parent: this.eip, provider: args.dnsRecord.provider },
            );
        }

        this.registerOutputs({ publicIp: this.publicIp, privateIp: this.privateIp, securityGroupId: this.securityGroup.id });
    }
}
