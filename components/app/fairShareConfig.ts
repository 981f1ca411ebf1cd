/**
 * The WAF's rate limits, derived in one place from what the fleet serves at scale (maxSize servers), so that a
 * tenant whose demand the largest fleet can carry is served, not refused. WAF refuses every request of a key while
 * its count is over the limit (it blocks, it does not shape), so a limit below a legitimate rush refuses that
 * tenant in full for as long as it lasts: a limit from the minimum fleet (75 requests/s in prod) refused a company
 * behind one NAT address at 200 requests/s for its whole hour. The scale-out lag, before the largest fleet exists,
 * is covered by the headroom the fleet holds before a rush, the month-end floor, the warm pool and step scale-out;
 * the capacity model checks that the other tenants do not feel it (docs/app-tier.md). Pure, for the config
 * defaults and the model.
 */

/**
 * The share of the largest fleet one client address may take, and the share of that one tenant key may take: two
 * addresses at their ceiling fill the largest fleet; two rushing tenants at their limit fill half of it, and the
 * other half stays for everyone else.
 */
export const FAIR_SHARE = 0.5;

export interface FleetAtScale {
    readonly maxSize: number;
    /** Requests per second one server serves before its latency climbs. */
    readonly serverRequestsPerSecond: number;
}

/** Requests per second the fleet serves at its largest. */
export const capacityAtScale = (fleet: FleetAtScale): number => fleet.maxSize * fleet.serverRequestsPerSecond;

/** Requests per second one client address may send (which may carry several tenants). */
export const ipRequestsPerSecond = (fleet: FleetAtScale): number => capacityAtScale(fleet) * FAIR_SHARE;

/**
 * Requests per second one tenant key may send: its fair share of the largest fleet. A tenant whose demand is within
 * it "fits the fleet's maximum" and is never refused by the limits below.
 */
export const tenantRequestsPerSecond = (fleet: FleetAtScale): number => ipRequestsPerSecond(fleet) * FAIR_SHARE;

// WAF acts on a key whose count is over the limit, so a key sending exactly `requestsPerSecond` for the whole window
// must not be over it: round up, never down. WAF's floor for a limit is 10 (API_RateBasedStatement).
// https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-request-limiting.html
const per5Minutes = (requestsPerSecond: number) => Math.max(10, Math.ceil(requestsPerSecond * 300));

/** The per-client-IP ceiling, per 5 minutes. */
export function ipLimitPer5Minutes(fleet: FleetAtScale): number {
    return per5Minutes(ipRequestsPerSecond(fleet));
}

/** Requests per 5 minutes one tenant key may send. */
export function fairShareLimitPer5Minutes(fleet: FleetAtScale): number {
    return per5Minutes(tenantRequestsPerSecond(fleet));
}
