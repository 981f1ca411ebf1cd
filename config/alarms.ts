/**
 * `environments.<env>.alarms`: who is told when the environment is unwell, and the thresholds that decide it. Every
 * threshold has a default that says why (docs/operations.md); a value out of range, or a subscription that is
 * neither an e-mail address nor an HTTPS URL, is refused like any bad config.
 */
import { z } from "zod";
import type { AlarmThresholds, Subscription } from "../components/operations/alarmConfig";
import { EnvRole, SECRET_PLACEHOLDER, problem } from "./primitives";

const email = z
    .string()
    .regex(
        /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
        problem("not an e-mail address", "write one address, e.g. oncall@example.com (SNS sends it a confirmation link)"),
    );
/** An https:// URL with a host. */
export function isHttpsUrl(value: string): boolean {
    try {
        const url = new URL(value);
        return url.protocol === "https:" && url.hostname.length > 0;
    } catch {
        return false;
    }
}

const https = z.string().refine(
    isHttpsUrl,
    // SNS delivers to http:// as well, in clear text; an alert's body names resources and must not travel so.
    { message: problem("not an HTTPS URL", "write https://host/path (plain http is refused: alerts name resources)") },
);

const percent = (what: string) => z.number().min(1).max(100).describe(`${what}, in percent (1 to 100).`);

export const alarmsSchema = z
    .strictObject({
        subscriptions: z
            .array(z.union([z.strictObject({ email }), z.strictObject({ https })]))
            .optional()
            .describe(
                "Who the environment's alarm topic notifies: {email: address} (confirmed by a link SNS sends) or " +
                    "{https: url} (a webhook without a token in it; one with a token goes in pagingWebhook, as a secret). " +
                    "Defaults to none; a prod environment needs one, or the stack's pagingWebhook.",
            ),
        loadBalancer5xxPerMinute: z
            .number()
            .int()
            .min(1)
            .max(100000)
            .optional()
            .describe("5xx answers the load balancer itself gives per minute, 5 minutes running. Defaults to 10."),
        target5xxPerMinute: z
            .number()
            .int()
            .min(1)
            .max(100000)
            .optional()
            .describe("5xx answers from the app servers per minute, 5 minutes running. Defaults to 10."),
        errorRatePercent: z
            .number()
            .min(0.1)
            .max(100)
            .optional()
            .describe(
                "5xx answers (load balancer and app) as a percent of requests over 5 minutes, judged from errorRateMinRequests " +
                    "requests: pages a quiet environment the per-minute counts never reach. Defaults to 5.",
            ),
        errorRateMinRequests: z
            .number()
            .int()
            .min(1)
            .max(1_000_000)
            .optional()
            .describe("Requests in 5 minutes below which the 5xx ratio is not judged. Defaults to 20."),
        latencyP99Seconds: z
            .number()
            .min(0.05)
            .max(60)
            .optional()
            .describe("99th percentile of the servers' response time, 5 minutes running. Defaults to 2."),
        databaseCpuPercent: percent("Database CPU, averaged over 15 minutes")
            .optional()
            .describe("Database CPU over 15 minutes. Defaults to 80."),
        databaseFreeStoragePercent: percent("Database free storage")
            .optional()
            .describe("Free database storage, as a percent of allocatedStorageGiB, 15 minutes running. Defaults to 10."),
        databaseConnectionsPercent: percent("Database connections against the engine's max_connections")
            .optional()
            .describe("Database connections as a percent of the instance's max_connections. Defaults to 80."),
        databaseMaxConnections: z
            .number()
            .int()
            .min(1)
            .max(100000)
            .optional()
            .describe(
                "The instance's max_connections, when its class is not in the built-in table (docs/operations.md). " +
                    "Defaults to the engine's formula over the class's memory.",
            ),
        searchFreeStoragePercent: percent("Search free storage per node")
            .optional()
            .describe("Free storage of the emptiest search node, as a percent of volumeSizeGiB. Defaults to 25."),
        searchJvmPressurePercent: percent("Search JVM memory pressure")
            .optional()
            .describe("JVM memory pressure of the busiest search node, 3 minutes running. Defaults to 95."),
        tenantRuleRequests: z
            .number()
            .int()
            .min(0)
            .max(2_000_000_000)
            .optional()
            .describe("Requests the per-tenant WAF rule may count (or block) in 5 minutes before the alarm. Defaults to 0."),
    })
    .describe("Alarms of the environment: subscriptions and thresholds (docs/operations.md says why each default).");

export type AlarmsInput = z.output<typeof alarmsSchema>;

/** The alarms with every default applied: the subscriptions and the thresholds AlarmPlan reads. */
export interface AlarmsConfig {
    readonly subscriptions: readonly Subscription[];
    readonly thresholds: AlarmThresholds;
}

export const pagingWebhookSchema = z
    .string()
    .optional()
    .describe(
        "The paging service's HTTPS webhook, token included, that every alarm topic of the stack notifies (each " +
            "environment's and the account's). A secret: set it with pulumi config set --secret pagingWebhook <url>; " +
            "a plain value is refused. Defaults to none.",
    );

/**
 * Why a prod environment may not go without anyone to page: its topic would have no subscriber, and its alarms
 * would change state in the console only. Undefined when someone is told (its own subscription, or the stack's
 * pagingWebhook, which every topic of the stack notifies).
 */
export function unsubscribedProblem(role: EnvRole, input: AlarmsInput | undefined, pagingWebhook: boolean): string | undefined {
    if (role !== "prod" || pagingWebhook || (input?.subscriptions?.length ?? 0) > 0) return undefined;
    return problem(
        "a prod environment's alarms would reach nobody: its topic has no subscription and the stack sets no pagingWebhook",
        "add alarms.subscriptions: [{email: <on-call address>}], or set the paging service's webhook: " +
            'pulumi config set --secret pagingWebhook https://... (docs/operations.md, "Who is paged")',
    );
}

/**
 * Problems with the stack's pagingWebhook, never quoting it (the URL holds the paging service's token): it must be
 * a Pulumi secret, so it is encrypted in the stack file and in state, and an HTTPS URL.
 */
export function pagingWebhookProblems(value: string | undefined, secret: boolean): string[] {
    if (value === undefined) return [];
    if (!secret)
        return [
            problem(
                "the paging webhook's URL carries its token, and a plain value lands in git and in the state in clear text",
                "remove it from the stack file and run pulumi config set --secret pagingWebhook <url>",
            ),
        ];
    if (value !== SECRET_PLACEHOLDER && !isHttpsUrl(value))
        return [
            problem(
                "not an HTTPS URL (the value is a secret and not shown)",
                "set https://host/path with pulumi config set --secret pagingWebhook <url>",
            ),
        ];
    return [];
}

export function withAlarmDefaults(_role: EnvRole, input: AlarmsInput = {}): AlarmsConfig {
    return {
        subscriptions: (input.subscriptions ?? []).map(s =>
            "email" in s ? { protocol: "email", endpoint: s.email } : { protocol: "https", endpoint: s.https },
        ),
        thresholds: {
            loadBalancer5xxPerMinute: input.loadBalancer5xxPerMinute ?? 10,
            target5xxPerMinute: input.target5xxPerMinute ?? 10,
            errorRatePercent: input.errorRatePercent ?? 5,
            errorRateMinRequests: input.errorRateMinRequests ?? 20,
            latencyP99Seconds: input.latencyP99Seconds ?? 2,
            databaseCpuPercent: input.databaseCpuPercent ?? 80,
            databaseFreeStoragePercent: input.databaseFreeStoragePercent ?? 10,
            databaseConnectionsPercent: input.databaseConnectionsPercent ?? 80,
            databaseMaxConnections: input.databaseMaxConnections,
            searchFreeStoragePercent: input.searchFreeStoragePercent ?? 25,
            searchJvmPressurePercent: input.searchJvmPressurePercent ?? 95,
            tenantRuleRequests: input.tenantRuleRequests ?? 0,
        },
    };
}
