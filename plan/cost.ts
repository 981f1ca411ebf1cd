/**
 * The fixed monthly cost of what a plan declares, per environment and for the stack: instances (an auto-scaling
 * group at its minimum size), NAT gateways, load balancers, RDS, OpenSearch, EBS, public IPv4 addresses, KMS keys,
 * WAF web ACLs and hosted zones, priced from plan/prices.ts. What it leaves out is listed in LEFT_OUT.
 */
import { HOURS_PER_MONTH, LEFT_OUT, Price, PRICES, priceOf } from "./prices";
import { Plan, PlannedResource } from "./run";
import { STACK_WIDE, environmentOf } from "./summary";

export interface CostLine {
    readonly group: string;
    /** The resource the charge comes from, as "name (type)". */
    readonly resource: string;
    readonly what: string;
    readonly usdPerMonth: number;
}

export interface CostEstimate {
    readonly stack: string;
    readonly region: string;
    readonly usdPerMonth: number;
    /** Per environment (and STACK_WIDE), in the order the summary prints them. */
    readonly groups: readonly { readonly name: string; readonly usdPerMonth: number }[];
    readonly lines: readonly CostLine[];
    /** Charges the table has no price for, e.g. "ec2:c7i.large in eu-west-1". */
    readonly unpriced: readonly string[];
    /** The groups (environments, STACK_WIDE) with such a charge: their totals leave it out. */
    readonly unpricedGroups: readonly string[];
    readonly leftOut: string;
}

const num = (v: unknown, fallback = 0): number => (v === undefined || v === null || v === "" ? fallback : Number(v));

interface Charge {
    readonly item: string;
    readonly quantity: number;
    readonly what: string;
}

/** The volumes a launch template gives each server, from its block device mappings. */
function templateVolumes(template: PlannedResource | undefined): { type: string; gib: number }[] {
    const mappings = (template?.inputs.blockDeviceMappings ?? []) as { ebs?: { volumeSize?: unknown; volumeType?: unknown } }[];
    return mappings.filter(m => m.ebs).map(m => ({ type: String(m.ebs!.volumeType ?? "gp3"), gib: num(m.ebs!.volumeSize) }));
}

/** What one resource costs per month, before prices: an item of the table and how many of it. */
function chargesOf(r: PlannedResource, plan: Plan): Charge[] {
    const i = r.inputs;
    switch (r.type) {
        case "aws:autoscaling/group:Group": {
            // The group's launch template is its sibling (same component); the minimum is what always runs.
            const template = plan.resources.find(t => t.type === "aws:ec2/launchTemplate:LaunchTemplate" && t.parent === r.parent);
            const running = num(i.minSize);
            const warm = num((i.warmPool as { minSize?: unknown } | undefined)?.minSize);
            const type = String(template?.inputs.instanceType ?? "unknown");
            const volumes = templateVolumes(template);
            return [
                { item: `ec2:${type}`, quantity: running * HOURS_PER_MONTH, what: `${running} x ${type} (minimum size)` },
                // Stopped warm-pool servers pay for their volumes only.
                ...volumes.map(v => ({
                    item: `ebs:${v.type}`,
                    quantity: (running + warm) * v.gib,
                    what: `${running + warm} x ${v.gib} GiB ${v.type}${warm ? ` (${warm} in the warm pool)` : ""}`,
                })),
            ];
        }
        case "aws:ec2/instance:Instance": {
            const root = (i.rootBlockDevice ?? {}) as { volumeSize?: unknown; volumeType?: unknown };
            return [
                { item: `ec2:${String(i.instanceType)}`, quantity: HOURS_PER_MONTH, what: String(i.instanceType) },
                ...(root.volumeSize
                    ? [
                          {
                              item: `ebs:${String(root.volumeType ?? "gp3")}`,
                              quantity: num(root.volumeSize),
                              what: `${num(root.volumeSize)} GiB root volume`,
                          },
                      ]
                    : []),
            ];
        }
        case "aws:ebs/volume:Volume":
            return [
                { item: `ebs:${String(i.type ?? "gp3")}`, quantity: num(i.size), what: `${num(i.size)} GiB ${String(i.type ?? "gp3")}` },
            ];
        case "aws:ec2/natGateway:NatGateway":
            return [{ item: "natGateway", quantity: HOURS_PER_MONTH, what: "NAT gateway" }];
        case "aws:ec2/eip:Eip":
            return [{ item: "publicIpv4", quantity: HOURS_PER_MONTH, what: "public IPv4 address" }];
        case "aws:lb/loadBalancer:LoadBalancer": {
            const kind = i.loadBalancerType === "network" ? "nlb" : "alb";
            return [
                { item: kind, quantity: HOURS_PER_MONTH, what: kind === "nlb" ? "network load balancer" : "application load balancer" },
            ];
        }
        case "aws:rds/instance:Instance": {
            const copies = i.multiAz === true ? 2 : 1;
            const az = copies === 2 ? "Multi-AZ" : "single AZ";
            return [
                {
                    item: `rds:${String(i.engine)}:${String(i.instanceClass)}`,
                    quantity: copies * HOURS_PER_MONTH,
                    what: `${String(i.instanceClass)}, ${az}`,
                },
                {
                    item: `rds:${String(i.storageType ?? "gp3")}`,
                    quantity: copies * num(i.allocatedStorage),
                    what: `${num(i.allocatedStorage)} GiB storage, ${az}`,
                },
            ];
        }
        case "aws:opensearch/domain:Domain": {
            const c = (i.clusterConfig ?? {}) as Record<string, unknown>;
            const nodes = num(c.instanceCount, 1);
            const masters = c.dedicatedMasterEnabled ? num(c.dedicatedMasterCount) : 0;
            const ebs = (i.ebsOptions ?? {}) as { volumeSize?: unknown; volumeType?: unknown };
            return [
                {
                    item: `opensearch:${String(c.instanceType)}`,
                    quantity: nodes * HOURS_PER_MONTH,
                    what: `${nodes} x ${String(c.instanceType)} data nodes`,
                },
                ...(masters
                    ? [
                          {
                              item: `opensearch:${String(c.dedicatedMasterType)}`,
                              quantity: masters * HOURS_PER_MONTH,
                              what: `${masters} x ${String(c.dedicatedMasterType)} masters`,
                          },
                      ]
                    : []),
                {
                    item: `opensearch:${String(ebs.volumeType ?? "gp3")}`,
                    quantity: nodes * num(ebs.volumeSize),
                    what: `${nodes} x ${num(ebs.volumeSize)} GiB storage`,
                },
            ];
        }
        case "aws:kms/key:Key":
            return [{ item: "kms:key", quantity: 1, what: "KMS key" }];
        case "aws:wafv2/webAcl:WebAcl": {
            const rules = Array.isArray(i.rules) ? i.rules.length : 0;
            return [
                { item: "waf:webAcl", quantity: 1, what: "web ACL" },
                { item: "waf:rule", quantity: rules, what: `${rules} rules` },
            ];
        }
        case "aws:route53/zone:Zone":
            return [{ item: "route53:zone", quantity: 1, what: "hosted zone" }];
        default:
            return [];
    }
}

/** The region of the stack's own AWS provider (the one named after the stack), else of any AWS provider. */
function regionOf(plan: Plan): string {
    const providers = plan.resources.filter(r => r.type === "pulumi:providers:aws");
    const own = providers.find(p => p.name === plan.stack) ?? providers[0];
    return String(own?.inputs.region ?? "us-east-1");
}

const cents = (usd: number) => Math.round(usd * 100) / 100;

export function estimateCost(plan: Plan, prices: readonly Price[] = PRICES): CostEstimate {
    const region = regionOf(plan);
    const envOf = environmentOf(plan);
    const lines: CostLine[] = [];
    const unpriced = new Set<string>();
    const unpricedGroups = new Set<string>();
    for (const r of plan.resources) {
        for (const charge of chargesOf(r, plan)) {
            if (charge.quantity === 0) continue;
            const price = priceOf(charge.item, region, prices);
            if (!price) {
                unpriced.add(`${charge.item} in ${region}`);
                unpricedGroups.add(envOf.get(r.urn) ?? STACK_WIDE);
                continue;
            }
            // Quantities are already in the price's unit: hours in a month, GiB, or items per month.
            lines.push({
                group: envOf.get(r.urn) ?? STACK_WIDE,
                resource: `${r.name} (${r.type})`,
                what: charge.what,
                usdPerMonth: cents(charge.quantity * price.usd),
            });
        }
    }
    const totals = new Map<string, number>();
    for (const l of lines) totals.set(l.group, (totals.get(l.group) ?? 0) + l.usdPerMonth);
    const groups = [...totals]
        .sort((a, b) => (a[0] === STACK_WIDE ? 1 : b[0] === STACK_WIDE ? -1 : a[0].localeCompare(b[0])))
        .map(([name, usd]) => ({ name, usdPerMonth: cents(usd) }));
    return {
        stack: plan.stack,
        region,
        usdPerMonth: cents(lines.reduce((n, l) => n + l.usdPerMonth, 0)),
        groups,
        lines,
        unpriced: [...unpriced].sort(),
        unpricedGroups: [...unpricedGroups].sort(),
        leftOut: LEFT_OUT,
    };
}

export const usd = (n: number): string => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The estimate as the text output prints it. */
export function renderCost(cost: CostEstimate, detail = true): string[] {
    const lines = [
        `Estimated fixed monthly cost of ${cost.stack} (${cost.region}, on-demand list prices from plan/prices.ts): ` +
            usd(cost.usdPerMonth),
    ];
    for (const g of cost.groups) {
        lines.push(`  ${g.name.padEnd(14)} ${usd(g.usdPerMonth).padStart(12)}`);
        if (!detail) continue;
        for (const l of cost.lines.filter(x => x.group === g.name))
            lines.push(`      ${usd(l.usdPerMonth).padStart(10)}  ${l.what}: ${l.resource}`);
    }
    if (cost.unpriced.length > 0) lines.push(`  not counted, no price in plan/prices.ts: ${cost.unpriced.join(", ")}`);
    lines.push(`  leaves out ${cost.leftOut}`);
    return lines;
}
