/**
 * Warm pool sizing. EC2 Auto Scaling keeps max(minSize, maxGroupPreparedCapacity - desired) instances in the pool,
 * and without maxGroupPreparedCapacity it uses the group's maxSize in its place: a prod group of 3 to 24 servers
 * would keep 21 stopped servers, not 2. Setting maxGroupPreparedCapacity equal to minSize gives the pool an absolute
 * size. https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutWarmPool.html
 * (Terraform's and Pulumi's AWS provider send MaxGroupPreparedCapacity -1, "no cap", when it is left out.)
 */

export interface WarmPoolSettings {
    /** Stopped, pre-initialised servers kept ready at any group size. */
    readonly minSize: number;
    /**
     * Cap on servers prepared in the group and the pool together; the pool then shrinks as the group grows, but never
     * below minSize. Defaults to minSize: a pool of exactly minSize servers.
     */
    readonly maxPreparedCapacity?: number;
}

/** The provider's warmPool block for these settings: maxGroupPreparedCapacity always set, never "no cap". */
export function warmPoolArgs(pool: WarmPoolSettings) {
    return {
        poolState: "Stopped",
        minSize: pool.minSize,
        maxGroupPreparedCapacity: pool.maxPreparedCapacity ?? pool.minSize,
        instanceReusePolicy: { reuseOnScaleIn: true },
    };
}

/** Servers AWS keeps in the pool for a group of `desired` servers (maxSize stands in when there is no cap). */
export function warmPoolSize(
    pool: { readonly minSize: number; readonly maxGroupPreparedCapacity?: number },
    group: { readonly maxSize: number; readonly desired: number },
): number {
    const cap =
        pool.maxGroupPreparedCapacity === undefined || pool.maxGroupPreparedCapacity < 0 ? group.maxSize : pool.maxGroupPreparedCapacity;
    return Math.max(pool.minSize, cap - group.desired);
}

/** Problems with the settings against the group's bounds, quoting the values. */
export function warmPoolProblems(pool: WarmPoolSettings, group: { readonly maxSize: number }): string[] {
    const problems: string[] = [];
    if (!(Number.isInteger(pool.minSize) && pool.minSize >= 0))
        problems.push(`warmPool.minSize (${pool.minSize}) must be a whole number, 0 or more`);
    const cap = pool.maxPreparedCapacity;
    if (cap !== undefined) {
        if (cap < pool.minSize)
            problems.push(`warmPool.maxPreparedCapacity (${cap}) below warmPool.minSize (${pool.minSize}) could never hold the minimum`);
        if (cap > group.maxSize + pool.minSize) {
            problems.push(
                `warmPool.maxPreparedCapacity (${cap}) above maxSize + warmPool.minSize (${group.maxSize + pool.minSize}) ` +
                    "prepares servers the group can never use",
            );
        }
    }
    return problems;
}
