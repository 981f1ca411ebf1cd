/**
 * How many servers a fleet runs at once at its largest, for budgets that count servers (database connections):
 * not maxSize, but maxSize during an instance refresh, which may launch above it, plus the warm pool, whose servers
 * boot in full (the app starts and opens its pool) before they are stopped. Pure.
 */
import { WarmPoolSettings, warmPoolArgs, warmPoolSize } from "./warmPoolConfig";

/**
 * The instance refresh's bounds: at least 90 % of the group healthy, at most 110 % running (new servers launched
 * before old ones end). https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html
 */
export const REFRESH_HEALTHY_PERCENT = { min: 90, max: 110 } as const;

export interface FleetBounds {
    readonly minSize: number;
    readonly maxSize: number;
    readonly warmPool?: WarmPoolSettings;
}

/** Servers running at once at the worst moment: a refresh of a full group, while the pool is being prepared. */
export function peakServers(fleet: FleetBounds): { readonly refresh: number; readonly warmPool: number; readonly total: number } {
    const refresh = Math.ceil((fleet.maxSize * REFRESH_HEALTHY_PERCENT.max) / 100);
    // The pool is largest when the group is smallest.
    const warmPool = fleet.warmPool ? warmPoolSize(warmPoolArgs(fleet.warmPool), { maxSize: fleet.maxSize, desired: fleet.minSize }) : 0;
    return { refresh, warmPool, total: refresh + warmPool };
}
