/**
 * A tenant's fair share of the fleet, from which the per-tenant WAF limit is derived: a quarter of what the largest
 * fleet serves, so whatever one tenant key sends, three quarters of the fleet's ceiling stay for everyone else. WAF
 * refuses every request of a key while its rate is over the limit (it blocks, it does not shape), so the limit
 * sits above a legitimate rush of a large tenant, which scaling absorbs; the capacity model checks both
 * (docs/app-tier.md). Pure, for the config defaults and the model.
 */

/** The share of the largest fleet's throughput one tenant key may take. */
export const FAIR_SHARE = 0.25;

/** Requests per 5 minutes one tenant key may send: FAIR_SHARE of maxSize servers at full throughput, for 300 s. */
export function fairShareLimitPer5Minutes(fleet: { readonly maxSize: number; readonly serverRequestsPerSecond: number }): number {
    // WAF's floor for a rate limit is 10 (API_RateBasedStatement).
    return Math.max(10, Math.round(fleet.maxSize * fleet.serverRequestsPerSecond * FAIR_SHARE * 300));
}
