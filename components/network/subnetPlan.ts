/**
 * The CIDR planner behind the Network component: lays out each subnet tier (public, private, data) across
 * availability zones inside the VPC block. Pure functions, no resources; exported for property tests.
 *
 * Layout rules, chosen so that a plan never moves a subnet that already exists:
 * - every tier gets one aligned block holding `azSlots` equal subnets (room for more AZs than are used today),
 *   so adding an AZ later only fills a reserved slot;
 * - tiers are placed in the order given, each at the first aligned free position, so appending a tier only
 *   uses free space and never shifts an earlier one.
 */
import { Cidr, blockSize, cidrSize, cidrsOverlap, formatCidr, parseCidr } from "./cidr";

export interface SubnetTierRequest {
    /** Tier name, e.g. "public". */
    readonly name: string;
    /** Prefix length of each subnet in the tier, e.g. 24 for /24 subnets. */
    readonly prefix: number;
}

export interface SubnetPlanRequest {
    readonly vpcCidr: string;
    /** Availability zones in use; subnets are created for slots 0..azCount-1. */
    readonly azCount: number;
    /** Slots reserved per tier; a power of two, at least azCount. */
    readonly azSlots: number;
    readonly tiers: readonly SubnetTierRequest[];
}

export interface PlannedTier {
    readonly name: string;
    /** The aligned block reserved for the tier (all slots). */
    readonly block: string;
    /** One subnet CIDR per AZ in use, in AZ order. */
    readonly subnets: readonly string[];
}

export interface SubnetPlan {
    readonly vpcCidr: string;
    readonly tiers: readonly PlannedTier[];
}

/** AWS refuses subnets smaller than /28 and VPCs outside /16../28. */
export const SMALLEST_SUBNET_PREFIX = 28;
export const LARGEST_VPC_PREFIX = 16;

function isPowerOfTwo(n: number): boolean {
    return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/**
 * Default subnet sizes for a VPC of the given prefix: private (app) subnets get an eighth of the VPC each,
 * public and data subnets a thirty-second, never smaller than AWS allows. With 4 slots per tier that uses
 * three quarters of the VPC and leaves a quarter for a future tier.
 */
export function defaultTierPrefixes(vpcPrefix: number): { public: number; private: number; data: number } {
    const clamp = (p: number) => Math.min(p, SMALLEST_SUBNET_PREFIX);
    return { public: clamp(vpcPrefix + 5), private: clamp(vpcPrefix + 3), data: clamp(vpcPrefix + 5) };
}

type Placement = { plan: SubnetPlan; problems: readonly string[] };

function place(request: SubnetPlanRequest): Placement {
    const problems: string[] = [];
    const vpc = parseCidr(request.vpcCidr);
    if (typeof vpc === "string") {
        return { plan: { vpcCidr: request.vpcCidr, tiers: [] }, problems: [vpc] };
    }
    if (!Number.isInteger(request.azCount) || request.azCount < 1) {
        problems.push(`azCount must be a whole number of at least 1, got ${request.azCount}`);
    }
    if (!isPowerOfTwo(request.azSlots) || request.azSlots < request.azCount) {
        problems.push(`azSlots (${request.azSlots}) must be a power of two and at least azCount (${request.azCount})`);
    }
    const names = request.tiers.map(t => t.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) {
        problems.push(`tier "${duplicate}" is listed twice`);
    }
    if (problems.length > 0) {
        return { plan: { vpcCidr: request.vpcCidr, tiers: [] }, problems };
    }

    const slotBits = Math.log2(request.azSlots);
    const taken: Cidr[] = [];
    const tiers: PlannedTier[] = [];
    const needed = request.tiers.reduce((sum, t) => sum + blockSize(t.prefix) * request.azSlots, 0);
    for (const tier of request.tiers) {
        if (!Number.isInteger(tier.prefix) || tier.prefix > SMALLEST_SUBNET_PREFIX || tier.prefix <= vpc.prefix) {
            problems.push(
                `tier "${tier.name}": subnet prefix /${tier.prefix} must be longer than the VPC's /${vpc.prefix} ` +
                    `and at most /${SMALLEST_SUBNET_PREFIX} (the smallest subnet AWS allows)`,
            );
            continue;
        }
        const blockPrefix = tier.prefix - slotBits;
        const size = blockSize(blockPrefix);
        let block: Cidr | undefined;
        if (blockPrefix >= vpc.prefix) {
            for (let base = vpc.base; base + size <= vpc.base + cidrSize(vpc); base += size) {
                const candidate = { base, prefix: blockPrefix };
                if (!taken.some(t => cidrsOverlap(t, candidate))) {
                    block = candidate;
                    break;
                }
            }
        }
        if (!block) {
            problems.push(
                `tier "${tier.name}" needs a /${blockPrefix} block (${request.azSlots} slots of /${tier.prefix}) but it ` +
                    `does not fit: VPC ${formatCidr(vpc)} has ${cidrSize(vpc)} addresses and the tiers require ${needed}`,
            );
            continue;
        }
        taken.push(block);
        const subnetSize = blockSize(tier.prefix);
        const subnets: string[] = [];
        for (let az = 0; az < request.azCount; az++) {
            subnets.push(formatCidr({ base: block.base + az * subnetSize, prefix: tier.prefix }));
        }
        tiers.push({ name: tier.name, block: formatCidr(block), subnets });
    }
    return { plan: { vpcCidr: formatCidr(vpc), tiers }, problems };
}

/** Every reason the request cannot be planned; empty when it can. Used by config validation. */
export function subnetPlanProblems(request: SubnetPlanRequest): readonly string[] {
    return place(request).problems;
}

/** Plans the subnets, or throws one error listing every problem. */
export function planSubnets(request: SubnetPlanRequest): SubnetPlan {
    const { plan, problems } = place(request);
    if (problems.length > 0) {
        throw new Error(`Invalid subnet plan for VPC ${request.vpcCidr}:\n - ${problems.join("\n - ")}`);
    }
    return plan;
}
