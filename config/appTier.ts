/**
 * The app tier of one environment: host names, instance type, group size, scaling targets, health check, WAF.
 * Defaults differ per account role (a small dev tier, a redundant prod tier with a warm pool).
 */
import { z } from "zod";
import { loadBalancerNameProblems } from "../components/account/awsNameConfig";
import { monthEndWindowProblems } from "../components/app/monthEndScheduleConfig";
import { warmPoolProblems } from "../components/app/warmPoolConfig";
import { fairShareLimitPer5Minutes, ipLimitPer5Minutes } from "../components/app/fairShareConfig";
import { highVolumeSourceProblems } from "../components/app/highVolumeSourceConfig";
import { ALB_BODY_INSPECTION_BYTES, webAclRuleProblems } from "../components/app/webAclConfig";
import type { AppClusterSettings } from "../components/app/appCluster";
import { EnvRole, logRetentionSchema, problem } from "./primitives";

const label = z
    .string()
    .regex(
        /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
        problem("not a DNS label", "use lower-case letters, digits and hyphens, e.g. integration"),
    );

/** "t3.medium", "m7g.large", "c6in.2xlarge": a family with a generation digit, a dot, a size. */
export const instanceTypeSchema = z
    .string()
    .regex(/^[a-z]+[0-9][a-z0-9-]*\.[a-z0-9]+$/, problem("not an EC2 instance type", "write family.size, e.g. t3.medium or m7i.large"));

export const appTierSchema = z
    .strictObject({
        hostNames: z
            .array(label)
            .min(1)
            .optional()
            .describe(
                "Names in the environment's subzone, e.g. [integration] gives integration.dev.<apex>. Defaults to the environment's name.",
            ),
        publicNames: z
            .array(label)
            .optional()
            .describe(
                "Prod only: names in the apex zone, e.g. [app] gives app.<apex>, written through the dns " +
                    "delegation role. Defaults to none.",
            ),
        instanceType: instanceTypeSchema
            .optional()
            .describe("EC2 instance type of the app servers. Defaults to t3.small in dev, m7i.large in prod."),
        minSize: z.number().int().min(0).max(500).optional().describe("Fewest servers. Defaults to 1 in dev, 3 in prod (one per AZ)."),
        maxSize: z.number().int().min(1).max(500).optional().describe("Most servers. Defaults to 3 in dev, 24 in prod."),
        desiredCapacity: z
            .number()
            .int()
            .min(0)
            .max(500)
            .optional()
            .describe("Servers at creation; target tracking owns it afterwards. Defaults to minSize."),
        instanceWarmupSeconds: z
            .number()
            .int()
            .min(0)
            .max(3600)
            .optional()
            .describe("Seconds before a new server's metrics count for scaling. Defaults to 60."),
        refreshIgnoresAlarms: z
            .boolean()
            .optional()
            .describe(
                "Start instance refreshes without the health alarms that stop them: only to roll back to a pinned previous " +
                    "image while those alarms are still in ALARM from the bad one (docs/operations.md). Defaults to false.",
            ),
        appPort: z
            .number()
            .int()
            .min(1024)
            .max(65535)
            .optional()
            .describe("Port the app listens on behind the load balancer. Defaults to 8080."),
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
            .describe("Target tracking. Defaults to 900 requests per target and 60% CPU."),
        warmPool: z
            .strictObject({
                minSize: z.number().int().min(0).max(100).describe("Stopped, pre-initialised servers kept ready at any group size."),
                maxPreparedCapacity: z
                    .number()
                    .int()
                    .min(0)
                    .max(600)
                    .optional()
                    .describe(
                        "Cap on servers in the group and the pool together; the pool shrinks as the group grows, never " +
                            "below minSize. Defaults to minSize (a pool of exactly minSize).",
                    ),
            })
            .optional()
            .describe("Warm pool so scale-out skips the launch. Defaults to 2 stopped servers in prod, none in dev."),
        rateLimitPer5Minutes: z
            .number()
            .int()
            .min(10)
            .max(2_000_000_000)
            .optional()
            .describe(
                "WAF ceiling: requests one client IP may send per 5 minutes before it is blocked, with or without a tenant " +
                    "header. Defaults to what the minimum fleet absorbs before a scale-out: minSize servers at " +
                    "serverRequestsPerSecond less the request target, less 20 % for WAF's estimation, times 300 s.",
            ),
        highVolumeSources: z
            .array(
                z.strictObject({
                    name: z.string().describe("Stable name: lower-case letters, digits and hyphens."),
                    cidrs: z.array(z.string()).describe("Its addresses, IPv4 CIDRs (a NAT address is a /32)."),
                    requestsPerSecond: z.number().positive().describe("Requests per second its addresses together may send."),
                }),
            )
            .optional()
            .describe(
                "Known high-volume customers (a company behind one NAT address): each served up to its own allowance " +
                    "instead of the per-IP ceiling and the per-tenant rule. Together at most half of what the largest " +
                    "fleet serves (maxSize x serverRequestsPerSecond x 0.5). Defaults to none.",
            ),
        tenantRateLimit: z
            .strictObject({
                key: z
                    .union([
                        z.strictObject({ host: z.literal(true) }),
                        z.strictObject({ header: z.string() }),
                        z.strictObject({ cookie: z.string() }),
                    ])
                    .optional()
                    .describe(
                        "What identifies a tenant: {host: true} (tenants on their own names), {header: X-Twine-Tenant} " +
                            "or {cookie: twine_tenant}. Defaults to the X-Twine-Tenant header.",
                    ),
                scope: z
                    .enum(["tenant-and-ip", "signed"])
                    .optional()
                    .describe(
                        "So that a forged key spends only the forger's budget: tenant-and-ip (one counter per tenant and " +
                            "client IP) or signed (the app signs the key's value). Defaults to tenant-and-ip.",
                    ),
                limitPer5Minutes: z
                    .number()
                    .int()
                    .min(10)
                    .max(2_000_000_000)
                    .optional()
                    .describe(
                        "Requests one tenant key may send per 5 minutes before the rule acts. Defaults to the fair share: " +
                            "half the per-IP ceiling (see rateLimitPer5Minutes).",
                    ),
                action: z
                    .enum(["count", "block"])
                    .optional()
                    .describe(
                        "count (metrics, sampled requests and a label only) or block (429). Defaults to block in prod, count in dev.",
                    ),
            })
            .optional()
            .describe(
                "WAF per-tenant rate rule, so that one tenant's rush cannot take the others' capacity. Defaults to " +
                    "X-Twine-Tenant with the client IP, at the fair share, blocking in prod and counting in dev.",
            ),
        serverRequestsPerSecond: z
            .number()
            .positive()
            .max(100_000)
            .optional()
            .describe(
                "Requests per second one server serves before its latency climbs (measure it with a load test); " +
                    "the fair share and the capacity model use it. Defaults to 40.",
            ),
        uploads: z
            .strictObject({
                pathPrefixes: z
                    .array(z.string())
                    .optional()
                    .describe("Path prefixes that take uploads (receipts), exempt from the body limit. Defaults to [/api/receipts]."),
                blockedPathPrefixes: z
                    .array(z.string())
                    .optional()
                    .describe(
                        "Path prefixes where an oversize body is blocked, once the app's routes are confirmed; elsewhere " +
                            "it is counted. Defaults to none (counted everywhere but the uploads).",
                    ),
                maxBodyBytes: z
                    .number()
                    .int()
                    .min(1)
                    .max(ALB_BODY_INSPECTION_BYTES)
                    .optional()
                    .describe("Largest body on every other path, in bytes, at most 8192. Defaults to 8192."),
            })
            .optional()
            .describe(
                "WAF body rules: a size limit outside the upload paths (counted until blockedPathPrefixes confirm " +
                    "routes), and the managed *_BODY rules counted on the upload paths. Defaults to 8192 bytes, /api/receipts.",
            ),
        monthEnd: z
            .strictObject({
                enabled: z
                    .boolean()
                    .optional()
                    .describe("Raise the minimum over the month's last and first working days. Defaults to true in prod, false in dev."),
                minSize: z
                    .number()
                    .int()
                    .min(1)
                    .max(500)
                    .optional()
                    .describe("The minimum during the window. Defaults to three times minSize, at most maxSize."),
                lastWorkingDays: z
                    .number()
                    .int()
                    .min(1)
                    .max(5)
                    .optional()
                    .describe("Working days at the end of the month in the window. Defaults to 2."),
                firstWorkingDays: z
                    .number()
                    .int()
                    .min(0)
                    .max(5)
                    .optional()
                    .describe("Working days at the start of the month in the window. Defaults to 1."),
                timeZone: z.string().optional().describe("IANA time zone of the hours, e.g. Europe/Paris. Defaults to UTC."),
                startHour: z
                    .number()
                    .int()
                    .min(0)
                    .max(23)
                    .optional()
                    .describe("Hour the minimum is raised, each day of the window. Defaults to 6."),
                endHour: z
                    .number()
                    .int()
                    .min(0)
                    .max(23)
                    .optional()
                    .describe("Hour it returns to normal on the window's last day. Defaults to 20."),
            })
            .optional()
            .describe("Scheduled month-end scaling (see docs/app-tier.md). On by default in prod, off in dev."),
        predictiveScaling: z
            .strictObject({
                enabled: z.boolean().optional().describe("Create a predictive scaling policy. Defaults to true in prod, false in dev."),
                mode: z
                    .enum(["ForecastOnly", "ForecastAndScale"])
                    .optional()
                    .describe("ForecastOnly until the forecasts match the traffic. Defaults to ForecastOnly."),
            })
            .optional()
            .describe(
                "Predictive scaling on the daily and weekly pattern, from 14 days of load. On (forecast only) " +
                    "by default in prod, off in dev.",
            ),
        wafLogRetentionDays: logRetentionSchema
            .optional()
            .describe("Days CloudWatch keeps the WAF's request log (aws-waf-logs-<environment>). Defaults to 30 in dev, 90 in prod."),
        accessLogRetentionDays: z
            .number()
            .int()
            .min(1)
            .max(3650)
            .optional()
            .describe("Days the load balancer's access logs are kept. Defaults to 30 in dev, 365 in prod."),
        settings: z
            .record(
                z
                    .string()
                    .regex(/^[A-Z][A-Z0-9_]*$/, problem("setting names are upper-case shell identifiers", "write e.g. FEATURE_FLAGS")),
                z.string().max(1024),
            )
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
    const maxSize = input.maxSize ?? (prod ? 24 : 3);
    const scaling = input.scaling ?? { requestsPerTarget: 900, cpuUtilizationPercent: 60 };
    const serverRequestsPerSecond = input.serverRequestsPerSecond ?? 40;
    const minimumFleet = { minSize, serverRequestsPerSecond, requestsPerTarget: scaling.requestsPerTarget };
    return {
        hostNames: input.hostNames ?? [environment],
        publicNames: input.publicNames ?? [],
        instanceType: input.instanceType ?? (prod ? "m7i.large" : "t3.small"),
        minSize,
        maxSize,
        desiredCapacity: input.desiredCapacity ?? minSize,
        instanceWarmupSeconds: input.instanceWarmupSeconds ?? 60,
        refreshIgnoresAlarms: input.refreshIgnoresAlarms ?? false,
        appPort: input.appPort ?? 8080,
        healthCheckPath: input.healthCheckPath ?? "/healthz",
        scaling,
        warmPool: input.warmPool ?? (prod ? { minSize: 2 } : undefined),
        rateLimitPer5Minutes: input.rateLimitPer5Minutes ?? ipLimitPer5Minutes(minimumFleet),
        serverRequestsPerSecond,
        highVolumeSources: input.highVolumeSources ?? [],
        tenantRateLimit: {
            key: input.tenantRateLimit?.key ?? { header: "X-Twine-Tenant" },
            scope: input.tenantRateLimit?.scope ?? "tenant-and-ip",
            limitPer5Minutes: input.tenantRateLimit?.limitPer5Minutes ?? fairShareLimitPer5Minutes(minimumFleet),
            action: input.tenantRateLimit?.action ?? (prod ? "block" : "count"),
        },
        bodySizeLimit: {
            uploadPathPrefixes: input.uploads?.pathPrefixes ?? ["/api/receipts"],
            blockedPathPrefixes: input.uploads?.blockedPathPrefixes ?? [],
            maxBytes: input.uploads?.maxBodyBytes ?? ALB_BODY_INSPECTION_BYTES,
        },
        monthEnd:
            (input.monthEnd?.enabled ?? prod)
                ? {
                      // Three times the minimum: the capacity model's month-end rush needs it (docs/app-tier.md).
                      minSize: input.monthEnd?.minSize ?? Math.min(3 * minSize, maxSize),
                      lastWorkingDays: input.monthEnd?.lastWorkingDays ?? 2,
                      firstWorkingDays: input.monthEnd?.firstWorkingDays ?? 1,
                      timeZone: input.monthEnd?.timeZone ?? "UTC",
                      startHour: input.monthEnd?.startHour ?? 6,
                      endHour: input.monthEnd?.endHour ?? 20,
                  }
                : undefined,
        predictiveScaling:
            (input.predictiveScaling?.enabled ?? prod) ? { mode: input.predictiveScaling?.mode ?? "ForecastOnly" } : undefined,
        accessLogRetentionDays: input.accessLogRetentionDays ?? (prod ? 365 : 30),
        wafLogRetentionDays: input.wafLogRetentionDays ?? (prod ? 90 : 30),
        settings: input.settings ?? {},
    };
}

/** Days CloudWatch keeps the app servers' agent logs (syslog, auth, the app's own). */
export function agentLogRetentionDays(role: "dev" | "prod"): number {
    return role === "prod" ? 365 : 90;
}

/**
 * Rules across the app tier's keys, as [path under the environment, value, message] triples, so the caller can
 * report them at the right config key.
 */
export function appTierProblems(role: EnvRole, environment: string, input: AppTierInput = {}): [string[], unknown, string][] {
    const app = withAppTierDefaults(role, environment, input);
    const problems: [string[], unknown, string][] = [];
    if (app.minSize > app.maxSize) {
        problems.push([
            ["app", "minSize"],
            app.minSize,
            problem(`minSize (${app.minSize}) should be <= maxSize (${app.maxSize})`, "raise app.maxSize or lower app.minSize"),
        ]);
    }
    if (app.desiredCapacity < app.minSize || app.desiredCapacity > app.maxSize) {
        problems.push([
            ["app", "desiredCapacity"],
            app.desiredCapacity,
            problem(
                `desiredCapacity (${app.desiredCapacity}) must lie between minSize (${app.minSize}) and maxSize (${app.maxSize})`,
                "set app.desiredCapacity within the bounds, or leave it out (it defaults to minSize)",
            ),
        ]);
    }
    if (app.scaling.requestsPerTarget === undefined && app.scaling.cpuUtilizationPercent === undefined) {
        problems.push([
            ["app", "scaling"],
            input.scaling,
            problem(
                "scaling needs at least one target, or the group never grows",
                "set app.scaling.requestsPerTarget and/or app.scaling.cpuUtilizationPercent",
            ),
        ]);
    }
    if (app.publicNames.length > 0 && role !== "prod") {
        problems.push([
            ["app", "publicNames"],
            app.publicNames,
            problem(
                "only prod may answer on names in the apex zone; the dns role of other accounts cannot write them",
                "remove app.publicNames, or use app.hostNames in this account's subzone",
            ),
        ]);
    }
    if (role === "prod" && app.minSize < 2) {
        problems.push([
            ["app", "minSize"],
            app.minSize,
            problem("production needs at least two servers in different AZs to survive losing one", "set app.minSize to 2 or more"),
        ]);
    }
    // The pool holds max(minSize, maxPreparedCapacity - desired): a cap below maxSize is how its size is bounded.
    for (const message of app.warmPool ? warmPoolProblems(app.warmPool, app) : []) {
        problems.push([
            ["app", "warmPool"],
            input.warmPool,
            problem(
                message,
                "set app.warmPool.maxPreparedCapacity between warmPool.minSize and maxSize + warmPool.minSize, or leave it out",
            ),
        ]);
    }
    if (app.monthEnd) {
        for (const message of monthEndWindowProblems(app.monthEnd, app)) {
            problems.push([["app", "monthEnd"], input.monthEnd, problem(message, "fix app.monthEnd, or set app.monthEnd.enabled: false")]);
        }
    }
    const waf = {
        rateLimitPer5Minutes: app.rateLimitPer5Minutes,
        tenantRateLimit: app.tenantRateLimit,
        bodySizeLimit: app.bodySizeLimit,
        managedRuleGroups: [],
        metricPrefix: environment,
    };
    for (const message of webAclRuleProblems(waf)) {
        problems.push([
            ["app", message.startsWith("bodySizeLimit") ? "uploads" : "tenantRateLimit"],
            message.startsWith("bodySizeLimit") ? input.uploads : input.tenantRateLimit,
            problem(message, "fix the WAF setting named"),
        ]);
    }
    for (const message of highVolumeSourceProblems(app.highVolumeSources ?? [], app)) {
        problems.push([
            ["app", "highVolumeSources"],
            input.highVolumeSources,
            problem(message, "fix app.highVolumeSources: list each source's CIDRs and an allowance the largest fleet can serve"),
        ]);
    }
    for (const message of loadBalancerNameProblems(`${environment}-alb`)) {
        problems.push([[], environment, problem(message, "rename the environment, e.g. internal-tools to tools")]);
    }
    return problems;
}
