/**
 * What a reviewer reads first in a plan: per environment, the names it serves and the size of each tier, and the
 * account's network. Derived from the plan's resources (what the program declared), not from the config.
 */
import { Plan, PlannedResource } from "./run";

/** The group of resources that belong to no single environment: the network, the baseline, build tooling. */
export const STACK_WIDE = "stack-wide";

/** Environment names of an env stack, from its `environments` output; none for dns and bastion. */
export function environmentNames(plan: Pick<Plan, "outputs">): string[] {
    const envs = plan.outputs.environments;
    return envs && typeof envs === "object" && !Array.isArray(envs) ? Object.keys(envs).sort() : [];
}

function tagValue(tags: unknown, key: string): string | undefined {
    if (Array.isArray(tags)) {
        const tag = tags.find(t => t && typeof t === "object" && (t as { key?: unknown }).key === key) as { value?: unknown } | undefined;
        return typeof tag?.value === "string" ? tag.value : undefined;
    }
    const value = tags && typeof tags === "object" ? (tags as Record<string, unknown>)[key] : undefined;
    return typeof value === "string" ? value : undefined;
}

/**
 * The environment of every resource, by URN: the TwineEnvironment tag of the resource or its nearest ancestor
 * that has one, else an environment whose name the resource's own name starts with (components are named
 * `<env>`, `<env>-database`...), else its parent's; STACK_WIDE when none applies.
 */
export function environmentOf(plan: Pick<Plan, "resources" | "outputs">): Map<string, string> {
    const envs = environmentNames(plan);
    const byUrn = new Map(plan.resources.map(r => [r.urn, r]));
    const memo = new Map<string, string>();
    const own = (r: PlannedResource): string | undefined => {
        const tagged = tagValue(r.inputs.tags, "TwineEnvironment");
        if (tagged && envs.includes(tagged)) return tagged;
        return envs.find(e => r.name === e || r.name.startsWith(`${e}-`));
    };
    const resolve = (r: PlannedResource): string => {
        const known = memo.get(r.urn);
        if (known) return known;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        const env = own(r) ?? (parent ? resolve(parent) : STACK_WIDE);
        memo.set(r.urn, env);
        return env;
    };
    for (const r of plan.resources) resolve(r);
    return memo;
}

export interface NetworkSummary {
    readonly vpcCidr: string;
    readonly availabilityZones: readonly string[];
    readonly natGateways: number;
}

export interface EnvironmentSummary {
    readonly name: string;
    readonly resources: number;
    readonly hostNames: readonly string[];
    readonly app?: { readonly instanceType: string; readonly minSize: number; readonly maxSize: number; readonly warmPool: number };
    /** Absent when the environment shares another's data tier. */
    readonly database?: { readonly instanceClass: string; readonly multiAz: boolean; readonly storageGiB: number };
    readonly search?: { readonly instanceType: string; readonly instanceCount: number; readonly dedicatedMasters: number };
}

export interface StackSummary {
    readonly stack: string;
    readonly resources: number;
    readonly network?: NetworkSummary;
    readonly environments: readonly EnvironmentSummary[];
}

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));

export function summarizePlan(plan: Plan): StackSummary {
    const envOf = environmentOf(plan);
    const ofType = (type: string, env?: string) =>
        plan.resources.filter(r => r.type === type && (env === undefined || envOf.get(r.urn) === env));
    const vpc = ofType("aws:ec2/vpc:Vpc")[0];
    const network = vpc && {
        vpcCidr: String(vpc.inputs.cidrBlock),
        availabilityZones: [...new Set(ofType("aws:ec2/subnet:Subnet").map(s => String(s.inputs.availabilityZone)))].sort(),
        natGateways: ofType("aws:ec2/natGateway:NatGateway").length,
    };
    const environments = environmentNames(plan).map((name): EnvironmentSummary => {
        const group = ofType("aws:autoscaling/group:Group", name)[0];
        const template = ofType("aws:ec2/launchTemplate:LaunchTemplate", name)[0];
        const db = ofType("aws:rds/instance:Instance", name)[0];
        const domain = ofType("aws:opensearch/domain:Domain", name)[0];
        const cluster = (domain?.inputs.clusterConfig ?? {}) as Record<string, unknown>;
        const warmPool = group?.inputs.warmPool as { minSize?: number } | undefined;
        return {
            name,
            resources: plan.resources.filter(r => envOf.get(r.urn) === name).length,
            hostNames: ofType("aws:route53/record:Record", name)
                .filter(r => r.inputs.type === "A")
                .map(r => String(r.inputs.name))
                .sort(),
            ...(group && {
                app: {
                    instanceType: String(template?.inputs.instanceType ?? "?"),
                    minSize: num(group.inputs.minSize),
                    maxSize: num(group.inputs.maxSize),
                    warmPool: warmPool ? num(warmPool.minSize) : 0,
                },
            }),
            ...(db && {
                database: {
                    instanceClass: String(db.inputs.instanceClass),
                    multiAz: db.inputs.multiAz === true,
                    storageGiB: num(db.inputs.allocatedStorage),
                },
            }),
            ...(domain && {
                search: {
                    instanceType: String(cluster.instanceType),
                    instanceCount: num(cluster.instanceCount ?? 1),
                    dedicatedMasters: cluster.dedicatedMasterEnabled ? num(cluster.dedicatedMasterCount) : 0,
                },
            }),
        };
    });
    return { stack: plan.stack, resources: plan.resources.length, ...(network && { network }), environments };
}

/** The summary as the text output opens with it. */
export function renderSummary(summary: StackSummary): string[] {
    const lines = [`Stack ${summary.stack}: ${summary.resources} resources`];
    if (summary.network) {
        const n = summary.network;
        lines.push(
            `  network: VPC ${n.vpcCidr}, ${n.availabilityZones.length} AZs (${n.availabilityZones.join(", ")}), ` +
                `${n.natGateways} NAT gateway${n.natGateways === 1 ? "" : "s"}`,
        );
    }
    const SHARED = "shared with another environment";
    const masters = (n: number) => (n ? `, ${n} dedicated masters` : "");
    for (const env of summary.environments) {
        const { database, search } = env;
        lines.push(`  environment ${env.name} (${env.resources} resources)`);
        lines.push(`    hosts:    ${env.hostNames.join(", ") || "none"}`);
        if (env.app) {
            const pool = env.app.warmPool > 0 ? `warm pool of ${env.app.warmPool}` : "no warm pool";
            lines.push(`    app:      ${env.app.instanceType}, ${env.app.minSize} to ${env.app.maxSize} servers, ${pool}`);
        }
        lines.push(
            `    database: ${
                database
                    ? `${database.instanceClass}, ${database.multiAz ? "Multi-AZ" : "single AZ"}, ` + `${database.storageGiB} GiB`
                    : SHARED
            }`,
        );
        lines.push(
            `    search:   ${search ? `${search.instanceCount} x ${search.instanceType}${masters(search.dedicatedMasters)}` : SHARED}`,
        );
    }
    return lines;
}
