/**
 * The WAF's rate limits, derived in one place. WAF cannot tell a company behind one NAT address from an abuser at
 * one address, so the default per-address ceiling is what the fleet holds before a rush can absorb during the
 * scale-out lag: the minimum fleet's headroom above its scaling target, less a margin for WAF's estimation. It binds
 * every request, with or without a tenant header (the per-tenant rule omits requests missing its key). Known
 * high-volume customers get an explicit allowance instead (highVolumeSourceConfig.ts), and the per-tenant key limit is a
 * fair share of the ceiling. WAF refuses every request of a key while its count is over the limit (it blocks, it
 * does not shape); the capacity model shows both sides (docs/app-tier.md). Pure, for the config defaults and the model.
 */

/** The share of the per-address ceiling one tenant key may take: two rushing tenants together still fit. */
export const FAIR_SHARE = 0.5;

/**
 * The share of the minimum fleet's headroom the ceiling leaves unused, for WAF's estimation: AWS says the rate-based
 * count weights recent requests and is not an exact match, that blocking can lag by several minutes, and that a limit
 * change restarts the count (see the caveats in
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-caveats.html).
 */
export const WAF_ESTIMATE_MARGIN = 0.2;

export interface MinimumFleet {
    readonly minSize: number;
    /** Requests per second one server serves before its latency climbs. */
    readonly serverRequestsPerSecond: number;
    /** Target tracking's requests per target per minute, when the group tracks requests. */
    readonly requestsPerTarget?: number;
}

export interface FleetAtScale {
    readonly maxSize: number;
    readonly serverRequestsPerSecond: number;
}

/** Requests per second the minimum fleet serves above its scaling target (all of it without a request target). */
export function minimumFleetHeadroom(fleet: MinimumFleet): number {
    const target = fleet.requestsPerTarget !== undefined ? fleet.requestsPerTarget / 60 : 0;
    return fleet.minSize * Math.max(0, fleet.serverRequestsPerSecond - target);
}

/** Requests per second one client address may send (which may carry several tenants): the headroom less the margin. */
export const ipRequestsPerSecond = (fleet: MinimumFleet): number => minimumFleetHeadroom(fleet) * (1 - WAF_ESTIMATE_MARGIN);

/** Requests per second one tenant key may send: its fair share of the per-address ceiling. */
export const tenantRequestsPerSecond = (fleet: MinimumFleet): number => ipRequestsPerSecond(fleet) * FAIR_SHARE;

/** Requests per second the fleet serves at its largest. */
export const capacityAtScale = (fleet: FleetAtScale): number => fleet.maxSize * fleet.serverRequestsPerSecond;

/**
 * What the listed high-volume sources may take together: the largest fleet less the other tenants' share
 * (1 - FAIR_SHARE of it), so that the listed allowances never starve everyone else.
 */
export const highVolumeBudget = (fleet: FleetAtScale): number => capacityAtScale(fleet) * FAIR_SHARE;

// The limit in requests per 5 minutes, WAF's window; at least 10, WAF's floor (API_RateBasedStatement). Rounded
// down: WAF's count is an estimate, so the stated rate is a target, not a figure WAF matches exactly.
export const per5Minutes = (requestsPerSecond: number) => Math.max(10, Math.floor(requestsPerSecond * 300));

/** The per-client-IP ceiling, per 5 minutes. */
export function ipLimitPer5Minutes(fleet: MinimumFleet): number {
    return per5Minutes(ipRequestsPerSecond(fleet));
}

/** Requests per 5 minutes one tenant key may send. */
export function fairShareLimitPer5Minutes(fleet: MinimumFleet): number {
    return per5Minutes(tenantRequestsPerSecond(fleet));
}
