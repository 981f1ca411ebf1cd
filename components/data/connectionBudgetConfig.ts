/**
 * The database's connection budget: what the app fleet may open at its largest. Each server keeps a pool of
 * `poolSizePerServer` connections, so a full fleet opens maxSize × pool; past the instance's max_connections new
 * connections fail for every tenant at once. Pure, for the config check and the capacity model.
 */
import type { DatabaseEngine } from "./database";

/** Memory of the RDS classes the stacks use, GiB (https://aws.amazon.com/rds/instance-types/). */
const RDS_MEMORY_GIB: Readonly<Record<string, number>> = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.m7g.2xlarge": 32,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
};

/**
 * The default max_connections on RDS: PostgreSQL LEAST({DBInstanceClassMemory/9531392}, 5000), MySQL
 * {DBInstanceClassMemory/12582880}. DBInstanceClassMemory is somewhat below the class's memory, so this is an
 * upper bound. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections
 */
export function maxConnections(engine: DatabaseEngine, instanceClass: string): number | undefined {
    const gib = RDS_MEMORY_GIB[instanceClass];
    if (gib === undefined) return undefined;
    const bytes = gib * 1024 ** 3;
    return engine === "postgres" ? Math.min(Math.floor(bytes / 9531392), 5000) : Math.floor(bytes / 12582880);
}

/** The share of max_connections the app may use: the rest is for migrations, operators and monitoring. */
export const APP_CONNECTION_SHARE = 0.9;

/**
 * Why fleets of `fleetMax` servers in all with pools of `pool` connections exceed the database's budget, or undefined.
 * `sharers`: the environments whose fleets are summed, when more than the owner's.
 */
export function connectionBudgetProblem(
    fleetMax: number,
    pool: number,
    engine: DatabaseEngine,
    instanceClass: string,
    sharers?: readonly string[],
): string | undefined {
    const max = maxConnections(engine, instanceClass);
    if (max === undefined) return undefined;
    const budget = Math.floor(max * APP_CONNECTION_SHARE);
    const wanted = fleetMax * pool;
    if (wanted <= budget) return undefined;
    const fleets = `${fleetMax}${sharers ? `, of ${sharers.join(" and ")} together` : ""}`;
    return (
        `app.maxSize (${fleets}) × database.poolSizePerServer (${pool}) = ${wanted} connections exceeds the database's ` +
        `budget (${budget}: ${APP_CONNECTION_SHARE * 100} % of max_connections ${max} on ${instanceClass})`
    );
}
