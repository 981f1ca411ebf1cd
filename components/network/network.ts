import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy, stableJson } from "../account/iamPolicy";
import { SubnetPlan, planSubnets } from "./subnetPlan";

export type NatStrategy = "none" | "single" | "perAz";

/** The VPC's settings; config/network.ts produces them with its defaults applied. */
export interface NetworkSettings {
    /** Primary IPv4 block of the VPC, e.g. "10.20.0.0/16". */
    readonly cidr: string;
    /** Availability zones to spread each subnet tier across. */
    readonly azCount: number;
    /**
     * The zones by AZ id, in subnet order (as many as azCount): resolved to this account's names, whatever their
     * state. Defaults to the first azCount zones listed as available, which shifts during an AZ incident.
     */
    readonly zoneIds?: readonly string[];
    /** Subnet slots reserved per tier (a power of two >= azCount), so adding an AZ moves no subnet. */
    readonly azSlots: number;
    /** Prefix length of the subnets in each tier. */
    readonly subnetPrefixes: { readonly public: number; readonly private: number; readonly data: number };
    /**
     * Outbound Internet for private subnets: "none", "single" (one NAT gateway in the first AZ) or "perAz" (one per
     * AZ, so losing an AZ does not cut the others off). Data subnets never route to the Internet.
     */
    readonly natStrategy: NatStrategy;
    /** VPC flow logs to CloudWatch Logs (always on). */
    readonly flowLogs: { readonly retentionDays: number; readonly trafficType: "ALL" | "ACCEPT" | "REJECT" };
}

export interface NetworkArgs extends NetworkSettings {
    /** Region of the VPC, for the S3 gateway endpoint's service name. */
    readonly region: string;
    /** Account id, to scope the flow-log role's trust policy to this account. */
    readonly accountId: string;
}

/** One subnet tier across the AZs: its subnets and route tables, index-aligned with the AZs. */
export interface NetworkTier {
    readonly subnets: readonly aws.ec2.Subnet[];
    readonly routeTables: readonly aws.ec2.RouteTable[];
}

/**
 * A VPC laid out in three tiers across N availability zones: public (load balancers, NAT gateways, the bastion),
 * private (app servers) and data (RDS, OpenSearch; no Internet route). Also: an Internet gateway, NAT per the
 * strategy, flow logs, a default security group with no rules, and an S3 gateway endpoint on every route table.
 */
/** Zones in subnet order: this account's names, and the AZ ids (the same zone in every account). */
interface Zones {
    readonly names: string[];
    readonly ids: string[];
}

/** The zones of the pinned ids, in their order, as this account names them (the id filter ignores zone state). */
function pinnedZones(name: string, zoneIds: readonly string[], region: string, parent: pulumi.Resource): pulumi.Output<Zones> {
    const zones = aws.getAvailabilityZonesOutput(
        { allAvailabilityZones: true, filters: [{ name: "zone-id", values: [...zoneIds] }] },
        { parent },
    );
    return pulumi.all([zones.names, zones.zoneIds]).apply(([names, ids]) => {
        const byId = new Map(ids.map((id, k) => [id, names[k]]));
        const missing = zoneIds.filter(id => !byId.has(id));
        if (missing.length > 0) {
            throw new pulumi.ResourceError(
                `${name}: network.zoneIds names ${missing.join(", ")}, not zones of ${region} (it has ${ids.join(", ") || "none"}). ` +
                    "Fix: list this region's zone ids",
                parent,
            );
        }
        return { names: zoneIds.map(id => byId.get(id)!), ids: [...zoneIds] };
    });
}

/** The region's first azCount zones listed as available now (unpinned: the list shifts while a zone is impaired). */
function availableZones(name: string, azCount: number, region: string, parent: pulumi.Resource): pulumi.Output<Zones> {
    const zones = aws.getAvailabilityZonesOutput(
        { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
        { parent },
    );
    return pulumi.all([zones.names, zones.zoneIds]).apply(([names, ids]) => {
        const idOf = new Map(names.map((n, k) => [n, ids[k]]));
        const sorted = [...names].sort();
        if (sorted.length < azCount) {
            throw new pulumi.ResourceError(
                `${name}: azCount is ${azCount} but ${region} offers only ${sorted.length} zones (${sorted.join(", ")})`,
                parent,
            );
        }
        const chosen = sorted.slice(0, azCount);
        return { names: chosen, ids: chosen.map(n => idOf.get(n)!) };
    });
}

export class Network extends pulumi.ComponentResource {
    public readonly vpc: aws.ec2.Vpc;
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    public readonly availabilityZones: pulumi.Output<string[]>;
    /** The same zones by AZ id, in the same order. */
    public readonly availabilityZoneIds: pulumi.Output<string[]>;
    public readonly public: NetworkTier;
    public readonly private: NetworkTier;
    public readonly data: NetworkTier;
    public readonly natGateways: readonly aws.ec2.NatGateway[];
    /** The private route tables' default routes through NAT: traffic out of a private subnet works once these exist. */
    public readonly natRoutes: readonly aws.ec2.Route[];
    public readonly flowLogGroup: aws.cloudwatch.LogGroup;
    /** The S3 gateway endpoint: bucket policies can admit traffic from inside the VPC by its id (aws:SourceVpce). */
    public readonly s3Endpoint: aws.ec2.VpcEndpoint;
    /** The subnet layout, computed before any resource was declared. */
    public readonly subnetPlan: SubnetPlan;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:Network", name, args, opts);
        // Plan first: a layout that does not fit throws before any child resource is declared.
        this.subnetPlan = planSubnets({
            vpcCidr: args.cidr,
            azCount: args.azCount,
            azSlots: args.azSlots,
            tiers: (["public", "private", "data"] as const).map(tier => ({ name: tier, prefix: args.subnetPrefixes[tier] })),
        });
        const [publicPlan, privatePlan, dataPlan] = this.subnetPlan.tiers;

        const zones = args.zoneIds
            ? pinnedZones(name, args.zoneIds, args.region, this)
            : availableZones(name, args.azCount, args.region, this);
        this.availabilityZones = zones.names;
        this.availabilityZoneIds = zones.ids;
        const zoneAt = (i: number) => this.availabilityZones.apply(z => z[i]);

        this.vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } },
            { parent: this },
        );
        const vpcParent = { parent: this.vpc };
        this.vpcId = this.vpc.id;
        this.vpcCidr = this.vpc.cidrBlock;

        // A default security group with no rules: anything launched without an explicit group reaches nothing.
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            { vpcId: this.vpc.id, ingress: [], egress: [], tags: { Name: `${name}-default` } },
            vpcParent,
        );

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: { Name: name } }, vpcParent);

        const subnets = (tier: string, cidrs: readonly string[]) =>
            cidrs.map(
                (cidrBlock, i) =>
                    new aws.ec2.Subnet(
                        `${name}-${tier}-${i}`,
                        {
                            vpcId: this.vpc.id,
                            cidrBlock,
                            availabilityZone: zoneAt(i),
                            mapPublicIpOnLaunch: false,
                            tags: { Name: `${name}-${tier}-${i}`, Tier: tier },
                        },
                        vpcParent,
                    ),
            );
        const routeTable = (tier: string, suffix: string) =>
            new aws.ec2.RouteTable(
                `${name}-${tier}${suffix}`,
                { vpcId: this.vpc.id, tags: { Name: `${name}-${tier}${suffix}`, Tier: tier } },
                vpcParent,
            );
        const associate = (subnet: aws.ec2.Subnet, table: aws.ec2.RouteTable, resourceName: string) =>
            new aws.ec2.RouteTableAssociation(resourceName, { subnetId: subnet.id, routeTableId: table.id }, { parent: table });

        // Public tier: one route table, default route to the Internet gateway.
        const publicSubnets = subnets("public", publicPlan.subnets);
        const publicTable = routeTable("public", "");
        new aws.ec2.Route(
            `${name}-public-internet`,
            { routeTableId: publicTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
            { parent: publicTable },
        );
        publicSubnets.forEach((subnet, i) => associate(subnet, publicTable, `${name}-public-${i}`));
        this.public = { subnets: publicSubnets, routeTables: publicSubnets.map(() => publicTable) };

        // NAT gateways live in public subnets: none, the first AZ only, or one per AZ.
        const natCount = { none: 0, single: 1, perAz: args.azCount }[args.natStrategy];
        this.natGateways = publicSubnets.slice(0, natCount).map((subnet, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${name}-nat-${i}` } }, { parent: subnet });
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                { subnetId: subnet.id, allocationId: eip.id, connectivityType: "public", tags: { Name: `${name}-nat-${i}` } },
                { parent: subnet, dependsOn: [igw] },
            );
        });

        // Private tier: a route table per AZ (so switching NAT strategy never replaces tables), default route to
        // the AZ's own NAT gateway, or to the single one.
        const privateSubnets = subnets("private", privatePlan.subnets);
        const natRoutes: aws.ec2.Route[] = [];
        const privateTables = privateSubnets.map((subnet, i) => {
            const table = routeTable("private", `-${i}`);
            associate(subnet, table, `${name}-private-${i}`);
            const nat = this.natGateways[args.natStrategy === "perAz" ? i : 0];
            if (nat) {
                const route = { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id };
                natRoutes.push(new aws.ec2.Route(`${name}-private-${i}-nat`, route, { parent: table }));
            }
            return table;
        });
        this.private = { subnets: privateSubnets, routeTables: privateTables };
        this.natRoutes = natRoutes;

        // Data tier: a route table per AZ with no route out of the VPC (peering routes are added by their owners).
        const dataSubnets = subnets("data", dataPlan.subnets);
        const dataTables = dataSubnets.map((subnet, i) => {
            const table = routeTable("data", `-${i}`);
            associate(subnet, table, `${name}-data-${i}`);
            return table;
        });
        this.data = { subnets: dataSubnets, routeTables: dataTables };

        // S3 through the gateway endpoint: free, and keeps apt and AMI traffic off the NAT gateways.
        this.s3Endpoint = new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: this.vpc.id,
                serviceName: `com.amazonaws.${args.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: [publicTable, ...privateTables, ...dataTables].map(t => t.id),
                tags: { Name: `${name}-s3` },
            },
            vpcParent,
        );

        // Flow logs: a log group with retention, and a role that may write to that group only.
        this.flowLogGroup = new aws.cloudwatch.LogGroup(
            `${name}-flow-logs`,
            { name: `/twine/vpc/${name}/flow-logs`, retentionInDays: args.flowLogs.retentionDays },
            vpcParent,
        );
        const flowLogRole = new aws.iam.Role(
            `${name}-flow-logs`,
            {
                assumeRolePolicy: stableJson(serviceTrustPolicy("vpc-flow-logs.amazonaws.com", args.accountId)),
                description: `Writes ${name} VPC flow logs`,
            },
            vpcParent,
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs`,
            {
                role: flowLogRole.id,
                policy: this.flowLogGroup.arn.apply(arn =>
                    stableJson(
                        policyDocument(
                            {
                                Sid: "WriteFlowLogs",
                                Effect: "Allow",
                                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                                Resource: [arn, `${arn}:*`],
                            },
                            // DescribeLogGroups authorizes only Resource "*" (the IAM service reference lists no resource type).
                            { Sid: "FindLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
                        ),
                    ),
                ),
            },
            { parent: flowLogRole },
        );
        new aws.ec2.FlowLog(
            `${name}-flow-log`,
            {
                vpcId: this.vpc.id,
                trafficType: args.flowLogs.trafficType,
                logDestinationType: "cloud-watch-logs",
                logDestination: this.flowLogGroup.arn,
                iamRoleArn: flowLogRole.arn,
                maxAggregationInterval: 60,
                tags: { Name: name },
            },
            vpcParent,
        );

        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            availabilityZones: this.availabilityZones,
        });
    }

    /** Ids of every route table of the given tiers, deduplicated (the public tier shares one table). */
    routeTableIds(...tiers: ("public" | "private" | "data")[]): pulumi.Output<string[]> {
        const tables = [...new Set(tiers.flatMap(t => this[t].routeTables))];
        return pulumi.all(tables.map(t => t.id));
    }

    subnetIds(tier: "public" | "private" | "data"): pulumi.Output<string[]> {
        return pulumi.all(this[tier].subnets.map(s => s.id));
    }
}
