/**
 * The advisory capacity guardrail of the offline plan: in a prod stack, the default month-end rush and the
 * one-address rush must not slow the other tenants by more than MAX_LATENCY_INFLATION, and a rushing tenant whose
 * demand fits the fleet's maximum must be served. Advisory: it is a model, so it warns and never fails a plan.
 */
import { parseStackConfig } from "../../config/load";
import type { Violation } from "../../policy/rules";
import { Plan } from "../run";
import { fleetsOf } from "./fromPlan";
import * as path from "path";
import { CapacityResult, LoadProfile, MAX_FITTING_RUSH_REFUSED, MAX_LATENCY_INFLATION, simulate } from "./model";
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

/** The one-address rush the guardrail always runs: a company behind one NAT address at 200 requests/s. */
export const ONE_ADDRESS_PROFILE = path.join(__dirname, "one-address-rush.yaml");

const inWindow = (profile: LoadProfile, duringMonthEnd: boolean, suffix = ""): LoadProfile => ({
    ...profile,
    name: `${profile.name}, ${duringMonthEnd ? "inside" : "outside"} the month-end window${suffix}`,
    duringMonthEnd,
});

/**
 * The rushes the guardrail checks: the profile inside and outside the month-end window (a rush lands outside it
 * too: a tenant's own deadline, a public holiday shifting the month's end), each from the profile's addresses and
 * from SPREAD_ADDRESSES (where a counter keyed by tenant and address does not add up the tenant's total); and the
 * one-address rush (ONE_ADDRESS_PROFILE) inside and outside the window, whatever the profile's addresses.
 */
export function guardrailProfiles(profile: LoadProfile): LoadProfile[] {
    const variants: LoadProfile[] = [];
    for (const duringMonthEnd of [true, false]) {
        for (const addresses of [...new Set([profile.rush.addresses, SPREAD_ADDRESSES])]) {
            const from = `, from ${addresses} address${addresses > 1 ? "es" : ""}`;
            variants.push(inWindow({ ...profile, rush: { ...profile.rush, addresses } }, duringMonthEnd, from));
        }
    }
    const oneAddress = readProfile(ONE_ADDRESS_PROFILE);
    return [...variants, inWindow(oneAddress, true), inWindow(oneAddress, false)];
}

/** Whether the rushing tenant was locked out: refused more than near zero although its demand fits the fleet's maximum. */
export function lockedOut(result: CapacityResult): boolean {
    return (
        result.rushPeakRequestsPerSecond <= result.rushFairShareRequestsPerSecond &&
        result.throttledRequests > MAX_FITTING_RUSH_REFUSED * result.rushRequests
    );
}

/** Advisories for the prod environments a guardrail rush would slow by more than the threshold, one per rush. */
export function capacityAdvisories(plan: Plan, config: Readonly<Record<string, string>>): Violation[] {
    const role = (parseStackConfig(plan.stack, config) as { accountRole?: string }).accountRole;
    if (role !== "prod") return [];
    const results = capacityOf(plan, config, undefined, guardrailProfiles);
    const advisory = (r: CapacityResult, rule: string, message: string): Violation => ({
        rule,
        control: "fairness between tenants (docs/app-tier.md)",
        level: "advisory" as const,
        urn: plan.resources.find(g => g.type === "aws:autoscaling/group:Group" && g.name === `${r.environment}-app`)?.urn ?? null,
        message,
    });
    const slowed = results
        .filter(r => r.latencyInflation > MAX_LATENCY_INFLATION)
        .map(r =>
            advisory(
                r,
                "capacity-month-end-rush",
                `the ${r.profile} slows the other tenants of ${r.environment} by ${(r.latencyInflation * 100).toFixed(1)} % ` +
                    `(more than ${MAX_LATENCY_INFLATION * 100} %; saturated ${r.saturatedMinutes.toFixed(1)} min): lower ` +
                    "app.scaling.requestsPerTarget (more headroom before the rush), raise app.minSize or app.monthEnd.minSize, or " +
                    "set app.tenantRateLimit.scope to signed (npx twine-infra capacity)",
            ),
        );
    const refused = results
        .filter(lockedOut)
        .map(r =>
            advisory(
                r,
                "capacity-tenant-locked-out",
                `the ${r.profile} has the rushing tenant of ${r.environment} refused ${r.throttledRequests} of its ` +
                    `${r.rushRequests} requests, though its ${r.rushPeakRequestsPerSecond.toFixed(0)} requests/s fit its fair share of ` +
                    `the largest fleet (${r.rushFairShareRequestsPerSecond.toFixed(0)} requests/s): WAF blocks a key over its limit, ` +
                    "it cannot slow it down; raise app.rateLimitPer5Minutes and app.tenantRateLimit.limitPer5Minutes or drop them " +
                    "for the defaults, which follow the largest fleet (npx twine-infra capacity)",
            ),
        );
    return [...slowed, ...refused];
}
