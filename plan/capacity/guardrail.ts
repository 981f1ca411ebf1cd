/**
 * The advisory capacity guardrail of the offline plan: in a prod stack, the default month-end rush must not slow
 * the other tenants by more than MAX_LATENCY_INFLATION. Advisory: it is a model, so it warns and never fails a plan.
 */
import { parseStackConfig } from "../../config/load";
import type { Violation } from "../../policy/rules";
import { Plan } from "../run";
import { fleetsOf } from "./fromPlan";
import { CapacityResult, LoadProfile, MAX_LATENCY_INFLATION, simulate } from "./model";
import { readProfile } from "./profile";

interface EnvSettings {
    readonly name: string;
    readonly app: { readonly serverRequestsPerSecond: number };
    readonly database: { readonly poolSizePerServer?: number };
}

/** The model's results for every environment of a planned stack, under each profile (default: the month-end rush). */
export function capacityOf(
    plan: Plan,
    config: Readonly<Record<string, string>>,
    profileFile?: string,
    variants: (profile: LoadProfile) => readonly LoadProfile[] = p => [p],
): CapacityResult[] {
    const profiles = variants(readProfile(profileFile));
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
    return fleets.flatMap(fleet => profiles.map(profile => simulate(fleet, profile)));
}

/** Addresses the rushing tenant's people send from in the spread variant: a company without one NAT address. */
export const SPREAD_ADDRESSES = 25;

/**
 * The rushes the guardrail checks: the profile inside and outside the month-end window (a rush lands outside it
 * too: a tenant's own deadline, a public holiday shifting the month's end), each from the profile's addresses and
 * from SPREAD_ADDRESSES (where a counter keyed by tenant and address does not add up the tenant's total).
 */
export function guardrailProfiles(profile: LoadProfile): LoadProfile[] {
    const variants: LoadProfile[] = [];
    for (const duringMonthEnd of [true, false]) {
        const window = `${duringMonthEnd ? "inside" : "outside"} the month-end window`;
        for (const addresses of [...new Set([profile.rush.addresses, SPREAD_ADDRESSES])]) {
            variants.push({
                ...profile,
                name: `${profile.name}, ${window}, from ${addresses} address${addresses > 1 ? "es" : ""}`,
                duringMonthEnd,
                rush: { ...profile.rush, addresses },
            });
        }
    }
    return variants;
}

/** Advisories for the prod environments a guardrail rush would slow by more than the threshold, one per rush. */
export function capacityAdvisories(plan: Plan, config: Readonly<Record<string, string>>): Violation[] {
    const role = (parseStackConfig(plan.stack, config) as { accountRole?: string }).accountRole;
    if (role !== "prod") return [];
    return capacityOf(plan, config, undefined, guardrailProfiles)
        .filter(r => r.latencyInflation > MAX_LATENCY_INFLATION)
        .map(r => ({
            rule: "capacity-month-end-rush",
            control: "fairness between tenants (docs/app-tier.md)",
            level: "advisory" as const,
            urn: plan.resources.find(g => g.type === "aws:autoscaling/group:Group" && g.name === `${r.environment}-app`)?.urn ?? null,
            message:
                `the ${r.profile} slows the other tenants of ${r.environment} by ${(r.latencyInflation * 100).toFixed(1)} % ` +
                `(more than ${MAX_LATENCY_INFLATION * 100} %; saturated ${r.saturatedMinutes.toFixed(1)} min): lower ` +
                "app.scaling.requestsPerTarget (more headroom before the rush), raise app.minSize or app.monthEnd.minSize, or " +
                "set app.tenantRateLimit.scope to signed (npx twine-infra capacity)",
        }));
}
