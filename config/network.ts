/**
 * The `network` section: the account's VPC, its AZs, subnet tiers, NAT strategy and flow logs. The defaults and
 * the rules between its keys live here; config/schema.ts applies them to every role that has a network.
 */
import { z } from "zod";
import type { NatStrategy, NetworkSettings } from "../components/network/network";
import { isPrivateCidr, parseCidr } from "../components/network/cidr";
import { LARGEST_VPC_PREFIX, SMALLEST_SUBNET_PREFIX, defaultTierPrefixes, subnetPlanProblems } from "../components/network/subnetPlan";
import { AccountRole, cidrSchema, logRetentionSchema, problem } from "./primitives";
import { REGION_AZ_LETTERS } from "./regions";

export const NAT_STRATEGIES = ["none", "single", "perAz"] as const satisfies readonly NatStrategy[];

export const networkSchema = z
    .strictObject({
        cidr: cidrSchema.describe("Primary IPv4 block of the VPC, from RFC 1918 space, /16 to /28. Required."),
        azCount: z
            .number()
            .int()
            .min(1)
            .max(6)
            .describe("Availability zones to spread subnets across; at most what the region offers. Defaults to 2."),
        zoneIds: z
            .array(z.string().regex(/^[a-z]{2,4}\d+-az\d+$/, "not an availability zone id, e.g. euw1-az1"))
            .min(1)
            .max(6)
            .optional()
            .describe(
                "The zones to use, by AZ id (e.g. euw1-az1), in subnet order; as many as azCount. AZ names map to different " +
                    "zones in each account, ids do not; and a pinned list does not shift when AWS lists a zone as impaired. " +
                    "A new account: `aws ec2 describe-availability-zones --query 'AvailabilityZones[].[ZoneId,ZoneName]'` " +
                    "lists them (`npx twine-infra doctor <stack>` checks them). A deployed stack: pin the zones its subnets " +
                    "are in, in subnet order (`aws ec2 describe-subnets --filters Name=vpc-id,Values=<vpcId> --query " +
                    "'Subnets[].[AvailabilityZoneId,CidrBlock]'`), or every subnet is replaced. Defaults to the region's " +
                    "first azCount zones listed as available at each run: pin them.",
            ),
        azSlots: z
            .number()
            .int()
            .min(1)
            .max(8)
            .optional()
            .describe(
                "Subnet slots reserved per tier so adding an AZ later moves nothing; a power of two >= azCount. " +
                    "Defaults to 4 (8 when azCount > 4).",
            ),
        natStrategy: z
            .enum(NAT_STRATEGIES)
            .describe(
                "Outbound Internet for private subnets: none, single (one NAT gateway, cheap) or perAz (one per " +
                    "AZ, no cross-AZ dependency). Defaults to single.",
            ),
        subnetPrefixes: z
            .strictObject({
                public: z
                    .number()
                    .int()
                    .optional()
                    .describe("Prefix length of the public subnets (load balancers, NAT gateways, the bastion)."),
                private: z.number().int().optional().describe("Prefix length of the private (app) subnets."),
                data: z.number().int().optional().describe("Prefix length of the data subnets (RDS, OpenSearch)."),
            })
            .optional()
            .describe(
                "Prefix length per subnet tier (public, private, data). Defaults: private = VPC prefix + 3, " +
                    "public and data = VPC prefix + 5, never beyond /28.",
            ),
        flowLogs: z
            .strictObject({
                retentionDays: logRetentionSchema.describe("Days CloudWatch keeps VPC flow logs. Defaults to 90."),
                trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]).describe("Which traffic the flow logs record. Defaults to ALL."),
            })
            .partial()
            .optional()
            .describe("VPC flow logs to CloudWatch Logs; always on."),
    })
    .partial({ azCount: true, natStrategy: true })
    .describe("The account's VPC.");

export type NetworkConfigInput = z.input<typeof networkSchema>;

/** The network section with every default applied: the Network component's settings. */
export type NetworkConfig = NetworkSettings;

export function withNetworkDefaults(input: z.output<typeof networkSchema>): NetworkConfig {
    const vpc = parseCidr(input.cidr);
    const defaults = defaultTierPrefixes(typeof vpc === "string" ? LARGEST_VPC_PREFIX : vpc.prefix);
    const azCount = input.azCount ?? 2;
    return {
        cidr: input.cidr,
        azCount,
        azSlots: input.azSlots ?? (azCount > 4 ? 8 : 4),
        ...(input.zoneIds ? { zoneIds: input.zoneIds } : {}),
        natStrategy: input.natStrategy ?? "single",
        subnetPrefixes: { ...defaults, ...stripUndefined(input.subnetPrefixes ?? {}) },
        flowLogs: { retentionDays: input.flowLogs?.retentionDays ?? 90, trafficType: input.flowLogs?.trafficType ?? "ALL" },
    };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Rules that need several keys at once, applied to every role that has a network. */
export function checkNetwork(
    value: { region: string; network: z.output<typeof networkSchema> },
    ctx: z.RefinementCtx,
    role: AccountRole,
): void {
    const network = withNetworkDefaults(value.network);
    const vpc = parseCidr(network.cidr);
    if (typeof vpc === "string") {
        return; // already reported by the field's own schema
    }
    if (!isPrivateCidr(vpc) || vpc.prefix < LARGEST_VPC_PREFIX || vpc.prefix > SMALLEST_SUBNET_PREFIX) {
        ctx.addIssue({
            code: "custom",
            path: ["network", "cidr"],
            input: network.cidr,
            message: problem(
                "a VPC block must be RFC 1918 private space between /16 and /28",
                "pick a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, e.g. 10.20.0.0/16",
            ),
        });
        return;
    }
    const offered = REGION_AZ_LETTERS[value.region]?.length;
    if (offered !== undefined && network.azCount > offered) {
        ctx.addIssue({
            code: "custom",
            path: ["network", "azCount"],
            input: network.azCount,
            message: problem(
                `${value.region} offers ${offered} availability zones, not ${network.azCount}`,
                `set network.azCount to ${offered} or fewer`,
            ),
        });
        return;
    }
    const ids = network.zoneIds;
    if (ids && (ids.length !== network.azCount || new Set(ids).size !== ids.length)) {
        ctx.addIssue({
            code: "custom",
            path: ["network", "zoneIds"],
            input: ids,
            message: problem(
                `${ids.length} zone ids (${ids.join(", ")}) for azCount ${network.azCount}; each zone once, one per AZ`,
                "list exactly azCount distinct zone ids",
            ),
        });
    }
    if (role !== "bastion" && network.natStrategy === "none") {
        ctx.addIssue({
            code: "custom",
            path: ["network", "natStrategy"],
            input: network.natStrategy,
            message: problem(
                "app hosts in private subnets need outbound access to reach SSM, CloudWatch and the apt repository",
                "use single (dev) or perAz (prod)",
            ),
        });
    }
    const problems = subnetPlanProblems({
        vpcCidr: network.cidr,
        azCount: network.azCount,
        azSlots: network.azSlots,
        tiers: (["public", "private", "data"] as const).map(name => ({ name, prefix: network.subnetPrefixes[name] })),
    });
    for (const reason of problems) {
        ctx.addIssue({
            code: "custom",
            path: ["network"],
            input: value.network,
            message: problem(
                reason,
                "give the VPC a larger block (smaller prefix), use fewer AZ slots, or set smaller network.subnetPrefixes",
            ),
        });
    }
}
