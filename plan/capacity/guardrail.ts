/**
 * The advisory capacity guardrail of the offline plan: in a prod stack, none of its rushes (guardrailProfiles) may
 * slow the other tenants by more than MAX_LATENCY_INFLATION in the model, and a rush within what the WAF rules admit
 * for it must be served. Advisory: it is a model, so it warns and never fails a plan.
 */
import { parseStackConfig } from "../../config/load";
import type { Violation } from "../../policy/rules";
import { Plan } from "../run";
import { fleetsOf } from "./fromPlan";
import * as path from "path";
import {
    CapacityResult,
    FleetModel,
    LoadProfile,
    MAX_FITTING_RUSH_REFUSED,
    MAX_LATENCY_INFLATION,
    simulate,
    TIMINGS,
    WAF_SLOW_DETECTION,
} from "./model";
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
    variants: (profile: LoadProfile, fleet: FleetModel) => readonly LoadProfile[] = p => [p],
): CapacityResult[] {
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
    return fleets.flatMap(fleet => variants(profile, fleet).map(p => simulate(fleet, p)));
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

/** The default profile's rush, its peak set to `requestsPerSecond` (a WAF limit), renamed. */
const rushAt = (profile: LoadProfile, name: string, requestsPerSecond: number, rush: Partial<LoadProfile["rush"]>): LoadProfile => ({
    ...profile,
    name,
    rush: { ...profile.rush, ...rush, multiplier: requestsPerSecond / profile.rush.requestsPerSecond },
});

/**
 * The rushes the guardrail checks, each inside and outside the month-end window (a rush lands outside it too: a
 * tenant's own deadline, a public holiday shifting the month's end), and each with WAF acting after 30 s and after
 * WAF_SLOW_DETECTION (AWS says blocking can lag by several minutes):
 * - the profile, from its addresses and from SPREAD_ADDRESSES (where a counter keyed by tenant and address does
 *   not add up the tenant's total);
 * - one address without a tenant header at the per-address ceiling (the tenant rule omits requests without its key);
 * - a tenant at its key limit, from one address;
 * - each listed high-volume source at its allowance;
 * - an unlisted company behind one NAT address at 200 requests/s (ONE_ADDRESS_PROFILE): refused by the ceiling, and
 *   the others must not feel what WAF admits before it acts.
 */
export function guardrailProfiles(profile: LoadProfile, fleet: FleetModel): LoadProfile[] {
    const rushes: LoadProfile[] = [...new Set([profile.rush.addresses, SPREAD_ADDRESSES])].map(addresses => ({
        ...profile,
        name: `${profile.name}, from ${addresses} address${addresses > 1 ? "es" : ""}`,
        rush: { ...profile.rush, addresses },
    }));
    rushes.push(
        rushAt(profile, "one address without a tenant header at the per-address ceiling", fleet.ipLimitPer5Minutes / 300, {
            addresses: 1,
            tenantHeader: false,
        }),
    );
    if (fleet.tenantLimit) {
        rushes.push(rushAt(profile, "a tenant at its key limit", fleet.tenantLimit.limitPer5Minutes / 300, { addresses: 1 }));
    }
    for (const source of fleet.highVolumeSources ?? []) {
        rushes.push(
            rushAt(profile, `the high-volume source ${source.name} at its allowance`, source.limitPer5Minutes / 300, {
                addresses: 1,
                source: source.name,
            }),
        );
    }
    rushes.push(readProfile(ONE_ADDRESS_PROFILE));
    return rushes.flatMap(rush =>
        [true, false].flatMap(duringMonthEnd =>
            [TIMINGS.wafDetection, WAF_SLOW_DETECTION].map(delay =>
                inWindow({ ...rush, wafDetectionSeconds: delay }, duringMonthEnd, `, WAF acting after ${delay} s`),
            ),
        ),
    );
}

/** Whether the rushing tenant was locked out: refused more than near zero although its demand is within what WAF admits for it. */
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
                    `${r.rushRequests} requests, though its ${r.rushPeakRequestsPerSecond.toFixed(0)} requests/s are within what the ` +
                    `WAF rules admit for it (${r.rushFairShareRequestsPerSecond.toFixed(0)} requests/s): WAF blocks a key over its ` +
                    "limit, it cannot slow it down; list a known high-volume customer in app.highVolumeSources with an allowance " +
                    "above its peak (npx twine-infra capacity)",
            ),
        );
    return [...slowed, ...refused];
}
