/**
 * The app tier of one environment: host names, instance type, group size, scaling targets, health check, WAF.
 * Defaults differ per account role (a small dev tier, a redundant prod tier with a warm pool).
 */
import { z } from "zod";
import type { AppClusterSettings } from "../components/app/appCluster";
import { EnvRole, problem } from "./primitives";

const label = z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, problem("not a DNS label", "use lower-case letters, digits and hyphens, e.g. integration"));

/** "t3.medium", "m7g.large", "c6in.2xlarge": a family with a generation digit, a dot, a size. */
export const instanceTypeSchema = z
    .string()
    .regex(/^[a-z]+[0-9][a-z0-9-]*\.[a-z0-9]+$/, problem("not an EC2 instance type", "write family.size, e.g. t3.medium or m7i.large"));

export const appTierSchema = z
    .strictObject({
        hostNames: z.array(label).min(1).optional().describe("Names in the environment's subzone, e.g. [integration] gives integration.dev.<apex>. Defaults to the environment's name."),
        publicNames: z.array(label).optional().describe("Prod only: names in the apex zone, e.g. [app] gives app.<apex>, written through the dns delegation role. Defaults to none."),
        instanceType: instanceTypeSchema.optional().describe("EC2 instance type of the app servers. Defaults to t3.small in dev, m7i.large in prod."),
        minSize: z.number().int().min(0).max(500).optional().describe("Fewest servers. Defaults to 1 in dev, 3 in prod (one per AZ)."),
        maxSize: z.number().int().min(1).max(500).optional().describe("Most servers. Defaults to 3 in dev, 24 in prod."),
        desiredCapacity: z.number().int().min(0).max(500).optional().describe("Servers at creation; target tracking owns it afterwards. Defaults to minSize."),
        instanceWarmupSeconds: z.number().int().min(0).max(3600).optional().describe("Seconds before a new server's metrics count for scaling. Defaults to 60."),
        appPort: z.number().int().min(1024).max(65535).optional().describe("Port the app listens on behind the load balancer. Defaults to 8080."),
        healthCheckPath: z
            .string()
            .regex(/^\/[\x21-\x7e]*$/, problem("a health-check path starts with / and has no spaces", "write a path such as /healthz"))
            .optional()
            .describe("Path the load balancer probes. Defaults to /healthz."),
        scaling: z
            .strictObject({
                requestsPerTarget: z.number().int().min(1).optional().describe("Target ALB requests per server per minute."),
                cpuUtilizationPercent: z.number().min(10).max(90).optional().describe("Target average CPU percent."),
            })
            .optional()
            .describe("Target tracking. Defaults to 1000 requests per target and 60% CPU."),
        warmPool: z
            .strictObject({
                minSize: z.number().int().min(0).max(100).describe("Stopped, pre-initialised servers kept ready."),
                maxPreparedCapacity: z.number().int().min(0).max(500).optional().describe("Cap on running + warm servers. Defaults to maxSize."),
            })
            .optional()
            .describe("Warm pool so scale-out skips the boot. Defaults to 2 stopped servers in prod, none in dev."),
        rateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000).optional().describe("WAF: requests one client IP may send per 5 minutes before it is blocked. Defaults to 3000."),
        accessLogRetentionDays: z.number().int().min(1).max(3650).optional().describe("Days the load balancer's access logs are kept. Defaults to 30 in dev, 365 in prod."),
        settings: z
            .record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, problem("setting names are upper-case shell identifiers", "write e.g. FEATURE_FLAGS")), z.string().max(1024))
            .optional()
            .describe("Extra environment settings written to /etc/twine/environment at boot. Never secrets. Defaults to none."),
    })
    .describe("The app tier: load balancer, WAF and auto-scaling group.");

export type AppTierInput = z.output<typeof appTierSchema>;

/** The app tier with every default applied: the AppCluster settings, plus the names and settings the stack maps. */
export interface AppTierConfig extends AppClusterSettings {
    /** Labels in the environment's subzone. */
    readonly hostNames: readonly string[];
    /** Labels in the apex zone (prod only). */
    readonly publicNames: readonly string[];
    readonly settings: Readonly<Record<string, string>>;
}

export function withAppTierDefaults(role: EnvRole, environment: string, input: AppTierInput = {}): AppTierConfig {
    const prod = role === "prod";
    const minSize = input.minSize ?? (prod ? 3 : 1);
    return {
        hostNames: input.hostNames ?? [environment],
        publicNames: input.publicNames ?? [],
        instanceType: input.instanceType ?? (prod ? "m7i.large" : "t3.small"),
        minSize,
        maxSize: input.maxSize ?? (prod ? 24 : 3),
        desiredCapacity: input.desiredCapacity ?? minSize,
        instanceWarmupSeconds: input.instanceWarmupSeconds ?? 60,
        appPort: input.appPort ?? 8080,
        healthCheckPath: input.healthCheckPath ?? "/healthz",
        scaling: input.scaling ?? { requestsPerTarget: 1000, cpuUtilizationPercent: 60 },
        warmPool: input.warmPool ?? (prod ? { minSize: 2 } : undefined),
        rateLimitPer5Minutes: input.rateLimitPer5Minutes ?? 3000,
        accessLogRetentionDays: input.accessLogRetentionDays ?? (prod ? 365 : 30),
        settings: input.settings ?? {},
    };
}

/**
 * Rules across the app tier's keys, as [path under the environment, value, message] triples, so the caller can
 * report them at the right config key.
 */
export function appTierProblems(role: EnvRole, environment: string, input: AppTierInput = {}): [string[], unknown, string][] {
    const app = withAppTierDefaults(role, environment, input);
    const problems: [string[], unknown, string][] = [];
    if (app.minSize > app.maxSize) {
        problems.push([["app", "minSize"], app.minSize, problem(`minSize (${app.minSize}) should be <= maxSize (${app.maxSize})`, "raise app.maxSize or lower app.minSize")]);
    }
    if (app.desiredCapacity < app.minSize || app.desiredCapacity > app.maxSize) {
        problems.push([["app", "desiredCapacity"], app.desiredCapacity, problem(`desiredCapacity (${app.desiredCapacity}) must lie between minSize (${app.minSize}) and maxSize (${app.maxSize})`, "set app.desiredCapacity within the bounds, or leave it out (it defaults to minSize)")]);
    }
    if (app.scaling.requestsPerTarget === undefined && app.scaling.cpuUtilizationPercent === undefined) {
        problems.push([["app", "scaling"], input.scaling, problem("scaling needs at least one target, or the group never grows", "set app.scaling.requestsPerTarget and/or app.scaling.cpuUtilizationPercent")]);
    }
    if (app.publicNames.length > 0 && role !== "prod") {
        problems.push([["app", "publicNames"], app.publicNames, problem("only prod may answer on names in the apex zone; the dns role of other accounts cannot write them", "remove app.publicNames, or use app.hostNames in this account's subzone")]);
    }
    if (role === "prod" && app.minSize < 2) {
        problems.push([["app", "minSize"], app.minSize, problem("production needs at least two servers in different AZs to survive losing one", "set app.minSize to 2 or more")]);
    }
    if (app.warmPool?.maxPreparedCapacity !== undefined && app.warmPool.maxPreparedCapacity < app.maxSize) {
        problems.push([["app", "warmPool", "maxPreparedCapacity"], app.warmPool.maxPreparedCapacity, problem(`maxPreparedCapacity (${app.warmPool.maxPreparedCapacity}) below maxSize (${app.maxSize}) leaves no room for warm servers`, "leave it out (defaults to maxSize) or raise it")]);
    }
    return problems;
}
