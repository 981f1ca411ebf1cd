/**
 * Operations over the plans: every alarm reaches a topic CloudWatch may publish to and watches a metric that a
 * resource of the plan publishes (with the dimensions AWS publishes it under); the dashboard shows only such metrics.
 */
import { strict as assert } from "assert";
import { dependencyGraph } from "../bench/criticalPath";
import { instanceClassMemoryGiB } from "../components/data/connectionBudgetConfig";
import {
    AlarmThresholds,
    MetricRef,
    defaultMaxConnections,
    environmentAlarms,
    errorRatio,
    natAlarms,
    natGatewayKey,
} from "../components/operations/alarmConfig";
import { backupJobFailurePattern, guardDutyFindingPattern } from "../components/operations/monitoring";
import { ConfigError, parseStackConfig } from "../config";
import { withAlarmDefaults } from "../config/alarms";
import { RESOURCE_MOCKS } from "../plan/mocks";
import { Plan, PlannedResource } from "../plan/run";
import { fixtureConfig, objectKey, withKey, writeStackFile } from "./helpers/config";
import { answeredUrns, engineUrns } from "../plan/urns";
import { ancestors, committedPlanOf, ofType, planOf, planWithConfig } from "./helpers/plans";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const PAGING_WEBHOOK = "twine-infra:pagingWebhook";
const KEY = "aws:kms/key:Key";

const idOf = (r: PlannedResource, accountId: string) => RESOURCE_MOCKS[r.type].id(r.name, r.inputs, { accountId, region: "eu-west-1" });
const componentOf = (plan: Plan, r: PlannedResource) => ancestors(plan, r).find(a => a.type.startsWith("twine:index:"))!;
const accountOf = (stack: string) => fixtureConfig(stack)["twine-infra:accountId"];

/**
 * The metrics AWS publishes, per namespace, with the one dimension set each is published under (the documentation
 * pages cited in components/operations/alarmConfig.ts).
 */
const PUBLISHED: Record<string, { dimensions: string[][]; metrics: string[] }> = {
    "AWS/ApplicationELB": {
        dimensions: [["LoadBalancer"], ["LoadBalancer", "TargetGroup"], ["TargetGroup"]],
        metrics: [
            "RequestCount",
            "RequestCountPerTarget",
            "HTTPCode_ELB_5XX_Count",
            "HTTPCode_Target_5XX_Count",
            "TargetResponseTime",
            "HealthyHostCount",
            "UnHealthyHostCount",
        ],
    },
    "AWS/AutoScaling": {
        dimensions: [["AutoScalingGroupName"]],
        metrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupMaxSize"],
    },
    // RDS Proxy publishes in AWS/RDS too, under ProxyName (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.monitoring.html).
    "AWS/RDS": {
        dimensions: [["DBInstanceIdentifier"], ["ProxyName"]],
        metrics: ["CPUUtilization", "FreeStorageSpace", "DatabaseConnections", "ClientConnections", "MaxDatabaseConnectionsAllowed"],
    },
    "AWS/ES": {
        dimensions: [["ClientId", "DomainName"]],
        metrics: ["ClusterStatus.red", "ClusterStatus.yellow", "FreeStorageSpace", "JVMMemoryPressure"],
    },
    "AWS/WAFV2": { dimensions: [["Region", "Rule", "WebACL"]], metrics: ["CountedRequests", "BlockedRequests"] },
    "AWS/NATGateway": { dimensions: [["NatGatewayId"]], metrics: ["ErrorPortAllocation", "PacketsDropCount"] },
};
/** Metrics that only exist per target group (LoadBalancer and TargetGroup together). */
/** What a proxy publishes (by ProxyName), and what only a proxy publishes. */
const PROXY_METRICS = ["ClientConnections", "DatabaseConnections", "MaxDatabaseConnectionsAllowed"];
const PROXY_ONLY = ["ClientConnections", "MaxDatabaseConnectionsAllowed"];
const PER_TARGET_GROUP = [
    "RequestCountPerTarget",
    "HTTPCode_Target_5XX_Count",
    "TargetResponseTime",
    "HealthyHostCount",
    "UnHealthyHostCount",
];

/** For each dimension, the values the plan's resources publish metrics under. */
function publishedValues(plan: Plan, stack: string): Record<string, Set<string>> {
    const account = accountOf(stack);
    const values = (type: string, f: (r: PlannedResource) => string[]) => new Set(ofType(plan, type).flatMap(f));
    const wafRules = (r: PlannedResource) =>
        (r.inputs.rules as { visibilityConfig: { metricName: string; cloudwatchMetricsEnabled: boolean } }[])
            .filter(rule => rule.visibilityConfig.cloudwatchMetricsEnabled)
            .map(rule => rule.visibilityConfig.metricName);
    return {
        LoadBalancer: values("aws:lb/loadBalancer:LoadBalancer", r => [idOf(r, account).split(":loadbalancer/")[1]]),
        TargetGroup: values("aws:lb/targetGroup:TargetGroup", r => [idOf(r, account).split(":")[5]]),
        // Group metrics exist only for the metrics the group enables.
        AutoScalingGroupName: values("aws:autoscaling/group:Group", r => [idOf(r, account)]),
        DBInstanceIdentifier: values("aws:rds/instance:Instance", r => [String(r.inputs.identifier)]),
        ProxyName: values("aws:rds/proxy:Proxy", r => [String(r.inputs.name)]),
        DomainName: values("aws:opensearch/domain:Domain", r => [String(r.inputs.domainName)]),
        ClientId: new Set([account]),
        WebACL: values("aws:wafv2/webAcl:WebAcl", r => [(r.inputs.visibilityConfig as { metricName: string }).metricName]),
        Rule: values("aws:wafv2/webAcl:WebAcl", wafRules),
        Region: new Set(["eu-west-1"]),
        NatGatewayId: values("aws:ec2/natGateway:NatGateway", r => [idOf(r, account)]),
    };
}

/** Why a metric (namespace, name, dimensions) is one no resource of the plan publishes, or undefined when it is. */
function unpublished(plan: Plan, stack: string, namespace: string, metric: string, dimensions: Record<string, string>): string | undefined {
    const spec = PUBLISHED[namespace];
    if (!spec) return `namespace ${namespace} is not one we watch`;
    if (!spec.metrics.includes(metric)) return `${namespace} publishes no ${metric}`;
    const keys = Object.keys(dimensions).sort();
    if (!spec.dimensions.some(d => d.join() === keys.join())) return `${namespace} publishes nothing under [${keys}]`;
    if (PER_TARGET_GROUP.includes(metric) && !keys.includes("TargetGroup")) return `${metric} needs a TargetGroup dimension`;
    if (keys.includes("ProxyName") && !PROXY_METRICS.includes(metric)) return `a proxy publishes no ${metric}`;
    if (PROXY_ONLY.includes(metric) && !keys.includes("ProxyName")) return `${metric} needs a ProxyName dimension`;
    const known = publishedValues(plan, stack);
    for (const [k, v] of Object.entries(dimensions)) if (!known[k]?.has(v)) return `no resource publishes ${k}=${v}`;
    if (namespace === "AWS/AutoScaling") {
        const group = ofType(plan, "aws:autoscaling/group:Group").find(g => idOf(g, accountOf(stack)) === dimensions.AutoScalingGroupName)!;
        if (!(group.inputs.enabledMetrics as string[]).includes(metric)) return `the group does not enable ${metric}`;
    }
    return undefined;
}

/** One of a math alarm's metric queries, as the plan records it. */
interface MetricQuery {
    id: string;
    returnData?: boolean;
    expression?: string;
    metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat?: string };
}

/** Alarms that page someone: the bastion's recovery alarm acts on its instance, a fleet's step scale-out on its policy. */
const alarmsOf = (plan: Plan) =>
    ofType(plan, ALARM).filter(a => componentOf(plan, a)?.type !== "twine:index:Bastion" && !isScalingAlarm(a));
/** An alarm whose actions are all scaling policies of the plan (autoscaling, not a person). */
function isScalingAlarm(alarm: PlannedResource): boolean {
    const actions = (alarm.inputs.alarmActions as string[] | undefined) ?? [];
    return actions.length > 0 && actions.every(a => /^arn:aws:autoscaling:[^:]+:\d+:scalingPolicy:/.test(a));
}

/** The account's second alert topic (twine-<account>-tampering), which only the tampering calls' second path uses. */
const isTamperingTopic = (arnOrName: unknown) => String(arnOrName).endsWith("-tampering");

describe("operations (over the plans)", () => {
    for (const stack of ["dev", "prod"] as const) {
        describe(stack, () => {
            it("gives every environment and the account an encrypted topic that CloudWatch and EventBridge may publish to", async () => {
                const plan = await planOf(stack);
                const envs = Object.keys(plan.outputs.environments as object);
                const topics = ofType(plan, "aws:sns/topic:Topic");
                assert.deepEqual(
                    topics.map(t => t.inputs.name).sort(),
                    // The account's second topic carries only the tampering calls' second path (AccountAlerts).
                    [...envs.map(e => `twine-${e}-alarms`), `twine-${stack}-account`, `twine-${stack}-tampering`].sort(),
                );
                for (const topic of topics) {
                    const [key] = ofType(plan, KEY).filter(
                        k => k.parent === topic.parent && k.name === topic.name.replace(/-topic$/, "-topic-key"),
                    );
                    assert.ok(key, `${topic.name} has no key of its own`);
                    assert.equal(
                        topic.inputs.kmsMasterKeyId,
                        `arn:aws:kms:eu-west-1:${accountOf(stack)}:key/${idOf(key, accountOf(stack))}`,
                    );
                    const keyPolicy = JSON.parse(String(key.inputs.policy));
                    const publishers = keyPolicy.Statement.find((s: { Sid: string }) => s.Sid === "AlarmAndEventPublishers");
                    assert.deepEqual(publishers.Principal.Service, ["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
                    assert.deepEqual(publishers.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
                    const [policy] = ofType(plan, TOPIC_POLICY).filter(p => p.parent === topic.urn);
                    const allow = JSON.parse(String(policy.inputs.policy)).Statement[0];
                    assert.deepEqual(
                        [allow.Effect, allow.Action, allow.Principal.Service],
                        ["Allow", "sns:Publish", ["cloudwatch.amazonaws.com", "events.amazonaws.com"]],
                    );
                    assert.equal(allow.Condition.StringEquals["aws:SourceAccount"], accountOf(stack));
                    assert.equal(key.options.protect, stack === "prod");
                }
            });

            it("gives every alarm an action on its component's topic, for firing and for clearing", async () => {
                const plan = await planOf(stack);
                const alarms = alarmsOf(plan);
                assert.ok(alarms.length >= 10, `${alarms.length} alarms`);
                for (const alarm of alarms) {
                    const [policy] = ofType(plan, TOPIC_POLICY).filter(
                        p => componentOf(plan, p).urn === componentOf(plan, alarm).urn && !isTamperingTopic(p.inputs.arn),
                    );
                    assert.deepEqual(alarm.inputs.alarmActions, [policy.inputs.arn], alarm.name);
                    assert.deepEqual(alarm.inputs.okActions, [policy.inputs.arn], alarm.name);
                }
            });

            it("watches only metrics a resource of the plan publishes, under the dimensions AWS publishes them with", async () => {
                const plan = await planOf(stack);
                for (const alarm of alarmsOf(plan)) {
                    // An alarm watches its own metric, or the metrics of its math expression (the one query returned).
                    const queries = alarm.inputs.metricQueries as MetricQuery[] | undefined;
                    const metrics = queries
                        ? queries.filter(q => q.metric).map(q => q.metric!)
                        : [alarm.inputs as unknown as NonNullable<MetricQuery["metric"]>];
                    if (queries) {
                        assert.deepEqual(
                            queries.filter(q => q.returnData).map(q => q.id),
                            ["alarm"],
                            `${alarm.name} returns one series`,
                        );
                        const expression = queries.find(q => q.returnData)!.expression!;
                        for (const id of expression.match(/\b[a-z][a-zA-Z0-9]*\b(?![(])/g) ?? [])
                            assert.ok(
                                queries.some(q => q.id === id && q.metric),
                                `${alarm.name}: ${id} in "${expression}" is no metric`,
                            );
                    }
                    for (const m of metrics) {
                        const why = unpublished(plan, stack, String(m.namespace), String(m.metricName), m.dimensions);
                        assert.equal(why, undefined, `${alarm.name}: ${why}`);
                    }
                }
                // Every environment is watched on each failure the issue lists (the data tier by its owner).
                const keys = new Set(alarmsOf(plan).map(a => String(a.inputs.name).replace(/^twine-[a-z0-9-]+?-(?=[a-z0-9]+-)/, "")));
                for (const key of [
                    "alb-5xx",
                    "target-5xx",
                    "5xx-ratio",
                    "latency-p99",
                    "unhealthy-hosts",
                    "group-at-max",
                    "db-cpu",
                    "db-free-storage",
                ])
                    assert.ok(
                        [...keys].some(k => k.endsWith(key)),
                        `no ${key} alarm`,
                    );
            });

            it("draws a dashboard per environment from the same metrics, every one published by a resource of the plan", async () => {
                const plan = await planOf(stack);
                const dashboards = ofType(plan, "aws:cloudwatch/dashboard:Dashboard");
                assert.deepEqual(
                    dashboards.map(d => d.inputs.dashboardName).sort(),
                    Object.keys(plan.outputs.environments as object)
                        .map(e => `twine-${e}`)
                        .sort(),
                );
                for (const dashboard of dashboards) {
                    const body = JSON.parse(String(dashboard.inputs.dashboardBody)) as {
                        widgets: { properties: { metrics: (string | object)[][]; region: string; title: string } }[];
                    };
                    const titles = body.widgets.map(w => w.properties.title).join(" | ");
                    for (const panel of [
                        "Requests and errors",
                        "5xx % of requests",
                        "Latency",
                        "Group size against demand",
                        "Database",
                        "Search health",
                        "Per-tenant WAF",
                    ])
                        assert.match(titles, new RegExp(panel), `${dashboard.name} lacks ${panel}`);
                    for (const widget of body.widgets) {
                        assert.equal(widget.properties.region, "eu-west-1");
                        const ids = widget.properties.metrics.flatMap(row =>
                            row.flatMap(x => (typeof x === "object" && "id" in x ? [x.id] : [])),
                        );
                        for (const row of widget.properties.metrics) {
                            // An expression row draws from the widget's other rows, by their ids.
                            const expression = row.find((x): x is { expression: string } => typeof x === "object" && "expression" in x);
                            if (expression) {
                                for (const id of expression.expression.match(/\b[a-z][a-zA-Z0-9]*\b(?![(])/g) ?? [])
                                    assert.ok(ids.includes(id), `${dashboard.name}: ${id} in "${expression.expression}" is no row`);
                                continue;
                            }
                            const [namespace, metric, ...rest] = row.filter((x): x is string => typeof x === "string");
                            const dimensions = Object.fromEntries(
                                Array.from({ length: rest.length / 2 }, (_, i) => [rest[2 * i], rest[2 * i + 1]]),
                            );
                            const why = unpublished(plan, stack, namespace, metric, dimensions);
                            assert.equal(why, undefined, `${dashboard.name} "${widget.properties.title}": ${why}`);
                        }
                    }
                }
            });

            it("routes what concerns the account to its topic: NAT errors always, GuardDuty findings when it has a detector", async () => {
                const plan = await planOf(stack);
                const nats = ofType(plan, "aws:ec2/natGateway:NatGateway");
                const natAlarms = alarmsOf(plan).filter(a => a.inputs.namespace === "AWS/NATGateway");
                assert.equal(natAlarms.length, 2 * nats.length);
                const rules = ofType(plan, "aws:cloudwatch/eventRule:EventRule");
                const detector = ofType(plan, "aws:guardduty/detector:Detector").length > 0;
                const guardDuty = rules.filter(r => String(r.inputs.name).endsWith("-guardduty"));
                assert.equal(guardDuty.length, detector ? 1 : 0);
                for (const rule of guardDuty) assert.deepEqual(JSON.parse(String(rule.inputs.eventPattern)), guardDutyFindingPattern());
                const trail = rules.find(r => String(r.inputs.name).endsWith("-trail-delivery"));
                assert.ok(trail, "no rule for what stops the trail");
                const [accountTopicPolicy] = ofType(plan, TOPIC_POLICY).filter(
                    p => componentOf(plan, p).type === "twine:index:AccountAlerts" && !isTamperingTopic(p.inputs.arn),
                );
                // Every rule to the account topic, but the tampering calls' second path, to its own topic.
                for (const rule of rules) {
                    const [target] = ofType(plan, "aws:cloudwatch/eventTarget:EventTarget").filter(t => t.parent === rule.urn);
                    const second = String(rule.inputs.name) === `twine-${stack}-tampering`;
                    assert.equal(isTamperingTopic(target.inputs.arn), second, String(rule.inputs.name));
                    if (!second) assert.equal(target.inputs.arn, accountTopicPolicy.inputs.arn);
                }
            });
        });
    }

    it("prod pages someone from every topic: the fixture's and the committed stack's plans", async () => {
        // GIVEN prod, planned from the fixture and from the committed stack file (any valid prod config)
        // THEN each topic, the environments' and the account's, has at least one subscription
        for (const plan of [await planOf("prod"), await committedPlanOf("prod")]) {
            const topics = ofType(plan, TOPIC);
            assert.ok(topics.length >= 2);
            for (const topic of topics) {
                const subscriptions = ofType(plan, SUBSCRIPTION).filter(s => s.parent === topic.urn);
                assert.ok(subscriptions.length >= 1, `${plan.stack}: ${topic.inputs.name} notifies nobody`);
            }
        }
    });

    it("a subscriber leaving the config is never unsubscribed from the tampering topic, which the deploy role may not do", async () => {
        // GIVEN prod with a paging webhook and the environments' subscribers  WHEN planned
        const config = withKey(fixtureConfig("prod"), PAGING_WEBHOOK, { secure: "v1:c2VjcmV0LXdlYmhvb2s=:dG9rZW4=" });
        const plan = await planWithConfig("prod", writeStackFile(config));
        const [tampering] = ofType(plan, TOPIC).filter(t => isTamperingTopic(t.inputs.name));
        const subscriptions = ofType(plan, SUBSCRIPTION);
        const onTampering = subscriptions.filter(s => s.parent === tampering.urn);
        // THEN every subscription of the tampering topic stays in AWS when it leaves the config (no Unsubscribe call,
        // which the guard denies there), and every other topic's subscriptions are removed as usual
        assert.ok(onTampering.length >= 2, "the tampering topic has the webhook and the environments' subscribers");
        for (const s of subscriptions) assert.equal(s.options.retainOnDelete, s.parent === tampering.urn, `${s.name}: retainOnDelete`);
    });

    it("prod routes failed, aborted and expired backup and copy jobs to the account topic; dev runs none", async () => {
        // GIVEN the fixture plans  THEN prod has one rule for both job kinds, on the states that leave no recovery point
        const prod = await planOf("prod");
        const rule = ofType(prod, "aws:cloudwatch/eventRule:EventRule").find(r => String(r.inputs.name).endsWith("-backup-failures"));
        assert.ok(rule, "no rule for failed backup jobs");
        assert.deepEqual(JSON.parse(String(rule.inputs.eventPattern)), {
            detail: { state: ["FAILED", "ABORTED", "EXPIRED"] },
            "detail-type": ["Backup Job State Change", "Copy Job State Change"],
            source: ["aws.backup"],
        });
        assert.deepEqual(JSON.parse(String(rule.inputs.eventPattern)), backupJobFailurePattern());
        const [target] = ofType(prod, "aws:cloudwatch/eventTarget:EventTarget").filter(t => t.parent === rule.urn);
        const [accountTopic] = ofType(prod, TOPIC).filter(
            t => componentOf(prod, t).type === "twine:index:AccountAlerts" && !isTamperingTopic(t.inputs.name),
        );
        assert.equal(target.inputs.arn, `arn:aws:sns:eu-west-1:${accountOf("prod")}:${String(accountTopic.inputs.name)}`);
        const dev = await planOf("dev");
        assert.equal(
            ofType(dev, "aws:cloudwatch/eventRule:EventRule").filter(r => String(r.inputs.name).endsWith("-backup-failures")).length,
            0,
        );
    });

    it("subscribes the secret paging webhook to every topic, secret in the inputs and in the state", async () => {
        // GIVEN the prod fixture with pagingWebhook set as a secure value  WHEN planned
        const config = withKey(fixtureConfig("prod"), PAGING_WEBHOOK, { secure: "v1:c2VjcmV0LXdlYmhvb2s=:dG9rZW4=" });
        const plan = await planWithConfig("prod", writeStackFile(config));
        // THEN every topic has a webhook subscription whose endpoint is a secret and stays one in the state
        const topics = ofType(plan, TOPIC);
        for (const topic of topics) {
            const [hook] = ofType(plan, SUBSCRIPTION).filter(s => s.parent === topic.urn && s.name.endsWith("-paging-webhook"));
            assert.ok(hook, `${topic.inputs.name} does not notify the paging webhook`);
            assert.equal(hook.inputs.protocol, "https");
            assert.equal(hook.inputs.endpoint, "[secret]", "the endpoint is in the plan in clear text");
            assert.deepEqual(hook.options.additionalSecretOutputs, ["endpoint"]);
        }
    });

    it("refuses a paging webhook in plain config, or one that is not HTTPS, without printing it", () => {
        const url = "https://events.pager.example/integration/0123456789abcdef/enqueue";
        const problemsOf = (config: Record<string, string>, secretKeys: string[]) => {
            try {
                parseStackConfig("prod", config, secretKeys);
            } catch (err) {
                assert.ok(err instanceof ConfigError, String(err));
                return err.problems.filter(p => p.startsWith(PAGING_WEBHOOK));
            }
            return assert.fail("accepted");
        };
        const plain = problemsOf(withKey(fixtureConfig("prod"), PAGING_WEBHOOK, url), []);
        assert.equal(plain.length, 1);
        assert.match(plain[0], /lands in git.*Fix: .*pulumi config set --secret pagingWebhook/);
        const insecure = "http://events.pager.example/integration/0123456789abcdef/enqueue";
        const notHttps = problemsOf(withKey(fixtureConfig("prod"), PAGING_WEBHOOK, insecure), [PAGING_WEBHOOK]);
        assert.equal(notHttps.length, 1);
        assert.match(notHttps[0], /not an HTTPS URL/);
        for (const message of [...plain, ...notHttps])
            assert.ok(!message.includes("0123456789abcdef"), `the secret is printed: ${message}`);
        // A secret https URL passes.
        assert.doesNotThrow(() => parseStackConfig("prod", withKey(fixtureConfig("prod"), PAGING_WEBHOOK, url), [PAGING_WEBHOOK]));
    });

    it("prod routes GuardDuty findings of medium severity (4.0) and above, and nothing below", () => {
        // GIVEN the pattern  THEN its numeric filter starts at medium: low findings (1.0-3.9) would page for noise
        const pattern = guardDutyFindingPattern() as { detail: { severity: { numeric: [string, number] }[] } };
        assert.deepEqual(pattern.detail.severity, [{ numeric: [">=", 4] }]);
    });
});

/**
 * What a resource waits for before AWS creates or updates it: its inputs, dependsOn, provider and parents, and theirs
 * (the SDK registers a child once its parent has registered, and a component once its inputs resolve).
 */
function waitsFor(plan: Plan, urn: string): Set<string> {
    const graph = dependencyGraph(plan);
    const seen = new Set<string>();
    const visit = (u: string) => {
        for (const dep of graph.get(u)?.keys() ?? []) {
            if (seen.has(dep)) continue;
            seen.add(dep);
            visit(dep);
        }
    };
    visit(urn);
    return seen;
}

describe("instance refresh alarms (over the plans' dependency graph)", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every group waits for the alarms its refresh watches, and none of them waits for the group`, async () => {
            const plan = await planOf(stack);
            const groups = ofType(plan, "aws:autoscaling/group:Group").filter(g => g.inputs.instanceRefresh);
            assert.ok(groups.length > 0);
            for (const group of groups) {
                const names = (group.inputs.instanceRefresh as { preferences: { alarmSpecification?: { alarms: string[] } } }).preferences
                    .alarmSpecification?.alarms;
                assert.ok(names && names.length > 0, `${group.name} watches no alarm`);
                const before = waitsFor(plan, group.urn);
                for (const name of names) {
                    const alarm = ofType(plan, ALARM).find(a => a.inputs.name === name);
                    assert.ok(alarm, `${group.name}: its refresh watches ${name}, which the plan does not create`);
                    assert.ok(before.has(alarm.urn), `${group.name} can start a refresh before ${name} exists`);
                    assert.ok(!waitsFor(plan, alarm.urn).has(group.urn), `${name} waits for ${group.name}: a cycle`);
                }
            }
        });
    }
});

describe("NAT gateway alarms", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: are keyed by the gateway's AZ id, and still answer to the positional URNs they were created under`, async () => {
            const plan = await planOf(stack);
            const zoneIds = objectKey(fixtureConfig(stack), "twine-infra:network").zoneIds as string[];
            const nats = ofType(plan, "aws:ec2/natGateway:NatGateway").sort((a, b) => a.name.localeCompare(b.name));
            assert.ok(nats.length > 0);
            const engine = engineUrns(plan);
            const answered = answeredUrns(plan);
            const account = accountOf(stack);
            for (const [i, nat] of nats.entries()) {
                assert.equal(nat.name, `${stack}-nat-${i}`, "NAT gateways are created in subnet (zone) order");
                for (const metric of ["port-allocation", "packets-dropped"]) {
                    const name = `${stack}-alerts-nat-${zoneIds[i]}-${metric}`;
                    const alarm = ofType(plan, ALARM).find(a => a.name === name);
                    assert.ok(alarm, `no alarm ${name}`);
                    assert.equal((alarm.inputs.dimensions as Record<string, string>).NatGatewayId, idOf(nat, account));
                    const former = engine.get(alarm.urn)!.replace(`::${name}`, `::${stack}-alerts-nat-${i}-${metric}`);
                    assert.ok(answered.get(alarm.urn)!.includes(former), `${name} does not answer to ${former}`);
                }
            }
            const positional = ofType(plan, ALARM).filter(a => /-nat-\d+-/.test(a.name));
            assert.deepEqual(
                positional.map(a => a.name),
                [],
            );
        });
    }

    it("keys a gateway by its pinned zone, by position only when the zones are not pinned", () => {
        assert.equal(natGatewayKey(["euw1-az3", "euw1-az1"], 1), "euw1-az1");
        assert.equal(natGatewayKey(undefined, 1), "1");
        const [moved, same] = [
            natAlarms([{ key: "euw1-az2", formerKey: "0", id: "nat-a" }]),
            natAlarms([{ key: "0", formerKey: "0", id: "n" }]),
        ];
        assert.deepEqual(
            moved.map(a => [a.key, a.formerKey]),
            [
                ["nat-euw1-az2-port-allocation", "nat-0-port-allocation"],
                ["nat-euw1-az2-packets-dropped", "nat-0-packets-dropped"],
            ],
        );
        assert.ok(
            same.every(a => a.formerKey === undefined),
            "no alias to itself",
        );
    });
});

describe("alarm plan helpers", () => {
    const thresholds: AlarmThresholds = withAlarmDefaults("prod").thresholds;
    const watch = {
        environment: "production",
        loadBalancer: "app/production/1",
        targetGroup: "targetgroup/production/2",
        autoScalingGroup: "production-app",
        groupMaxSize: 24,
        database: { identifier: "twine-production", engine: "postgres" as const, instanceClass: "db.m7g.large", allocatedStorageGiB: 100 },
        search: { domainName: "twine-production", accountId: "444444444444", instanceCount: 1, volumeSizeGiB: 100 },
        waf: {
            webAcl: "production-waf",
            region: "eu-west-1",
            tenantRule: { metricName: "production-tenant-rate", action: "count" as const },
        },
    };

    it("pages on the 5xx ratio from the minimum request count on, where the per-minute counts stay quiet", () => {
        const ratio = environmentAlarms(watch, thresholds).find(a => a.key === "5xx-ratio")!;
        assert.deepEqual(
            ratio.math,
            errorRatio({ LoadBalancer: watch.loadBalancer }, { LoadBalancer: watch.loadBalancer, TargetGroup: watch.targetGroup }, 20),
        );
        // The expression's IF and FILL, read as CloudWatch documents them, over one 5-minute period's sums.
        const evaluate = (values: Record<string, number | undefined>) => {
            const ids = Object.keys(ratio.math!.metrics).join("|");
            const js = ratio
                .math!.expression.replace(/FILL\((\w+), 0\)/g, "(v.$1 ?? 0)")
                .replace(new RegExp(`(?<!v\\.)\\b(${ids})\\b`, "g"), "v.$1");
            return new Function("v", "IF", `return ${js};`)(values, (c: boolean, a: number, b: number) => (c ? a : b)) as number;
        };
        const pages = (v: Record<string, number | undefined>) => evaluate(v) > ratio.threshold;
        // A quiet environment: 2 errors in 30 requests (6.7%) pages; the per-minute count alarm (10/minute) never would.
        assert.ok(pages({ requests: 30, target5xx: 2 }));
        assert.ok(2 / 5 < thresholds.target5xxPerMinute, "the count alarm stays quiet at that rate");
        // Under the minimum, one error in three requests is not judged; no traffic at all is not an outage.
        assert.ok(!pages({ requests: 3, target5xx: 1 }));
        assert.ok(!pages({}));
        // 1 error in 20 is 5%, not over it; the load balancer's own 5xx count too.
        assert.ok(!pages({ requests: 20, elb5xx: 1 }));
        assert.ok(pages({ requests: 20, elb5xx: 1, target5xx: 1 }));
        assert.equal(ratio.periodSeconds, 300);
    });

    it("derives max_connections from the class's memory, and knows no class it cannot size", () => {
        assert.equal(instanceClassMemoryGiB("db.m7g.large"), 8);
        assert.equal(instanceClassMemoryGiB("db.r7g.xlarge"), 32);
        assert.equal(defaultMaxConnections("postgres", "db.m7g.large"), 901);
        assert.equal(defaultMaxConnections("postgres", "db.r7g.16xlarge"), 5000);
        assert.equal(defaultMaxConnections("mysql", "db.t4g.medium"), 341);
        assert.equal(defaultMaxConnections("postgres", "db.x2g.large"), undefined);
    });

    it("sets each threshold from config, and leaves out the yellow alarm on a one-node domain, where it would never clear", () => {
        const alarms = environmentAlarms(watch, thresholds);
        const by = (key: string) => alarms.find(a => a.key === key);
        assert.equal(by("db-connections")!.threshold, Math.floor(901 * 0.8));
        assert.equal(by("db-free-storage")!.threshold, Math.floor(100 * 1024 ** 3 * 0.1));
        assert.equal(by("search-free-storage")!.threshold, 25600);
        assert.equal(by("group-at-max")!.threshold, 24);
        assert.equal((by("latency-p99") as MetricRef<string>).statistic, "p99");
        assert.equal(by("search-yellow"), undefined);
        assert.ok(
            environmentAlarms({ ...watch, search: { ...watch.search, instanceCount: 3 } }, thresholds).some(a => a.key === "search-yellow"),
        );
        assert.equal((by("tenant-rate") as MetricRef<string>).metricName, "CountedRequests");
        assert.equal(new Set(alarms.map(a => a.key)).size, alarms.length, "alarm keys are unique");
    });
});
