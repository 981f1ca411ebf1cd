/**
 * What is watched in an environment and when it pages: pure functions from identifiers and thresholds to alarm
 * specifications and to the dashboard's widgets, so the component stays thin and the tests read the same list.
 * Generic over the identifier type: strings in tests, Pulumi outputs in the component.
 * Metric names and dimensions: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html,
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-cloudwatchmetrics.html,
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html,
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html
 */
import { stableJson } from "../account/iamPolicy";
import { maxConnections } from "../data/connectionBudgetConfig";
import type { DatabaseEngine } from "../data/database";

export interface Subscription {
    readonly protocol: "email" | "https";
    readonly endpoint: string;
}

/** The thresholds of an environment's alarms (config/alarms.ts applies the defaults). */
export interface AlarmThresholds {
    readonly loadBalancer5xxPerMinute: number;
    readonly target5xxPerMinute: number;
    /** 5xx answers (load balancer and app) as a percent of requests over 5 minutes: the low-traffic page. */
    readonly errorRatePercent: number;
    /** Requests in those 5 minutes below which the ratio is not judged (one error in three requests is not an outage). */
    readonly errorRateMinRequests: number;
    readonly latencyP99Seconds: number;
    readonly databaseCpuPercent: number;
    readonly databaseFreeStoragePercent: number;
    readonly databaseConnectionsPercent: number;
    /** Overrides the table below, for a class it does not list. */
    readonly databaseMaxConnections?: number;
    readonly searchFreeStoragePercent: number;
    readonly searchJvmPressurePercent: number;
    readonly tenantRuleRequests: number;
}

export type Comparison = "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";

/** One metric, as an alarm or a metric math expression reads it. */
export interface MetricRef<T> {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, T>>;
    /** A statistic (Sum, Average, Minimum, Maximum) or a percentile (p99). */
    readonly statistic: string;
}

/**
 * A metric math expression an alarm watches instead of one metric: `metrics` by their id in the expression.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html
 */
export interface AlarmMath<T> {
    readonly expression: string;
    readonly label: string;
    readonly metrics: Readonly<Record<string, MetricRef<T>>>;
}

/** One CloudWatch alarm on one metric (namespace, metricName, dimensions, statistic) or on a metric math expression. */
export type AlarmSpec<T> = AlarmBase & ((MetricRef<T> & { readonly math?: undefined }) | { readonly math: AlarmMath<T> });

interface AlarmBase {
    /** Stable key: names the alarm resource (`<env>-<key>`) and the alarm (`twine-<env>-<key>`). */
    readonly key: string;
    /** The key the alarm's resource had before: it answers to that URN too (an alias). @default - none */
    readonly formerKey?: string;
    /** What it means and what to look at first: the alarm description the notification carries. */
    readonly description: string;
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly threshold: number;
    readonly comparison: Comparison;
    /** Counts are absent when nothing happened: missing data is not a breach for them. */
    readonly treatMissingData: "notBreaching" | "breaching" | "missing";
    /** Of evaluationPeriods, how many must breach (all of them when absent). */
    readonly datapointsToAlarm?: number;
}

/** What the alarms of one environment watch. Optional parts: a shared data tier is watched by its owner only. */
export interface EnvironmentWatch<T> {
    readonly environment: string;
    /** The ALB's ARN suffix (app/<name>/<id>) and its target group's (targetgroup/<name>/<id>). */
    readonly loadBalancer: T;
    readonly targetGroup: T;
    readonly autoScalingGroup: T;
    readonly groupMaxSize: number;
    readonly database?: {
        readonly identifier: T;
        readonly engine: DatabaseEngine;
        readonly instanceClass: string;
        /** The instance's initial storage: the free-storage threshold is a share of it. */
        readonly allocatedStorageGiB: number;
        /**
         * The RDS Proxy in front, when there is one: its name (the ProxyName dimension) and MaxConnectionsPercent. The
         * connections alarm then watches the connections the proxy opens, against the most it may open.
         */
        readonly proxy?: { readonly name: T; readonly maxConnectionsPercent: number };
    };
    readonly search?: {
        readonly domainName: T;
        readonly accountId: string;
        readonly instanceCount: number;
        readonly volumeSizeGiB: number;
    };
    /** The web ACL's metric name and its per-tenant rule's, with the rule's action. */
    readonly waf: {
        readonly webAcl: T;
        readonly region: string;
        readonly tenantRule?: { readonly metricName: T; readonly action: "count" | "block" };
    };
}

/**
 * The engine's default max_connections for a class, from the class's whole memory (maxConnections with a memory
 * share of 1). DBInstanceClassMemory is a little under the class's memory, so this errs high by a few percent; the
 * alarm's percentage leaves room for it.
 */
export function defaultMaxConnections(engine: DatabaseEngine, instanceClass: string): number | undefined {
    return maxConnections(engine, instanceClass, 1);
}

/** Problems with thresholds that only show against the environment's settings, quoting the values. */
export function alarmProblems(
    thresholds: AlarmThresholds,
    database: { readonly engine: DatabaseEngine; readonly instanceClass: string } | undefined,
): string[] {
    if (!database || thresholds.databaseMaxConnections !== undefined) return [];
    return defaultMaxConnections(database.engine, database.instanceClass) === undefined
        ? [
              `the connections alarm needs the max_connections of ${database.instanceClass}, which is not in the built-in ` +
                  "table (t, m and r classes)",
          ]
        : [];
}

/** The alarm name of an environment's alarm, as EnvironmentOperations names it (unique per account and region). */
export const environmentAlarmName = (environment: string, key: string) => `twine-${environment}-${key}`;

/**
 * The alarms an instance refresh watches: the ones a bad image sets off within minutes, and that depend only on the
 * load balancer and target group (which exist before any refresh starts, so the names always resolve).
 */
export const REFRESH_ALARM_KEYS = ["alb-5xx", "target-5xx", "5xx-ratio", "unhealthy-hosts"] as const;
export const refreshAlarmNames = (environment: string) => REFRESH_ALARM_KEYS.map(k => environmentAlarmName(environment, k));

/**
 * The connections a proxy holds to the database as a share of the most it may open, as published: the proxy computes
 * MaxDatabaseConnectionsAllowed from MaxConnectionsPercent and the instance's real max_connections, which no formula
 * here knows exactly. RDS publishes proxy metrics per node serving the proxy, to be aggregated with Sum, and
 * DatabaseConnections every minute (RDS User Guide, "Monitoring RDS Proxy metrics with Amazon CloudWatch",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.monitoring.html). Past 100% the app's queries
 * wait for a connection, then fail after ConnectionBorrowTimeout.
 */
function proxyConnectionsAlarm<T>(
    environment: string,
    proxy: { readonly name: T; readonly maxConnectionsPercent: number },
    percent: number,
): AlarmSpec<T> {
    const proxyMetric = (metricName: string): MetricRef<T> => ({
        namespace: "AWS/RDS",
        metricName,
        dimensions: { ProxyName: proxy.name },
        statistic: "Sum",
    });
    return {
        key: "db-proxy-connections",
        description:
            `${environment}: the proxy holds over ${percent}% of the database connections it may open ` +
            `(MaxDatabaseConnectionsAllowed, ${proxy.maxConnectionsPercent}% of max_connections) in 8 of 10 minutes. Past it ` +
            "the app's queries wait for a connection, then fail. Compare the proxy's ClientConnections (pinned sessions?).",
        periodSeconds: 60,
        evaluationPeriods: 10,
        datapointsToAlarm: 8,
        threshold: percent,
        comparison: "GreaterThanThreshold",
        treatMissingData: "missing",
        math: {
            expression: "100 * open / allowed",
            label: "% of the connections the proxy may open",
            metrics: { open: proxyMetric("DatabaseConnections"), allowed: proxyMetric("MaxDatabaseConnectionsAllowed") },
        },
    };
}

/**
 * 5xx answers as a percent of requests, judged only with at least `minRequests` requests in the period (0 below it,
 * so no page). The counts are absent when nothing happened: FILL makes them 0.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html (IF, FILL)
 */
export function errorRatio<T>(lb: Readonly<Record<string, T>>, tg: Readonly<Record<string, T>>, minRequests: number): AlarmMath<T> {
    return {
        expression: `IF(FILL(requests, 0) >= ${minRequests}, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)`,
        label: "5xx % of requests",
        metrics: {
            requests: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: lb, statistic: "Sum" },
            elb5xx: { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_ELB_5XX_Count", dimensions: lb, statistic: "Sum" },
            target5xx: { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions: tg, statistic: "Sum" },
        },
    };
}

/** Every alarm of one environment, in a stable order. */
export function environmentAlarms<T>(watch: EnvironmentWatch<T>, t: AlarmThresholds): AlarmSpec<T>[] {
    const lb = { LoadBalancer: watch.loadBalancer };
    const tg = { LoadBalancer: watch.loadBalancer, TargetGroup: watch.targetGroup };
    const minute = { periodSeconds: 60 };
    const alarms: AlarmSpec<T>[] = [
        {
            key: "alb-5xx",
            description:
                `${watch.environment}: the load balancer itself answers 5xx (no healthy target, timeouts) more than ` +
                `${t.loadBalancer5xxPerMinute}/minute for 5 minutes. Check target health and the latest instance refresh.`,
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_ELB_5XX_Count",
            dimensions: lb,
            statistic: "Sum",
            ...minute,
            evaluationPeriods: 5,
            threshold: t.loadBalancer5xxPerMinute,
            comparison: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        },
        {
            key: "target-5xx",
            description:
                `${watch.environment}: the app answers 5xx more than ${t.target5xxPerMinute}/minute for 5 minutes. ` +
                "Read /twine/<env>/app/twine; roll back if a release just went out (docs/operations.md).",
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_Target_5XX_Count",
            dimensions: tg,
            statistic: "Sum",
            ...minute,
            evaluationPeriods: 5,
            threshold: t.target5xxPerMinute,
            comparison: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        },
        {
            key: "5xx-ratio",
            description:
                `${watch.environment}: over ${t.errorRatePercent}% of requests answered 5xx (load balancer or app) in 5 minutes, ` +
                `with at least ${t.errorRateMinRequests} requests. Pages a quiet environment the per-minute counts never reach. ` +
                "Read /twine/<env>/app/twine; roll back if a release just went out (docs/operations.md).",
            math: errorRatio(lb, tg, t.errorRateMinRequests),
            periodSeconds: 300,
            evaluationPeriods: 1,
            threshold: t.errorRatePercent,
            comparison: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        },
        {
            key: "latency-p99",
            description:
                `${watch.environment}: 1 request in 100 takes over ${t.latencyP99Seconds}s, 5 minutes running. ` +
                `Check database CPU and the group's size.`,
            namespace: "AWS/ApplicationELB",
            metricName: "TargetResponseTime",
            dimensions: tg,
            statistic: "p99",
            ...minute,
            evaluationPeriods: 5,
            threshold: t.latencyP99Seconds,
            comparison: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        },
        {
            key: "unhealthy-hosts",
            description:
                `${watch.environment}: a server has failed the health check for 5 minutes (longer than a replacement takes). ` +
                `Check the group's activity.`,
            namespace: "AWS/ApplicationELB",
            metricName: "UnHealthyHostCount",
            dimensions: tg,
            statistic: "Maximum",
            ...minute,
            evaluationPeriods: 5,
            threshold: 1,
            comparison: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
        },
        {
            key: "group-at-max",
            description:
                `${watch.environment}: the group has run at its maximum (${watch.groupMaxSize}) for 15 minutes: scaling cannot ` +
                "add capacity. Raise app.maxSize, or find what drives the load.",
            namespace: "AWS/AutoScaling",
            metricName: "GroupInServiceInstances",
            dimensions: { AutoScalingGroupName: watch.autoScalingGroup },
            statistic: "Minimum",
            ...minute,
            evaluationPeriods: 15,
            threshold: watch.groupMaxSize,
            comparison: "GreaterThanOrEqualToThreshold",
            treatMissingData: "missing",
        },
    ];
    const db = watch.database;
    if (db) {
        const dims = { DBInstanceIdentifier: db.identifier };
        const maxConnections = t.databaseMaxConnections ?? defaultMaxConnections(db.engine, db.instanceClass);
        if (maxConnections === undefined) throw new Error(alarmProblems(t, db)[0]);
        const connections = Math.floor((maxConnections * t.databaseConnectionsPercent) / 100);
        // Whole mebibytes: the threshold is in bytes, and a round figure reads as one on the alarm.
        const freeBytes = Math.floor((db.allocatedStorageGiB * 1024 * t.databaseFreeStoragePercent) / 100) * 1024 * 1024;
        alarms.push(
            {
                key: "db-cpu",
                description:
                    `${watch.environment}: database CPU above ${t.databaseCpuPercent}% for 15 minutes. ` +
                    `Open Performance Insights for the top queries.`,
                namespace: "AWS/RDS",
                metricName: "CPUUtilization",
                dimensions: dims,
                statistic: "Average",
                periodSeconds: 300,
                evaluationPeriods: 3,
                threshold: t.databaseCpuPercent,
                comparison: "GreaterThanThreshold",
                treatMissingData: "missing",
            },
            {
                key: "db-free-storage",
                description:
                    `${watch.environment}: under ${t.databaseFreeStoragePercent}% of ${db.allocatedStorageGiB} GiB free for 15 minutes. ` +
                    "Storage autoscaling (which adds space at 10% free after 5 minutes) has not: it is at maxAllocatedStorageGiB " +
                    "or in its 6-hour cooldown. Raise maxAllocatedStorageGiB, or modify the storage by hand.",
                namespace: "AWS/RDS",
                metricName: "FreeStorageSpace",
                dimensions: dims,
                statistic: "Minimum",
                periodSeconds: 300,
                evaluationPeriods: 3,
                threshold: freeBytes,
                comparison: "LessThanThreshold",
                treatMissingData: "missing",
            },
            {
                key: "db-connections",
                // Behind a proxy too: operators and migrations connect to the instance directly, beside the proxy.
                description:
                    `${watch.environment}: over ${connections} connections, ${t.databaseConnectionsPercent}% of max_connections ` +
                    `(${maxConnections}), for 10 minutes. New connections will soon be refused.` +
                    (db.proxy ? " The proxy's share is on the dashboard; the rest are operators' and migrations'." : ""),
                namespace: "AWS/RDS",
                metricName: "DatabaseConnections",
                dimensions: dims,
                statistic: "Maximum",
                periodSeconds: 300,
                evaluationPeriods: 2,
                threshold: connections,
                comparison: "GreaterThanThreshold",
                treatMissingData: "missing",
            },
        );
        if (db.proxy) alarms.push(proxyConnectionsAlarm(watch.environment, db.proxy, t.databaseConnectionsPercent));
    }
    const search = watch.search;
    if (search) {
        const dims = { DomainName: search.domainName, ClientId: search.accountId as unknown as T };
        alarms.push(
            {
                key: "search-red",
                description: `${watch.environment}: a primary shard is unassigned (cluster status red): searches fail for that index.`,
                namespace: "AWS/ES",
                metricName: "ClusterStatus.red",
                dimensions: dims,
                statistic: "Maximum",
                ...minute,
                evaluationPeriods: 1,
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                treatMissingData: "missing",
            },
            {
                key: "search-free-storage",
                description:
                    `${watch.environment}: a search node has under ${t.searchFreeStoragePercent}% of its ` +
                    `${search.volumeSizeGiB} GiB free; at 0 writes stop.`,
                namespace: "AWS/ES",
                metricName: "FreeStorageSpace",
                dimensions: dims,
                statistic: "Minimum",
                ...minute,
                evaluationPeriods: 1,
                // FreeStorageSpace is in megabytes, per node (Minimum: the emptiest).
                threshold: Math.floor((search.volumeSizeGiB * 1024 * t.searchFreeStoragePercent) / 100),
                comparison: "LessThanOrEqualToThreshold",
                treatMissingData: "missing",
            },
            {
                key: "search-jvm-pressure",
                description:
                    `${watch.environment}: JVM memory pressure at ${t.searchJvmPressurePercent}% or more for 3 minutes: ` +
                    `nodes are about to run out of heap.`,
                namespace: "AWS/ES",
                metricName: "JVMMemoryPressure",
                dimensions: dims,
                statistic: "Maximum",
                ...minute,
                evaluationPeriods: 3,
                threshold: t.searchJvmPressurePercent,
                comparison: "GreaterThanOrEqualToThreshold",
                treatMissingData: "missing",
            },
        );
        // Yellow (a replica unassigned) is the normal state of a one-node domain, which has nowhere to put replicas:
        // an alarm there would never clear.
        if (search.instanceCount > 1) {
            alarms.push({
                key: "search-yellow",
                description:
                    `${watch.environment}: a replica shard is unassigned (cluster status yellow) for 5 minutes: ` +
                    `one more node lost loses data.`,
                namespace: "AWS/ES",
                metricName: "ClusterStatus.yellow",
                dimensions: dims,
                statistic: "Maximum",
                ...minute,
                evaluationPeriods: 5,
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                treatMissingData: "missing",
            });
        }
    }
    const rule = watch.waf.tenantRule;
    if (rule) {
        alarms.push({
            key: "tenant-rate",
            description:
                `${watch.environment}: a tenant went over its per-tenant rate (${rule.action === "block" ? "blocked" : "counted"} ` +
                `requests above ${t.tenantRuleRequests} in 5 minutes). The WAF's sampled requests name the tenant.`,
            namespace: "AWS/WAFV2",
            metricName: rule.action === "block" ? "BlockedRequests" : "CountedRequests",
            dimensions: { WebACL: watch.waf.webAcl, Rule: rule.metricName, Region: watch.waf.region as unknown as T },
            statistic: "Sum",
            periodSeconds: 300,
            evaluationPeriods: 1,
            threshold: t.tenantRuleRequests,
            comparison: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        });
    }
    return alarms;
}

/** A NAT gateway the account watches: its stable key (its zone's AZ id), and the key it was once watched under. */
export interface WatchedNat<T> {
    readonly key: string;
    readonly id: T;
    /** The key its alarms' resources had before (their position): they answer to those URNs too. @default - none */
    readonly formerKey?: string;
}

/**
 * The key of the NAT gateway in the i-th public subnet: its zone's AZ id when the zones are pinned (network.zoneIds),
 * which names the same zone in every account and does not shift when a gateway is added or removed before it;
 * its position otherwise, as unpinned zones are themselves only known by position.
 */
export function natGatewayKey(zoneIds: readonly string[] | undefined, index: number): string {
    return zoneIds?.[index] ?? String(index);
}

/** The account's own alarms: each NAT gateway's port allocation errors and dropped packets, keyed by its zone. */
export function natAlarms<T>(natGateways: readonly WatchedNat<T>[]): AlarmSpec<T>[] {
    return natGateways.flatMap(({ key, id, formerKey }) => [
        {
            key: `nat-${key}-port-allocation`,
            ...(formerKey !== undefined && formerKey !== key ? { formerKey: `nat-${formerKey}-port-allocation` } : {}),
            description:
                `NAT gateway in ${key}: it could not allocate a source port (too many connections to one destination). ` +
                `Outbound calls fail.`,
            namespace: "AWS/NATGateway",
            metricName: "ErrorPortAllocation",
            dimensions: { NatGatewayId: id },
            statistic: "Sum",
            periodSeconds: 300,
            evaluationPeriods: 1,
            threshold: 0,
            comparison: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        },
        {
            key: `nat-${key}-packets-dropped`,
            ...(formerKey !== undefined && formerKey !== key ? { formerKey: `nat-${formerKey}-packets-dropped` } : {}),
            description:
                `NAT gateway in ${key}: it dropped packets for 15 minutes (AWS suggests alarming on any sustained drop). ` +
                `Check its bandwidth and the AZ.`,
            namespace: "AWS/NATGateway",
            metricName: "PacketsDropCount",
            dimensions: { NatGatewayId: id },
            statistic: "Sum",
            periodSeconds: 300,
            evaluationPeriods: 3,
            threshold: 0,
            comparison: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        },
    ]);
}

// ---------------------------------------------------------------------------------------------------------------
// The dashboard

type MetricRow = (string | { stat?: string; label?: string; id?: string; visible?: boolean; expression?: string })[];

interface Widget {
    readonly type: "metric";
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly properties: {
        readonly title: string;
        readonly region: string;
        readonly view: "timeSeries";
        readonly stacked: false;
        readonly period: number;
        readonly metrics: MetricRow[];
        readonly annotations?: { horizontal: { label: string; value: number }[] };
    };
}

const row = (
    namespace: string,
    metricName: string,
    dimensions: Readonly<Record<string, string>>,
    stat: string,
    label?: string,
): MetricRow => [namespace, metricName, ...Object.entries(dimensions).flat(), { stat, ...(label ? { label } : {}) }];

/**
 * The environment's dashboard body: requests and errors, latency, group size against demand, database and search
 * health, the per-tenant WAF counts, each alarm's threshold drawn on its graph. Built from the same watch and alarm
 * list as the alarms, so the two cannot disagree on a metric or a dimension.
 */
export function dashboardBody(region: string, watch: EnvironmentWatch<string>, alarms: readonly AlarmSpec<string>[]): string {
    const lb = { LoadBalancer: watch.loadBalancer };
    const tg = { LoadBalancer: watch.loadBalancer, TargetGroup: watch.targetGroup };
    const asg = { AutoScalingGroupName: watch.autoScalingGroup };
    const thresholdOf = (key: string) => alarms.find(a => a.key === key);
    const lines = (...keys: string[]) =>
        keys.flatMap(k => {
            const a = thresholdOf(k);
            return a ? [{ label: `alarm ${a.key}`, value: a.threshold }] : [];
        });
    const panels: { title: string; metrics: MetricRow[]; period?: number; annotations?: string[] }[] = [
        {
            title: "Requests and errors",
            metrics: [
                row("AWS/ApplicationELB", "RequestCount", lb, "Sum", "requests"),
                row("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum", "load balancer 5xx"),
                row("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", tg, "Sum", "app 5xx"),
            ],
            annotations: ["alb-5xx", "target-5xx"],
        },
        {
            title: "Latency (p50, p99)",
            metrics: [
                row("AWS/ApplicationELB", "TargetResponseTime", tg, "p50", "p50"),
                row("AWS/ApplicationELB", "TargetResponseTime", tg, "p99", "p99"),
            ],
            annotations: ["latency-p99"],
        },
        {
            title: "Group size against demand",
            metrics: [
                row("AWS/AutoScaling", "GroupInServiceInstances", asg, "Average", "in service"),
                row("AWS/AutoScaling", "GroupDesiredCapacity", asg, "Average", "desired"),
                row("AWS/AutoScaling", "GroupMaxSize", asg, "Average", "maximum"),
                row("AWS/ApplicationELB", "HealthyHostCount", tg, "Minimum", "healthy"),
                row("AWS/ApplicationELB", "UnHealthyHostCount", tg, "Maximum", "unhealthy"),
            ],
            annotations: ["group-at-max"],
        },
    ];
    // The ratio alarm's expression, over its own metrics (hidden: the panel above draws them).
    const ratio = thresholdOf("5xx-ratio");
    if (ratio?.math) {
        panels.push({
            title: "5xx % of requests",
            period: ratio.periodSeconds,
            metrics: [
                ...Object.entries(ratio.math.metrics).map(([id, m]) => [
                    m.namespace,
                    m.metricName,
                    ...Object.entries(m.dimensions).flat(),
                    { stat: m.statistic, id, visible: false },
                ]),
                [{ expression: ratio.math.expression, label: ratio.math.label, id: "ratio" }],
            ],
            annotations: ["5xx-ratio"],
        });
    }
    if (watch.database) {
        const db = { DBInstanceIdentifier: watch.database.identifier };
        const proxy = { ProxyName: watch.database.proxy?.name ?? "" };
        panels.push(
            { title: "Database CPU", metrics: [row("AWS/RDS", "CPUUtilization", db, "Average", "CPU %")], annotations: ["db-cpu"] },
            {
                title: "Database connections and free storage",
                metrics: [
                    ...(watch.database.proxy
                        ? [
                              // Per node serving the proxy: summed (rds-proxy.monitoring.html).
                              row("AWS/RDS", "ClientConnections", proxy, "Sum", "app to proxy"),
                              row("AWS/RDS", "DatabaseConnections", proxy, "Sum", "proxy to database"),
                              row("AWS/RDS", "MaxDatabaseConnectionsAllowed", proxy, "Sum", "proxy may open"),
                          ]
                        : []),
                    row("AWS/RDS", "DatabaseConnections", db, "Maximum", "connections"),
                    row("AWS/RDS", "FreeStorageSpace", db, "Minimum", "free bytes"),
                ],
                annotations: ["db-connections"],
            },
        );
    }
    if (watch.search) {
        const es = { DomainName: watch.search.domainName, ClientId: watch.search.accountId };
        panels.push({
            title: "Search health",
            metrics: [
                row("AWS/ES", "ClusterStatus.red", es, "Maximum", "red"),
                row("AWS/ES", "ClusterStatus.yellow", es, "Maximum", "yellow"),
                row("AWS/ES", "JVMMemoryPressure", es, "Maximum", "JVM pressure %"),
                row("AWS/ES", "FreeStorageSpace", es, "Minimum", "free MB (emptiest node)"),
            ],
            annotations: ["search-jvm-pressure"],
        });
    }
    const tenant = watch.waf.tenantRule;
    if (tenant) {
        const rule = { WebACL: watch.waf.webAcl, Rule: tenant.metricName, Region: watch.waf.region };
        panels.push({
            title: "Per-tenant WAF rule",
            period: 300,
            metrics: [
                row("AWS/WAFV2", tenant.action === "block" ? "BlockedRequests" : "CountedRequests", rule, "Sum", "over the tenant rate"),
            ],
            annotations: ["tenant-rate"],
        });
    }
    const widgets: Widget[] = panels.map((p, i) => {
        const horizontal = lines(...(p.annotations ?? []));
        return {
            type: "metric",
            x: (i % 2) * 12,
            y: Math.floor(i / 2) * 6,
            width: 12,
            height: 6,
            properties: {
                title: `${watch.environment}: ${p.title}`,
                region,
                view: "timeSeries",
                stacked: false,
                period: p.period ?? 60,
                metrics: p.metrics,
                ...(horizontal.length > 0 ? { annotations: { horizontal } } : {}),
            },
        };
    });
    return stableJson({ widgets });
}
