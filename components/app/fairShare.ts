/**
 * A tenant's fair share of the fleet, from which the per-tenant WAF limit is derived: the headroom the minimum
 * fleet has above its scaling target. One tenant may add that much load on its own; beyond it, the others would
 * share saturated servers until scale-out catches up (minutes, docs/app-tier.md). Pure, for the config defaults
 * and the capacity model.
 */

/** The requests per second one server serves at the request-count scaling target (requests per target per minute). */
export function targetRequestsPerSecond(fleet: {
    readonly scaling: { readonly requestsPerTarget?: number };
    readonly serverRequestsPerSecond: number;
}) {
    // With CPU tracking alone, 60 % of a server's throughput stands in for the target.
    return fleet.scaling.requestsPerTarget !== undefined ? fleet.scaling.requestsPerTarget / 60 : 0.6 * fleet.serverRequestsPerSecond;
}

/** Requests per 5 minutes one tenant key may send: the minimum fleet's headroom above its scaling target. */
export function fairShareLimitPer5Minutes(fleet: {
    readonly minSize: number;
    readonly serverRequestsPerSecond: number;
    readonly scaling: { readonly requestsPerTarget?: number };
}): number {
    const headroom = fleet.minSize * Math.max(0, fleet.serverRequestsPerSecond - targetRequestsPerSecond(fleet));
    // WAF's floor for a rate limit is 10 (API_RateBasedStatement).
    return Math.max(10, Math.round(headroom * 300));
}
