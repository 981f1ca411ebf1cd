/**
 * `twine-infra:environments`: the environments an env stack hosts (dev: integration and test; prod: production),
 * each with its own settings. For now an environment carries its data tier (`database`, `search`); the app tier
 * adds its own keys to the same per-environment object.
 *
 * Every field is optional: defaults depend on the account role (dev small and single-AZ, prod Multi-AZ with
 * dedicated masters and longer retention). `resolveEnvironments` applies them; `environmentProblems` checks the
 * rules that tie fields together, with the defaults applied, so a default can never be the thing that is wrong.
 */
import { z } from "zod";
import type { DatabaseEngine, DatabaseSettings } from "../components/data/database";
import type { SearchSettings } from "../components/data/search";
import { connectionBudgetProblem } from "../components/data/connectionBudgetConfig";
import { alarmProblems } from "../components/operations/alarmConfig";
import { AlarmsConfig, alarmsSchema, unsubscribedProblem, withAlarmDefaults } from "./alarms";
import { AppTierConfig, appTierProblems, appTierSchema, withAppTierDefaults } from "./appTier";
import { EnvRole, logRetentionSchema, problem } from "./primitives";

/** Lower-case DNS label, short enough for the RDS identifier and the OpenSearch domain name built from it. */
export const ENV_NAME_MAX = 20;
const envNamePattern = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

export const DATABASE_ENGINES = ["postgres", "mysql"] as const satisfies readonly DatabaseEngine[];

/** Enhanced-monitoring intervals RDS accepts (0 would turn it off, which we do not allow). */
export const MONITORING_INTERVALS = [1, 5, 10, 15, 30, 60] as const;

const oneOf = <T extends readonly number[]>(values: T, what: string) =>
    z.number().refine(v => (values as readonly number[]).includes(v), {
        message: `${what} must be one of ${values.join(", ")}. Fix: pick one of those values`,
    });

export const databaseSchema = z
    .strictObject({
        engine: z.enum(DATABASE_ENGINES).describe("RDS engine: postgres or mysql. Defaults to postgres."),
        engineVersion: z
            .string()
            .describe(
                'Engine version: a major ("16") to follow its minor releases, or major.minor ("16.4") to pin ' +
                    "one. Defaults to 16 (postgres) or 8.0 (mysql).",
            ),
        instanceClass: z
            .string()
            .regex(
                /^db\.[a-z0-9]+\.[a-z0-9]+$/,
                problem("not an RDS instance class", "write a class such as db.t4g.medium or db.m7g.large"),
            )
            .describe("RDS instance class. Defaults to db.t4g.medium (dev) or db.m7g.large (prod)."),
        allocatedStorageGiB: z
            .number()
            .int()
            .min(20)
            .max(65536)
            .describe("Initial gp3 storage in GiB (20 to 65536). Defaults to 20 (dev) or 100 (prod)."),
        maxAllocatedStorageGiB: z
            .number()
            .int()
            .max(65536)
            .describe(
                "Ceiling for storage autoscaling in GiB; at least 10% above allocatedStorageGiB. Defaults to 5 x allocatedStorageGiB.",
            ),
        backupRetentionDays: z
            .number()
            .int()
            // One message whatever the role: prod's own floor (14, below) holds only once this one does.
            .min(7, problem("fewer than 7 days of backups (prod keeps at least 14)", "set 7 to 35 days (14 to 35 in prod; default 30)"))
            .max(35)
            .describe(
                "Days of automated backups (point-in-time recovery), 7 to 35; at least 14 in prod. Defaults to 7 (dev) or 30 (prod).",
            ),
        multiAz: z.boolean().describe("A synchronous standby in another AZ. Defaults to false (dev) or true (prod); prod refuses false."),
        masterUsername: z
            .string()
            .regex(
                /^[a-z][a-z0-9_]{0,15}$/,
                problem(
                    "not a valid master user name",
                    "use 1-16 lower-case letters, digits or _, starting with a letter, e.g. twine_admin",
                ),
            )
            .refine(
                u => !["admin", "postgres", "rdsadmin", "root"].includes(u),
                problem("that name is reserved by the engine or RDS", "pick another name, e.g. twine_admin"),
            )
            .describe("Master user name (its password is generated and kept by RDS in Secrets Manager). Defaults to twine_admin."),
        monitoringIntervalSeconds: oneOf(MONITORING_INTERVALS, "the enhanced monitoring interval").describe(
            `Enhanced monitoring interval: ${MONITORING_INTERVALS.join(", ")}. Defaults to 60 (dev) or 15 (prod).`,
        ),
        performanceInsightsRetentionDays: z
            .number()
            .int()
            .refine(d => d === 7 || (d % 31 === 0 && d >= 31 && d <= 713) || d === 731, {
                message: problem(
                    "Performance Insights keeps 7 days, a multiple of 31 days up to 713, or 731 days",
                    "use 7 (free), 93, 186, 372 or 731",
                ),
            })
            .describe("Days Performance Insights keeps data. Defaults to 7 (free tier)."),
        logRetentionDays: logRetentionSchema.describe(
            "Days CloudWatch keeps the exported database logs. Defaults to 30 (dev) or 365 (prod).",
        ),
        poolSizePerServer: z
            .number()
            .int()
            .min(1)
            .max(500)
            .describe(
                "Connections each app server's pool opens (DATABASE_POOL_SIZE); the fleets' peak times this must fit 90 % of the " +
                    "instance's max_connections, or what the proxy admits. Defaults to 10.",
            ),
        proxy: z
            .boolean()
            .describe(
                "RDS Proxy in front of the database: the app connects to it with an IAM token over TLS, and it pools the " +
                    "fleet's connections. Defaults to true (prod) or false (dev).",
            ),
        proxyMaxConnectionsPercent: z
            .number()
            .int()
            .min(1)
            .max(100)
            .describe(
                "The share of max_connections the proxy may open (MaxConnectionsPercent); the rest is for operators and " +
                    "migrations. Defaults to 90.",
            ),
    })
    .partial()
    .describe("The environment's RDS instance.");

/** The first OpenSearch version whose domains offer Snapshot Management on Amazon OpenSearch Service. */
const SNAPSHOT_MANAGEMENT_SINCE = [2, 5] as const;

/** Whether "OpenSearch_<major>.<minor>" is at least [major, minor]. */
export function openSearchAtLeast(version: string, [major, minor]: readonly [number, number]): boolean {
    const [a, b] = version
        .replace(/^OpenSearch_/, "")
        .split(".")
        .map(Number);
    return a > major || (a === major && b >= minor);
}

export const searchSchema = z
    .strictObject({
        engineVersion: z
            .string()
            .regex(
                /^OpenSearch_\d+\.\d+$/,
                problem("not an OpenSearch engine version", 'write it as OpenSearch_<major>.<minor>, e.g. "OpenSearch_2.19"'),
            )
            // The manual snapshots' daily schedule is Snapshot Management, which Amazon OpenSearch Service supports from
            // OpenSearch 2.5 (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-snapshot-mgmt.html).
            .refine(
                v => !/^OpenSearch_\d+\.\d+$/.test(v) || openSearchAtLeast(v, SNAPSHOT_MANAGEMENT_SINCE),
                problem(
                    "Snapshot Management, which schedules the domain's manual snapshots, needs OpenSearch 2.5 or later",
                    'set engineVersion to "OpenSearch_2.5" or later, e.g. "OpenSearch_2.19" (the default)',
                ),
            )
            .describe("OpenSearch engine version, 2.5 or later (Snapshot Management). Defaults to OpenSearch_2.19."),
        instanceType: z
            .string()
            .regex(
                /^[a-z0-9]+\.[a-z0-9]+\.search$/,
                problem("not an OpenSearch instance type", "write a type such as t3.medium.search or m7g.large.search"),
            )
            .refine(t => !t.startsWith("t2."), problem("t2 instances cannot encrypt data at rest", "use t3.medium.search or larger"))
            .describe("Data node instance type. Defaults to t3.medium.search (dev) or m7g.large.search (prod)."),
        instanceCount: z
            .number()
            .int()
            .min(1)
            .max(80)
            .describe("Data nodes; a multiple of availabilityZones. Defaults to 1 (dev) or availabilityZones (prod)."),
        availabilityZones: z
            .number()
            .int()
            .min(1)
            .max(3)
            .describe(
                "AZs the data nodes spread across (zone awareness); 1 turns zone awareness off; at most " +
                    "network.azCount. Defaults to 1 (dev) or min(3, network.azCount) (prod).",
            ),
        dedicatedMasterCount: z
            .union([z.literal(0), z.literal(3), z.literal(5)])
            .describe("Dedicated master nodes: 0 (none), 3 or 5; prod refuses 0. Defaults to 0 (dev) or 3 (prod)."),
        dedicatedMasterType: z
            .string()
            .regex(/^[a-z0-9]+\.[a-z0-9]+\.search$/, problem("not an OpenSearch instance type", "write a type such as m7g.large.search"))
            .describe("Instance type of the dedicated masters. Defaults to m7g.large.search."),
        volumeSizeGiB: z
            .number()
            .int()
            .min(10)
            .max(16384)
            .describe("gp3 EBS volume per data node in GiB. Defaults to 20 (dev) or 100 (prod)."),
        logRetentionDays: logRetentionSchema.describe(
            "Days CloudWatch keeps the domain's application and slow logs. Defaults to 30 (dev) or 365 (prod).",
        ),
    })
    .partial()
    .describe("The environment's OpenSearch domain.");

export const environmentSchema = z
    .strictObject({
        database: databaseSchema.optional(),
        search: searchSchema.optional(),
        app: appTierSchema.optional(),
        alarms: alarmsSchema.optional(),
        shareDataWith: z
            .string()
            .optional()
            .describe(
                "Another environment of this stack whose database and search domain this one uses instead of " +
                    "its own (dev only, to save cost). Defaults to none.",
            ),
    })
    .describe("One environment hosted by this stack.");

export const environmentsSchema = z
    .record(
        z
            .string()
            .max(ENV_NAME_MAX, problem(`an environment name is at most ${ENV_NAME_MAX} characters`, "use a shorter name, e.g. integration"))
            .regex(
                envNamePattern,
                problem(
                    "an environment name is a lower-case DNS label",
                    "use lower-case letters, digits and -, starting with a letter, e.g. integration",
                ),
            ),
        environmentSchema,
    )
    .describe("Environments this stack hosts, by name. Defaults to integration and test (dev) or production (prod).");

export type EnvironmentsInput = z.output<typeof environmentsSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Defaults

/** The instance's settings, and whether RDS Proxy stands in front of it. */
export type DatabaseConfig = DatabaseSettings & {
    readonly proxy: boolean;
    /** MaxConnectionsPercent of the proxy's target group; read only when proxy is on. */
    readonly proxyMaxConnectionsPercent: number;
};
export type SearchConfig = SearchSettings;

/** One environment with every default applied. */
export interface EnvironmentConfig {
    readonly name: string;
    /** The environment whose database and search domain it uses: itself, or the one named by shareDataWith. */
    readonly dataOwner: string;
    readonly database: DatabaseConfig;
    readonly search: SearchConfig;
    /** The app tier: load balancer, WAF and auto-scaling group. */
    readonly app: AppTierConfig;
    /** Who is told when the environment is unwell, and the thresholds. */
    readonly alarms: AlarmsConfig;
}

export const DEFAULT_ENVIRONMENTS: Record<EnvRole, readonly string[]> = { dev: ["integration", "test"], prod: ["production"] };

export function defaultEngineVersion(engine: DatabaseEngine): string {
    return engine === "postgres" ? "16" : "8.0";
}

export function databaseDefaults(role: EnvRole, input: z.output<typeof databaseSchema> = {}): DatabaseConfig {
    const prod = role === "prod";
    const engine = input.engine ?? "postgres";
    const allocatedStorageGiB = input.allocatedStorageGiB ?? (prod ? 100 : 20);
    return {
        engine,
        engineVersion: input.engineVersion ?? defaultEngineVersion(engine),
        instanceClass: input.instanceClass ?? (prod ? "db.m7g.large" : "db.t4g.medium"),
        allocatedStorageGiB,
        maxAllocatedStorageGiB: input.maxAllocatedStorageGiB ?? Math.min(65536, allocatedStorageGiB * 5),
        backupRetentionDays: input.backupRetentionDays ?? (prod ? 30 : 7),
        multiAz: input.multiAz ?? prod,
        masterUsername: input.masterUsername ?? "twine_admin",
        monitoringIntervalSeconds: input.monitoringIntervalSeconds ?? (prod ? 15 : 60),
        performanceInsightsRetentionDays: input.performanceInsightsRetentionDays ?? 7,
        logRetentionDays: input.logRetentionDays ?? (prod ? 365 : 30),
        poolSizePerServer: input.poolSizePerServer ?? 10,
        // Prod's fleet at its peak outgrows one instance's connections; dev's never does, and pays no proxy.
        proxy: input.proxy ?? prod,
        proxyMaxConnectionsPercent: input.proxyMaxConnectionsPercent ?? 90,
    };
}

export function searchDefaults(role: EnvRole, networkAzCount: number, input: z.output<typeof searchSchema> = {}): SearchConfig {
    const prod = role === "prod";
    const availabilityZones = input.availabilityZones ?? (prod ? Math.min(3, networkAzCount) : 1);
    return {
        engineVersion: input.engineVersion ?? "OpenSearch_2.19",
        instanceType: input.instanceType ?? (prod ? "m7g.large.search" : "t3.medium.search"),
        instanceCount: input.instanceCount ?? (prod ? availabilityZones : 1),
        availabilityZones,
        dedicatedMasterCount: input.dedicatedMasterCount ?? (prod ? 3 : 0),
        dedicatedMasterType: input.dedicatedMasterType ?? "m7g.large.search",
        volumeSizeGiB: input.volumeSizeGiB ?? (prod ? 100 : 20),
        logRetentionDays: input.logRetentionDays ?? (prod ? 365 : 30),
    };
}

/** The environments as configured, or the role's default environments (with default settings) when the key is absent. */
function orDefaultEnvironments(role: EnvRole, input: EnvironmentsInput | undefined): EnvironmentsInput {
    return input ?? Object.fromEntries(DEFAULT_ENVIRONMENTS[role].map(name => [name, {}]));
}

/** The stack's environments with defaults applied, sorted by name. An absent key means the role's defaults. */
export function resolveEnvironments(role: EnvRole, networkAzCount: number, input: EnvironmentsInput | undefined): EnvironmentConfig[] {
    const entries = orDefaultEnvironments(role, input);
    return Object.keys(entries)
        .sort()
        .map(name => {
            const env = entries[name];
            return {
                name,
                dataOwner: env.shareDataWith ?? name,
                database: databaseDefaults(role, env.database),
                search: searchDefaults(role, networkAzCount, env.search),
                app: withAppTierDefaults(role, name, env.app),
                alarms: withAlarmDefaults(role, env.alarms),
            };
        });
}

// ---------------------------------------------------------------------------------------------------------------
// Rules across fields

export interface EnvironmentProblem {
    /** Path below twine-infra:environments, e.g. ["integration", "search", "instanceCount"]. */
    readonly path: readonly (string | number)[];
    readonly input: unknown;
    readonly message: string;
}

/** RDS engine versions: a major (or 8.0 for MySQL), optionally with a minor. */
export function engineVersionProblem(engine: DatabaseEngine, version: string): string | undefined {
    const valid = engine === "postgres" ? /^(1[1-9]|[2-9]\d)(\.\d+)?$/ : /^8\.[04](\.\d+)?$/;
    if (valid.test(version)) {
        return undefined;
    }
    const example = engine === "postgres" ? '"16" (follows minor releases) or "16.4"' : '"8.0" or "8.0.39"';
    return problem(`not a ${engine} version RDS offers in that form`, `write the major version, optionally with a minor, e.g. ${example}`);
}

export function databaseProblems(role: EnvRole, db: DatabaseConfig): EnvironmentProblem[] {
    const problems: EnvironmentProblem[] = [];
    const versionProblem = engineVersionProblem(db.engine, db.engineVersion);
    if (versionProblem) {
        problems.push({ path: ["database", "engineVersion"], input: db.engineVersion, message: versionProblem });
    }
    if (db.maxAllocatedStorageGiB < Math.ceil(db.allocatedStorageGiB * 1.1)) {
        problems.push({
            path: ["database", "maxAllocatedStorageGiB"],
            input: db.maxAllocatedStorageGiB,
            message: problem(
                `storage autoscaling needs a ceiling at least 10% above allocatedStorageGiB (${db.allocatedStorageGiB})`,
                `set maxAllocatedStorageGiB to ${Math.ceil(db.allocatedStorageGiB * 1.1)} or more`,
            ),
        });
    }
    if (role === "prod" && !db.multiAz) {
        problems.push({
            path: ["database", "multiAz"],
            input: db.multiAz,
            message: problem(
                "production needs a standby in a second AZ to survive an AZ outage or an instance failure",
                "set multiAz to true (or remove it: prod defaults to true)",
            ),
        });
    }
    if (role === "prod" && db.backupRetentionDays >= 7 && db.backupRetentionDays < 14) {
        problems.push({
            path: ["database", "backupRetentionDays"],
            input: db.backupRetentionDays,
            message: problem(
                `production keeps at least 14 days of backups, not ${db.backupRetentionDays}`,
                "set backupRetentionDays between 14 and 35 (default 30)",
            ),
        });
    }
    return problems;
}

export function searchProblems(role: EnvRole, networkAzCount: number, search: SearchConfig): EnvironmentProblem[] {
    const problems: EnvironmentProblem[] = [];
    if (search.availabilityZones > networkAzCount) {
        problems.push({
            path: ["search", "availabilityZones"],
            input: search.availabilityZones,
            message: problem(
                `the VPC has data subnets in ${networkAzCount} AZs, not ${search.availabilityZones}`,
                `set availabilityZones to ${networkAzCount} or fewer, or raise network.azCount`,
            ),
        });
    }
    if (search.availabilityZones > 1 && search.instanceCount % search.availabilityZones !== 0) {
        const lower = Math.max(search.availabilityZones, search.instanceCount - (search.instanceCount % search.availabilityZones));
        problems.push({
            path: ["search", "instanceCount"],
            input: search.instanceCount,
            message: problem(
                `zone awareness spreads data nodes evenly over ${search.availabilityZones} AZs, and ` +
                    `${search.instanceCount} nodes do not divide evenly`,
                `set instanceCount to a multiple of ${search.availabilityZones}, e.g. ${lower}`,
            ),
        });
    }
    if (role === "prod" && search.availabilityZones < 2) {
        problems.push({
            path: ["search", "availabilityZones"],
            input: search.availabilityZones,
            message: problem(
                "a production domain in one AZ loses search when that AZ fails",
                "set availabilityZones to 2 or 3 (prod defaults to min(3, network.azCount))",
            ),
        });
    }
    if (role === "prod" && search.dedicatedMasterCount === 0) {
        problems.push({
            path: ["search", "dedicatedMasterCount"],
            input: search.dedicatedMasterCount,
            message: problem(
                "without dedicated masters a busy production domain can lose its cluster manager and stall",
                "set dedicatedMasterCount to 3 (the default in prod) or 5",
            ),
        });
    }
    return problems;
}

/** Names that say production: refused in the dev account, whose defaults are not production's. */
const PRODUCTION_NAMES = ["prod", "production"];

/** Each name the stack answers to belongs to one environment: two would write two A records for one FQDN. */
function hostNameProblems(role: EnvRole, input: EnvironmentsInput, names: readonly string[]): EnvironmentProblem[] {
    const owners = new Map<string, string[]>();
    for (const name of names) {
        const app = withAppTierDefaults(role, name, input[name].app);
        const fqdns = [...app.hostNames.map(label => `${label} (subzone)`), ...app.publicNames.map(label => `${label} (apex)`)];
        for (const fqdn of new Set(fqdns)) owners.set(fqdn, [...(owners.get(fqdn) ?? []), name]);
    }
    return [...owners.entries()]
        .filter(([, envs]) => envs.length > 1)
        .map(([fqdn, envs]) => ({
            path: [envs[1], "app"],
            input: input[envs[1]].app,
            message: problem(
                `the name ${fqdn} is claimed by ${envs.join(" and ")}`,
                "give each environment its own app.hostNames / app.publicNames",
            ),
        }));
}

/** Every rule across fields and environments, with defaults applied; paths are below the environments key. */
export function environmentProblems(
    role: EnvRole,
    networkAzCount: number,
    configured: EnvironmentsInput | undefined,
    /** The stack sets pagingWebhook, which notifies every environment's topic. */
    pagingWebhook = false,
): EnvironmentProblem[] {
    // Defaults are checked too: a prod VPC in one AZ makes even the default search domain single-AZ.
    const input = orDefaultEnvironments(role, configured);
    const names = Object.keys(input).sort();
    const problems: EnvironmentProblem[] = [];
    if (names.length === 0) {
        problems.push({
            path: [],
            input,
            message: problem(
                "the stack hosts no environment",
                `name at least one, e.g. ${DEFAULT_ENVIRONMENTS[role][0]}: {} (or remove the key for the defaults)`,
            ),
        });
    }
    problems.push(...hostNameProblems(role, input, names));
    for (const name of names) {
        const env = input[name];
        const at = (problems: EnvironmentProblem[]) => problems.map(p => ({ ...p, path: [name, ...p.path] }));
        if (role === "dev" && PRODUCTION_NAMES.includes(name)) {
            problems.push({
                path: [name],
                input: env,
                message: problem(
                    `an environment named ${name} in the dev account would get dev's defaults (one server, no ` +
                        `deletion protection, a week of backups)`,
                    "rename it (e.g. staging), or deploy production from the prod stack",
                ),
            });
        }
        const unsubscribed = unsubscribedProblem(role, env.alarms, pagingWebhook);
        if (unsubscribed)
            problems.push({ path: [name, "alarms", "subscriptions"], input: env.alarms?.subscriptions, message: unsubscribed });
        problems.push(
            ...appTierProblems(role, name, env.app).map(([path, value, message]) => ({ path: [name, ...path], input: value, message })),
        );
        const target = env.shareDataWith;
        if (target !== undefined) {
            problems.push(...at(sharingProblems(role, name, target, input)));
            if (env.database || env.search) {
                problems.push({
                    path: [name, env.database ? "database" : "search"],
                    input: env.database ?? env.search,
                    message: problem(
                        `${name} uses the data tier of ${target} (shareDataWith), so its own database and search settings would be ignored`,
                        `remove them, or remove shareDataWith`,
                    ),
                });
            }
            continue;
        }
        const db = databaseDefaults(role, env.database);
        problems.push(...at(databaseProblems(role, db)));
        // Every environment on this database counts: its own fleet and those that share its data tier.
        const users = names.filter(n => n === name || input[n]?.shareDataWith === name);
        const fleets = users.map(n => ({ name: n, ...withAppTierDefaults(role, n, input[n]?.app) }));
        // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-network-prereqs.html
        if (db.proxy && networkAzCount < 2) {
            problems.push({
                path: [name, "database", "proxy"],
                input: db.proxy,
                message: problem(
                    `RDS Proxy needs subnets in at least two availability zones, and network.azCount is ${networkAzCount}`,
                    "raise network.azCount to 2 or more, or set database.proxy to false",
                ),
            });
        }
        const proxyPercent = db.proxy ? db.proxyMaxConnectionsPercent : undefined;
        const budget = connectionBudgetProblem(fleets, db.poolSizePerServer, db.engine, db.instanceClass, proxyPercent);
        if (budget) {
            problems.push({
                path: [name, "database", "poolSizePerServer"],
                input: db.poolSizePerServer,
                message: problem(
                    budget,
                    "lower database.poolSizePerServer or app.maxSize, or choose a larger database.instanceClass" +
                        (db.proxy ? " or raise database.proxyMaxConnectionsPercent" : ""),
                ),
            });
        }
        for (const message of alarmProblems(withAlarmDefaults(role, env.alarms).thresholds, db)) {
            problems.push({
                path: [name, "alarms", "databaseMaxConnections"],
                input: env.alarms?.databaseMaxConnections,
                message: problem(message, "set alarms.databaseMaxConnections to the instance's max_connections (SHOW max_connections)"),
            });
        }
        problems.push(...at(searchProblems(role, networkAzCount, searchDefaults(role, networkAzCount, env.search))));
    }
    return problems;
}

function sharingProblems(role: EnvRole, name: string, target: string, all: EnvironmentsInput): EnvironmentProblem[] {
    const fail = (why: string, fix: string) => [{ path: ["shareDataWith"], input: target, message: problem(why, fix) }];
    if (role === "prod") {
        return fail(
            "production never shares its data tier",
            "remove shareDataWith; each production environment has its own database and search domain",
        );
    }
    if (target === name) {
        return fail("an environment cannot share with itself", "name another environment of this stack, or remove shareDataWith");
    }
    if (!(target in all)) {
        return fail(
            `there is no environment "${target}" in this stack`,
            `use one of ${
                Object.keys(all)
                    .filter(n => n !== name)
                    .sort()
                    .join(", ") || "(none)"
            }, or remove shareDataWith`,
        );
    }
    if (all[target].shareDataWith !== undefined) {
        return fail(
            `${target} itself shares the data tier of ${all[target].shareDataWith}`,
            `point shareDataWith at ${all[target].shareDataWith}, which owns its data tier`,
        );
    }
    return [];
}
