/**
 * The WAF's rate limits, derived in one place from the fleet that is always running (minSize servers), not from
 * the largest: a limit from maxSize lets one key saturate the servers that exist when its rush starts, long before
 * scaling adds the rest. The headroom is what the minimum fleet serves above its scaling target, i.e. what it can
 * absorb before a scale-out arrives. WAF refuses every request of a key while its rate is over the limit (it blocks,
 * it does not shape), so a key over its limit is refused in full: the capacity model shows both sides
 * (docs/app-tier.md). Pure, for the config defaults and the model.
 */

/** The share of the minimum fleet's headroom one tenant key may take: two rushing tenants together still fit. */
export const FAIR_SHARE = 0.5;

export interface MinimumFleet {
    readonly minSize: number;
    /** Requests per second one server serves before its latency climbs. */
    readonly serverRequestsPerSecond: number;
    /** Target tracking's requests per target per minute, when the group tracks requests. */
    readonly requestsPerTarget?: number;
}

/** Requests per second the minimum fleet serves above its scaling target (all of it without a request target). */
export function minimumFleetHeadroom(fleet: MinimumFleet): number {
    const target = fleet.requestsPerTarget !== undefined ? fleet.requestsPerTarget / 60 : 0;
    return fleet.minSize * Math.max(0, fleet.serverRequestsPerSecond - target);
}

// WAF's floor for a rate limit is 10 (API_RateBasedStatement).
const per5Minutes = (requestsPerSecond: number) => Math.max(10, Math.round(requestsPerSecond * 300));

/** The per-client-IP ceiling: one address (which may carry several tenants) may take the whole headroom, no more. */
export function ipLimitPer5Minutes(fleet: MinimumFleet): number {
    return per5Minutes(minimumFleetHeadroom(fleet));
}

/** Requests per 5 minutes one tenant key may send: FAIR_SHARE of the minimum fleet's headroom, for 300 s. */
export function fairShareLimitPer5Minutes(fleet: MinimumFleet): number {
    return per5Minutes(minimumFleetHeadroom(fleet) * FAIR_SHARE);
}
