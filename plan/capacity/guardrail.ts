/**
 * The advisory capacity guardrail of the offline plan: in a prod stack, the default month-end rush must not slow
 * the other tenants by more than MAX_LATENCY_INFLATION. Advisory: it is a model, so it warns and never fails a plan.
 */
import { parseStackConfig } from "../../config/load";
import type { Violation } from "../../policy/rules";
import { Plan } from "../run";
import { fleetsOf } from "./fromPlan";
import { CapacityResult, MAX_LATENCY_INFLATION, simulate } from "./model";
import { readProfile } from "./profile";

interface EnvSettings {
    readonly name: string;
    readonly app: { readonly serverRequestsPerSecond: number };
    readonly database: { readonly poolSizePerServer?: number };
}

/** The model's results for every environment of a planned stack, under a profile (default: the month-end rush). */
export function capacityOf(plan: Plan, config: Readonly<Record<string, string>>, profileFile?: string): CapacityResult[] {
    const profile = readProfile(profileFile);
    const parsed = parseStackConfig(plan.stack, config) as { environments?: readonly EnvSettings[]; region?: string };
    const environments = new Map((parsed.environments ?? []).map(e => [e.name, e]));
    const fleets = fleetsOf(
        plan,
        env => ({
            serverRequestsPerSecond: environments.get(env)?.app.serverRequestsPerSecond ?? 40,
            poolSizePerServer: environments.get(env)?.database.poolSizePerServer,
        }),
        parsed.region,
    );
    return fleets.map(fleet => simulate(fleet, profile));
}

/** Advisories for the prod environments the default rush would slow by more than the threshold. */
export function capacityAdvisories(plan: Plan, config: Readonly<Record<string, string>>): Violation[] {
    const role = (parseStackConfig(plan.stack, config) as { accountRole?: string }).accountRole;
    if (role !== "prod") return [];
    return capacityOf(plan, config)
        .filter(r => r.latencyInflation > MAX_LATENCY_INFLATION)
        .map(r => ({
            rule: "capacity-month-end-rush",
            control: "fairness between tenants (docs/app-tier.md)",
            level: "advisory" as const,
            urn: plan.resources.find(g => g.type === "aws:autoscaling/group:Group" && g.name === `${r.environment}-app`)?.urn ?? null,
            message:
                `the default month-end rush slows the other tenants of ${r.environment} by ${(r.latencyInflation * 100).toFixed(1)} % ` +
                `(more than ${MAX_LATENCY_INFLATION * 100} %; saturated ${r.saturatedMinutes.toFixed(1)} min): raise ` +
                "app.monthEnd.minSize or the warm pool, or lower app.tenantRateLimit.limitPer5Minutes (npx twine-infra capacity)",
        }));
}
