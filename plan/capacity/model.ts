/**
 * The capacity model: one environment's fleet (from the offline plan) under a load profile, stepped through time.
 * It is a model, not a measurement: every timing it assumes is in TIMINGS with its AWS source (docs/app-tier.md),
 * and the fleet is one queue (M/M/c: every worker of every in-service server, the load balancer spreading requests).
 * Pure and deterministic: the same fleet and profile give the same result.
 */

/** The fleet as the plan declares it (fromPlan.ts). */
export interface FleetModel {
    readonly environment: string;
    readonly instanceType: string;
    /** On-demand price per server-hour, when plan/prices.ts knows the type. */
    readonly hourlyPrice?: number;
    readonly minSize: number;
    readonly maxSize: number;
    /** The month-end floor (scheduled minimum), when the stack has one. */
    readonly monthEndMinSize?: number;
    /** Requests per second one server serves at saturation (app.serverRequestsPerSecond). */
    readonly serverRequestsPerSecond: number;
    /** Target tracking on requests per target per minute; its metric period (60 s standard, 10 s high resolution). */
    readonly targetTracking?: { readonly requestsPerTarget: number; readonly periodSeconds: number };
    /** Step scale-out: add `adjustmentPercent` of the group when requests per target pass the threshold. */
    readonly stepScaling?: {
        readonly thresholdRequestsPerTarget: number;
        readonly adjustmentPercent: number;
        readonly periodSeconds: number;
        readonly datapoints: number;
    };
    /** Stopped servers ready in the warm pool (0 without one). */
    readonly warmPoolSize: number;
    /** The per-tenant rate rule: limit per 5 minutes, whether it blocks, and whether its key includes the client IP. */
    readonly tenantLimit?: { readonly limitPer5Minutes: number; readonly block: boolean; readonly perAddress: boolean };
    /** The per-IP abuse ceiling, per 5 minutes; it counts every request, with or without a tenant header. */
    readonly ipLimitPer5Minutes: number;
    /** Listed high-volume sources: out of the ceiling and the tenant rule, their addresses together under an allowance. */
    readonly highVolumeSources?: readonly { readonly name: string; readonly limitPer5Minutes: number }[];
    /** Database connections: the limit (the instance's max_connections or the proxy's share), and each server's pool. */
    readonly database?: { readonly maxConnections: number; readonly poolSizePerServer: number; readonly proxy: boolean };
}

/** A load profile (profile.ts reads it from YAML). */
export interface LoadProfile {
    readonly name: string;
    /** Seconds simulated, and the step. */
    readonly durationSeconds: number;
    readonly stepSeconds: number;
    /** Whether the rush falls in the month-end window (the scheduled floor applies). */
    readonly duringMonthEnd: boolean;
    /** Seconds WAF takes to act on a key over its limit (TIMINGS.wafDetection unless set). */
    readonly wafDetectionSeconds?: number;
    /** The other tenants: how many, and each one's steady requests per second. */
    readonly others: { readonly tenants: number; readonly requestsPerSecond: number };
    /** The rushing tenant: its normal rate, the multiple it ramps to, when and how fast, and behind how many addresses. */
    readonly rush: {
        readonly requestsPerSecond: number;
        readonly multiplier: number;
        readonly startSecond: number;
        readonly rampSeconds: number;
        readonly addresses: number;
        /** Whether its requests carry the tenant key (default true): the per-tenant rule omits those that do not. */
        readonly tenantHeader?: boolean;
        /** The listed high-volume source it sends from (FleetModel.highVolumeSources), if any. */
        readonly source?: string;
    };
}

/** Every timing the model assumes, in seconds; docs/app-tier.md names the AWS source of each, or says it has none. */
export const TIMINGS = {
    /** A standard (60 s) ALB metric reaches CloudWatch about a minute after its period ends. */
    standardMetricDelay: 60,
    /** A high-resolution metric (10 s period) is published by the agent with a short delay. */
    highResolutionMetricDelay: 10,
    /** Target tracking's scale-out alarm needs 3 breaching datapoints. */
    targetTrackingDatapoints: 3,
    /** A stopped warm-pool server starts and its app answers (the AMI installs nothing at boot). */
    warmStart: 40,
    /** A new server launches and boots from the baked AMI. */
    coldStart: 100,
    /**
     * After cloud-init's final stage, the server completes its launch hook (twine-boot-complete.service: two API
     * calls) and Auto Scaling moves it on to InService; only then does it register with the target group.
     */
    bootHookCompletion: 15,
    /** The target group marks it healthy: 2 checks 15 s apart. */
    healthCheck: 30,
    /**
     * WAF acts on a key over its limit, in the model after this delay: AWS says usually below 30 s, and that it can lag
     * by several minutes, so the guardrail also runs WAF_SLOW_DETECTION (rate-based rule caveats).
     */
    wafDetection: 30,
    /** A worker of a server serves one request in this long at rest (the latency baseline). */
    serviceTime: 0.2,
} as const;

/**
 * The timings no AWS document gives (docs/app-tier.md says so beside each): assumptions to replace with
 * measurements. The model prints them with its results.
 */
export const ASSUMED_TIMINGS: readonly (keyof typeof TIMINGS)[] = [
    "standardMetricDelay",
    "highResolutionMetricDelay",
    "warmStart",
    "coldStart",
    "bootHookCompletion",
    "serviceTime",
];

/** The slower WAF detection delay the guardrail also runs, seconds. */
export const WAF_SLOW_DETECTION = 120;

/** Concurrent requests one server works on (its app workers): the M/M/c servers per instance. */
export const WORKERS_PER_SERVER = 8;

export interface Step {
    readonly t: number;
    /** Requests per second asked for: everyone, and the rushing tenant alone. */
    readonly demand: number;
    readonly rushDemand: number;
    /** Requests per second the rushing tenant has refused by WAF. */
    readonly throttled: number;
    /** Requests per second in-service servers can serve. */
    readonly capacity: number;
    readonly inService: number;
    readonly desired: number;
    /** Mean response time of the other tenants' requests, seconds. */
    readonly latency: number;
    readonly dbConnections: number;
}

export interface CapacityResult {
    readonly environment: string;
    readonly profile: string;
    /** Seconds after the rush starts until capacity meets demand for good (null: never within the run). */
    readonly secondsToMeetDemand: number | null;
    /** Minutes during which demand exceeded capacity (every server saturated). */
    readonly saturatedMinutes: number;
    /** Requests of the rushing tenant refused by WAF over the run. */
    readonly throttledRequests: number;
    /** Requests the rushing tenant sent over the run, and its peak rate. */
    readonly rushRequests: number;
    readonly rushPeakRequestsPerSecond: number;
    /**
     * What the WAF rules admit for this rush, requests/s: its source's allowance when it is listed, else the per-address
     * ceiling and, when its requests carry the tenant key and the rule blocks, the tenant key limit. A rush within it
     * should be served.
     */
    readonly rushFairShareRequestsPerSecond: number;
    /**
     * The other tenants' mean latency over the run against their latency before the rush (a step faster than that
     * counts as no slowdown): 0.1 is 10 % slower.
     */
    readonly latencyInflation: number;
    /** Their worst step's latency against the baseline. */
    readonly peakLatencyInflation: number;
    readonly peakDbConnections: number;
    readonly dbConnectionLimit: number | null;
    /** The limit is what RDS Proxy opens to the database (MaxConnectionsPercent of max_connections). */
    readonly dbThroughProxy: boolean;
    /** Server-hours times the on-demand price, over the run (null: the type is not priced). */
    readonly cost: number | null;
    readonly steps: readonly Step[];
}

/** Erlang C: the probability an arrival waits, for c servers offered a Erlangs (a < c). */
export function erlangC(c: number, a: number): number {
    if (a <= 0) return 0;
    if (a >= c) return 1;
    // Erlang B by its stable recurrence, then C from B.
    let b = 1;
    for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
    const rho = a / c;
    return b / (1 - rho + rho * b);
}

/** Mean response time (s) of an M/M/c queue with `backlog` requests already waiting. */
export function responseTime(lambda: number, servers: number, backlog: number): number {
    const mu = 1 / TIMINGS.serviceTime;
    const c = servers * WORKERS_PER_SERVER;
    if (c === 0) return Infinity;
    const queued = backlog / (c * mu);
    if (lambda >= c * mu) return TIMINGS.serviceTime + queued;
    return TIMINGS.serviceTime + erlangC(c, lambda / mu) / (c * mu - lambda) + queued;
}

/** The rushing tenant's demand at t: normal, ramping linearly to `multiplier` times normal, then held. */
export function rushDemandAt(profile: LoadProfile, t: number): number {
    const { requestsPerSecond, multiplier, startSecond, rampSeconds } = profile.rush;
    if (t < startSecond) return requestsPerSecond;
    const ramp = rampSeconds > 0 ? Math.min(1, (t - startSecond) / rampSeconds) : 1;
    return requestsPerSecond * (1 + (multiplier - 1) * ramp);
}

const targetRps = (fleet: FleetModel) =>
    fleet.targetTracking ? fleet.targetTracking.requestsPerTarget / 60 : 0.6 * fleet.serverRequestsPerSecond;

/** The group's size before the rush: what target tracking holds for the normal load, within the floor and the maximum. */
export function initialDesired(fleet: FleetModel, profile: LoadProfile): number {
    const floor =
        profile.duringMonthEnd && fleet.monthEndMinSize !== undefined ? Math.max(fleet.minSize, fleet.monthEndMinSize) : fleet.minSize;
    const normal = profile.others.tenants * profile.others.requestsPerSecond + profile.rush.requestsPerSecond;
    return Math.min(fleet.maxSize, Math.max(floor, Math.ceil(normal / targetRps(fleet))));
}

/**
 * The WAF rules that bind the rushing tenant: its source's allowance when it is listed (the ceiling and the tenant
 * rule exclude the listed addresses), else the per-address ceiling and, when its requests carry the tenant key and
 * the rule blocks, the tenant rule. The model counts exactly over 5 minutes; WAF's count is an estimate
 * (fairShareConfig.ts's margin is for that).
 */
export function wafLimitsFor(fleet: FleetModel, profile: LoadProfile) {
    const listed = profile.rush.source !== undefined ? fleet.highVolumeSources?.find(s => s.name === profile.rush.source) : undefined;
    if (profile.rush.source !== undefined && !listed) throw new Error(`the rush's source "${profile.rush.source}" is not listed`);
    const tenant = !listed && profile.rush.tenantHeader !== false && fleet.tenantLimit?.block ? fleet.tenantLimit : undefined;
    const ipLimitPer5Minutes = listed?.limitPer5Minutes ?? fleet.ipLimitPer5Minutes;
    const addresses = Math.max(1, profile.rush.addresses);
    // Per second, for the whole rush: the per-address limits admit `addresses` times theirs.
    const ip = (ipLimitPer5Minutes / 300) * (listed ? 1 : addresses);
    const key = tenant ? (tenant.limitPer5Minutes / 300) * (tenant.perAddress ? addresses : 1) : Infinity;
    return { source: listed, tenant, ipLimitPer5Minutes, admitsPerSecond: Math.min(ip, key) };
}

/** Steps the fleet through the profile. */
export function simulate(fleet: FleetModel, profile: LoadProfile): CapacityResult {
    const dt = profile.stepSeconds;
    const othersRps = profile.others.tenants * profile.others.requestsPerSecond;
    let desired = initialDesired(fleet, profile);
    let inService = desired;
    let warm = fleet.warmPoolSize;
    const pending: { ready: number }[] = [];
    const refills: number[] = [];
    let backlog = 0;
    // Admitted requests per step, for the metrics and WAF's window.
    const perTargetHistory: number[] = [];
    const sentPerAddress: number[] = [];
    let throttledBlocked = false;
    let lastScaleOut = -Infinity;
    const steps: Step[] = [];
    const baseline = responseTime(othersRps + profile.rush.requestsPerSecond, inService, 0);
    let latencySum = 0;
    let peakInflation = 0;
    let throttledRequests = 0;
    let rushRequests = 0;
    let rushPeak = 0;
    let saturatedSteps = 0;
    let lastUnmet = -1;
    let serverSeconds = 0;
    let peakDb = 0;
    const windowSteps = Math.round(300 / dt);
    const sumLast = (xs: number[], n: number, lagSteps: number) => {
        let s = 0;
        for (let i = Math.max(0, xs.length - lagSteps - n); i < xs.length - lagSteps; i++) s += xs[i];
        return s;
    };
    const wafLag = Math.round((profile.wafDetectionSeconds ?? TIMINGS.wafDetection) / dt);
    const waf = wafLimitsFor(fleet, profile);

    for (let t = 0; t < profile.durationSeconds; t += dt) {
        // Servers that finished starting join; the pool refills behind them.
        for (let i = pending.length - 1; i >= 0; i--) {
            if (pending[i].ready <= t) {
                pending.splice(i, 1);
                inService++;
            }
        }
        for (let i = refills.length - 1; i >= 0; i--) {
            if (refills[i] <= t) {
                refills.splice(i, 1);
                warm++;
            }
        }

        // WAF: decides on what it counted up to its detection delay ago, over its 5-minute window.
        const rush = rushDemandAt(profile, t);
        const addresses = Math.max(1, profile.rush.addresses);
        const perAddress = rush / addresses;
        // WAF counts every request a key sends, refused or not, and refuses all of them while that count is over the
        // limit (strictly: "whose request count is currently over the rule's limit"): it blocks a key, it does not shape it.
        // A listed source: one counter over all its addresses (CONSTANT); otherwise one per address (IP).
        const sentByKey = sumLast(sentPerAddress, windowSteps, wafLag) * (waf.source ? addresses : 1);
        if (waf.tenant) {
            const counted = sumLast(sentPerAddress, windowSteps, wafLag) * (waf.tenant.perAddress ? 1 : addresses);
            // WAF counts whole requests; the model's are sums of fractions.
            throttledBlocked = Math.round(counted) > waf.tenant.limitPer5Minutes;
        }
        const ipBlocked = Math.round(sentByKey) > waf.ipLimitPer5Minutes;
        const admittedRush = throttledBlocked || ipBlocked ? 0 : rush;
        sentPerAddress.push(perAddress * dt);
        throttledRequests += (rush - admittedRush) * dt;
        rushRequests += rush * dt;
        rushPeak = Math.max(rushPeak, rush);

        // The servers: capacity, queue, latency.
        const demand = othersRps + admittedRush;
        const capacity = inService * fleet.serverRequestsPerSecond;
        const latency = responseTime(demand, inService, backlog);
        backlog = Math.max(0, backlog + (demand - capacity) * dt);
        if (demand > capacity) saturatedSteps++;
        if (demand > capacity || backlog > 0) lastUnmet = t;
        // A slowdown: a step faster than the baseline (more servers than before the rush) does not offset a slow one.
        latencySum += Math.max(latency, baseline);
        peakInflation = Math.max(peakInflation, latency / baseline - 1);
        serverSeconds += (inService + pending.length) * dt;
        const dbConnections = fleet.database ? (inService + pending.length) * fleet.database.poolSizePerServer : 0;
        peakDb = Math.max(peakDb, dbConnections);

        // Scaling: the alarms see the metric as it was one delay ago, period by period.
        perTargetHistory.push((Math.min(demand, capacity) / Math.max(1, inService)) * 60);
        /** The latest datapoint the alarm sees, when it and the `datapoints - 1` before it all breach; else undefined. */
        const decide = (periodSeconds: number, datapoints: number, threshold: number, delay: number): number | undefined => {
            const periodSteps = Math.max(1, Math.round(periodSeconds / dt));
            if (Math.round(t / dt) % periodSteps !== 0) return undefined;
            const lag = Math.round(delay / dt);
            let latest: number | undefined;
            for (let d = 0; d < datapoints; d++) {
                const end = perTargetHistory.length - lag - d * periodSteps;
                if (end - periodSteps < 0) return undefined;
                let s = 0;
                for (let i = end - periodSteps; i < end; i++) s += perTargetHistory[i];
                if (s / periodSteps <= threshold) return undefined;
                latest ??= s / periodSteps;
            }
            return latest;
        };
        let wanted = desired;
        const tt = fleet.targetTracking;
        if (tt) {
            const delay = tt.periodSeconds < 60 ? TIMINGS.highResolutionMetricDelay : TIMINGS.standardMetricDelay;
            const seen = decide(tt.periodSeconds, TIMINGS.targetTrackingDatapoints, tt.requestsPerTarget, delay);
            // Target tracking sizes the group in proportion, to bring the metric it saw back to the target.
            if (seen !== undefined) wanted = Math.max(wanted, Math.ceil((inService * seen) / tt.requestsPerTarget));
        }
        const step = fleet.stepScaling;
        if (step) {
            const delay = step.periodSeconds < 60 ? TIMINGS.highResolutionMetricDelay : TIMINGS.standardMetricDelay;
            if (
                t - lastScaleOut >= step.periodSeconds &&
                decide(step.periodSeconds, step.datapoints, step.thresholdRequestsPerTarget, delay)
            ) {
                wanted = Math.max(wanted, desired + Math.max(1, Math.ceil((desired * step.adjustmentPercent) / 100)));
                lastScaleOut = t;
            }
        }
        wanted = Math.min(fleet.maxSize, wanted);
        for (let added = desired; added < wanted; added++) {
            if (warm > 0) {
                warm--;
                pending.push({ ready: t + TIMINGS.warmStart + TIMINGS.bootHookCompletion + TIMINGS.healthCheck });
                // The refill boots in full and completes the hook before it is stopped in the pool.
                refills.push(t + TIMINGS.coldStart + TIMINGS.bootHookCompletion + TIMINGS.warmStart);
            } else pending.push({ ready: t + TIMINGS.coldStart + TIMINGS.bootHookCompletion + TIMINGS.healthCheck });
        }
        desired = wanted;

        steps.push({ t, demand, rushDemand: rush, throttled: rush - admittedRush, capacity, inService, desired, latency, dbConnections });
    }
    const n = steps.length;
    return {
        environment: fleet.environment,
        profile: profile.name,
        secondsToMeetDemand:
            lastUnmet < 0 ? 0 : lastUnmet + dt >= profile.durationSeconds ? null : lastUnmet + dt - profile.rush.startSecond,
        saturatedMinutes: (saturatedSteps * dt) / 60,
        throttledRequests: Math.round(throttledRequests),
        rushRequests: Math.round(rushRequests),
        rushPeakRequestsPerSecond: rushPeak,
        rushFairShareRequestsPerSecond: waf.admitsPerSecond,
        latencyInflation: latencySum / n / baseline - 1,
        peakLatencyInflation: peakInflation,
        peakDbConnections: peakDb,
        dbConnectionLimit: fleet.database?.maxConnections ?? null,
        dbThroughProxy: fleet.database?.proxy ?? false,
        cost: fleet.hourlyPrice !== undefined ? (serverSeconds / 3600) * fleet.hourlyPrice : null,
        steps,
    };
}

/** The advisory guardrail's threshold: the default rush may slow the other tenants by at most this much. */
export const MAX_LATENCY_INFLATION = 0.1;

/**
 * The share of its requests a rushing tenant whose demand fits the fleet's maximum may have refused before the
 * guardrail calls it locked out: near zero.
 */
export const MAX_FITTING_RUSH_REFUSED = 0.001;
