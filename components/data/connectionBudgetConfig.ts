/**
 * The database's connection budget: what the app fleets may open at their largest. Each server keeps a pool of
 * `poolSizePerServer` connections, so a fleet at its peak (a refresh of a full group, plus the warm pool) opens
 * peak × pool; past the instance's max_connections new connections fail for every tenant at once. Pure, for the
 * config check and the capacity model.
 */
import { FleetBounds, REFRESH_HEALTHY_PERCENT, peakServers } from "../app/fleetPeakConfig";
import type { DatabaseEngine } from "./database";
import { proxyConnectionCeiling } from "./databaseProxyConfig";

/** Memory of an RDS class, GiB, from the families' size ladder (r classes have twice the m memory); undefined for others. */
export function instanceClassMemoryGiB(instanceClass: string): number | undefined {
    const m = /^db\.([a-z]+)(\d+)([a-z]*)\.([a-z0-9]+)$/.exec(instanceClass);
    if (!m) return undefined;
    const [, family, , , size] = m;
    const burstable: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
    const general: Record<string, number> = {
        large: 8,
        xlarge: 16,
        "2xlarge": 32,
        "4xlarge": 64,
        "8xlarge": 128,
        "12xlarge": 192,
        "16xlarge": 256,
    };
    if (family === "t") return burstable[size];
    if (family === "m") return general[size];
    if (family === "r") return general[size] === undefined ? undefined : general[size] * 2;
    return undefined;
}

/**
 * The share of a class's memory that RDS leaves as DBInstanceClassMemory, the figure max_connections is computed
 * from: RDS subtracts what the OS and its own processes reserve, and does not publish how much. An assumption, on
 * the safe side (small classes lose the largest share): a budget computed from the class's full memory would let a
 * fleet open connections the database refuses. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ParamValuesRef.html
 */
export const DB_INSTANCE_CLASS_MEMORY_SHARE = 0.75;

/**
 * The default max_connections on RDS: PostgreSQL LEAST({DBInstanceClassMemory/9531392}, 5000), MySQL
 * {DBInstanceClassMemory/12582880}, with DBInstanceClassMemory taken as `memoryShare` of the class's memory: by
 * default DB_INSTANCE_CLASS_MEMORY_SHARE, the safe side for a budget.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections
 */
export function maxConnections(
    engine: DatabaseEngine,
    instanceClass: string,
    memoryShare: number = DB_INSTANCE_CLASS_MEMORY_SHARE,
): number | undefined {
    const gib = instanceClassMemoryGiB(instanceClass);
    if (gib === undefined) return undefined;
    const bytes = gib * 1024 ** 3 * memoryShare;
    return engine === "postgres" ? Math.min(Math.floor(bytes / 9531392), 5000) : Math.floor(bytes / 12582880);
}

/** The share of max_connections the app may use: the rest is for migrations, operators and monitoring. */
export const APP_CONNECTION_SHARE = 0.9;

/**
 * The connections the app fleets may hold: APP_CONNECTION_SHARE of max_connections straight to the instance; through
 * RDS Proxy, what the proxy opens to the database at most (MaxConnectionsPercent of max_connections), its own share
 * for operators being the rest. The proxy multiplexes client connections over fewer database ones, but a session
 * that pins (SET, temporary tables, advisory locks) holds its database connection alone, so the budget counts every
 * pooled client connection as one.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html
 */
export function connectionBudget(max: number, proxyMaxConnectionsPercent?: number): number {
    return proxyMaxConnectionsPercent === undefined
        ? Math.floor(max * APP_CONNECTION_SHARE)
        : proxyConnectionCeiling(max, proxyMaxConnectionsPercent);
}

/**
 * Why the fleets on one database, at their peak (peakServers: a refresh above maxSize, and the warm pool), with
 * pools of `pool` connections exceed the database's budget (connectionBudget: through a proxy when
 * `proxyMaxConnectionsPercent` is given), or undefined. Several fleets: those that share it.
 */
export function connectionBudgetProblem(
    fleets: readonly (FleetBounds & { readonly name: string })[],
    pool: number,
    engine: DatabaseEngine,
    instanceClass: string,
    proxyMaxConnectionsPercent?: number,
): string | undefined {
    const max = maxConnections(engine, instanceClass);
    if (max === undefined) return undefined;
    const budget = connectionBudget(max, proxyMaxConnectionsPercent);
    const peaks = fleets.map(peakServers);
    const servers = peaks.reduce((sum, p) => sum + p.total, 0);
    const wanted = servers * pool;
    if (wanted <= budget) return undefined;
    const each = fleets.map(
        (f, i) =>
            `${fleets.length > 1 ? `${f.name}: ` : ""}app.maxSize ${f.maxSize} at a refresh's ${REFRESH_HEALTHY_PERCENT.max} % = ` +
            `${peaks[i].refresh}${peaks[i].warmPool ? ` plus a warm pool of ${peaks[i].warmPool}` : ""}`,
    );
    const limit = proxyMaxConnectionsPercent === undefined ? "the database's budget" : "what the proxy admits";
    return (
        `${servers} servers at their peak (${each.join("; ")}${fleets.length > 1 ? ", together" : ""}) × database.poolSizePerServer ` +
        `(${pool}) = ${wanted} connections exceeds ${limit} ` +
        `(${budget}: ${proxyMaxConnectionsPercent ?? APP_CONNECTION_SHARE * 100} % of ` +
        `max_connections ${max} on ${instanceClass}, from ${DB_INSTANCE_CLASS_MEMORY_SHARE * 100} % of its memory)`
    );
}
