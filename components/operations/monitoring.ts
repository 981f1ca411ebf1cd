import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stableJson } from "../account/iamPolicy";
import {
    AlarmMath,
    AlarmSpec,
    AlarmThresholds,
    EnvironmentWatch,
    MetricRef,
    REFRESH_ALARM_KEYS,
    Subscription,
    WatchedNat,
    dashboardBody,
    environmentAlarmName,
    environmentAlarms,
    natAlarms,
} from "./alarmConfig";
import { topicKeyPolicy, topicPolicy } from "./notificationPolicy";

/** GuardDuty severities of medium and above (medium is 4.0 to 6.9): https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html */
export const GUARDDUTY_MIN_SEVERITY = 4;

/** The EventBridge pattern of GuardDuty findings of medium severity or above. */
export function guardDutyFindingPattern(): Record<string, unknown> {
    return {
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: { severity: [{ numeric: [">=", GUARDDUTY_MIN_SEVERITY] }] },
    };
}

/**
 * The EventBridge pattern of what stops a trail's delivery. CloudTrail emits no event when a delivery fails (the
 * failure shows only in GetTrailStatus's LatestDeliveryError); what makes it fail is a change to the trail, its
 * bucket's policy or its key, and those calls are themselves events ("AWS API Call via CloudTrail", which need a
 * trail that logs: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html). A key disabled or
 * scheduled for deletion is routed for any key of the account.
 */
export function trailDeliveryPattern(trailBucket: string): Record<string, unknown> {
    return {
        "detail-type": ["AWS API Call via CloudTrail"],
        $or: [
            { source: ["aws.cloudtrail"], detail: { eventName: ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"] } },
            {
                source: ["aws.s3"],
                detail: { eventName: ["PutBucketPolicy", "DeleteBucketPolicy"], requestParameters: { bucketName: [trailBucket] } },
            },
            // Any key: the trail's, and every data key, whose loss leaves its backups unreadable.
            { source: ["aws.kms"], detail: { eventName: ["DisableKey", "ScheduleKeyDeletion"] } },
        ],
    };
}

/**
 * The EventBridge pattern of IAM Access Analyzer's active external-access findings: a resource (a role's trust, a
 * bucket, key or topic policy) newly reachable from outside the account. Access Analyzer sends one event per new
 * finding and per status change; an archive rule archives a new finding before it is sent, so the ones the
 * program expects never page (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-eventbridge.html,
 * whose example event and `"status": ["ACTIVE"]` pattern these fields follow). A deleted finding (its resource
 * gone, isDeleted true) keeps its status, and is not news.
 */
export function accessAnalyzerFindingPattern(): Record<string, unknown> {
    return {
        source: ["aws.access-analyzer"],
        "detail-type": ["Access Analyzer Finding"],
        detail: { status: ["ACTIVE"], isDeleted: [false] },
    };
}

/**
 * The EventBridge pattern of the calls that would silence the account's alerts: an archive rule created, widened,
 * applied or deleted, findings archived by hand or the analyzer deleted; an EventBridge rule disabled, deleted or
 * stripped of its targets; an SNS topic deleted, re-policied or unsubscribed. "AWS API Call via CloudTrail" events
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-access-analyzer.html and the pages of each service):
 * they need a trail that logs, AWS delivers them on a best-effort basis, and they reach the topic through this rule
 * while the others are being removed, so one rule stripped pages through another. An up that creates the archive
 * rules or changes a rule pages too (a first up's events may arrive before the rules that route them: not always).
 * Given the topics' keys (topicKeyArns), a key policy put on them, or the key disabled or scheduled for deletion.
 */
export function alertTamperingPattern(...topicKeyArns: string[]): Record<string, unknown> {
    return {
        "detail-type": ["AWS API Call via CloudTrail"],
        $or: [
            {
                source: ["aws.access-analyzer"],
                detail: {
                    eventName: [
                        "CreateArchiveRule",
                        "UpdateArchiveRule",
                        "DeleteArchiveRule",
                        "ApplyArchiveRule",
                        "UpdateFindings",
                        "DeleteAnalyzer",
                    ],
                },
            },
            { source: ["aws.events"], detail: { eventName: ["DisableRule", "DeleteRule", "RemoveTargets"] } },
            { source: ["aws.sns"], detail: { eventName: ["DeleteTopic", "SetTopicAttributes", "RemovePermission", "Unsubscribe"] } },
            // A rule disabled or made never to match through PutRule (State, EventPattern), re-pointed through PutTargets;
            // a subscription's filter or delivery policy changed. Pages on a deploy that changes a rule, too.
            { source: ["aws.events"], detail: { eventName: ["PutRule", "PutTargets"] } },
            { source: ["aws.sns"], detail: { eventName: ["SetSubscriptionAttributes"] } },
            // GuardDuty's own findings go quiet with its detector disabled or deleted, a suppression filter, a trusted
            // IP list, a threat list turned off or findings archived by hand (bastion, prod; the detector's routine
            // updates call UpdateDetector too, so these page, not deny).
            {
                source: ["aws.guardduty"],
                detail: {
                    eventName: [
                        "UpdateDetector",
                        "DeleteDetector",
                        "CreateFilter",
                        "UpdateFilter",
                        "CreateIPSet",
                        "UpdateIPSet",
                        "UpdateThreatIntelSet",
                        "DeleteThreatIntelSet",
                        "ArchiveFindings",
                    ],
                },
            },
            // The topic's key: a policy that drops EventBridge's statement, or the key gone, and nothing is published.
            // CloudTrail records the caller's KeyId in requestParameters.keyId
            // (https://docs.aws.amazon.com/kms/latest/developerguide/ct-put-key-policy.html); these three calls take
            // only a key id or key ARN, no alias (API_PutKeyPolicy, API_DisableKey, API_ScheduleKeyDeletion).
            ...(topicKeyArns.length === 0
                ? []
                : [
                      {
                          source: ["aws.kms"],
                          detail: {
                              eventName: ["PutKeyPolicy", "DisableKey", "ScheduleKeyDeletion"],
                              requestParameters: { keyId: topicKeyArns.flatMap(arn => [arn, arn.split("/").pop() ?? arn]) },
                          },
                      },
                  ]),
        ],
    };
}

/** Where the account's data may go by design: its own region's vaults, and the accounts it shares images with. */
export interface DataSharingScope {
    readonly accountId: string;
    readonly region: string;
    /** The project's accounts the stack shares with on purpose (dev: prod, which launches dev's image). */
    readonly sharedWith: readonly string[];
}

/**
 * The EventBridge pattern of what a deploy role may still do by design and IAM cannot narrow, each a copy of the data
 * or its credentials leaving: a database's master password set by the caller (RDS has no condition key on it;
 * CloudTrail records the parameter as HIDDEN_DUE_TO_SECURITY_REASONS, so its presence is what matches) or taken back
 * from Secrets Manager; a backup plan copying to a vault outside the account and region; a database snapshot made
 * restorable by another account; an image or snapshot shared with an account outside sharedWith, a group (`all`),
 * an organization or an OU. "AWS API Call via CloudTrail" events; the fields are the calls' request parameters as
 * CloudTrail writes them (camelCase; EC2's launchPermission/createVolumePermission `add.items`, or the CLI's
 * `operationType: add` with userIds/userGroups). Arrays match when any element does.
 */
export function dataSharingPattern(scope: DataSharingScope): Record<string, unknown> {
    const exists = [{ exists: true }];
    // An item shares with an account outside sharedWith, a group (all), an organization or an OU.
    const outside = {
        $or: [
            { userId: scope.sharedWith.length > 0 ? [{ "anything-but": [...scope.sharedWith].sort() }] : exists },
            ...["group", "organizationArn", "organizationalUnitArn"].map(field => ({ [field]: exists })),
        ],
    };
    return {
        "detail-type": ["AWS API Call via CloudTrail"],
        $or: [
            {
                source: ["aws.rds"],
                detail: {
                    eventName: ["ModifyDBInstance", "ModifyDBCluster"],
                    requestParameters: { $or: [{ masterUserPassword: exists }, { manageMasterUserPassword: [false] }] },
                },
            },
            {
                source: ["aws.rds"],
                detail: {
                    eventName: ["ModifyDBSnapshotAttribute", "ModifyDBClusterSnapshotAttribute"],
                    requestParameters: { valuesToAdd: exists },
                },
            },
            {
                source: ["aws.backup"],
                detail: {
                    eventName: ["CreateBackupPlan", "UpdateBackupPlan"],
                    requestParameters: {
                        backupPlan: {
                            rules: {
                                copyActions: {
                                    destinationBackupVaultArn: [
                                        { "anything-but": { prefix: `arn:aws:backup:${scope.region}:${scope.accountId}:` } },
                                    ],
                                },
                            },
                        },
                    },
                },
            },
            {
                source: ["aws.ec2"],
                detail: {
                    eventName: ["ModifyImageAttribute", "ModifySnapshotAttribute"],
                    requestParameters: {
                        $or: [
                            { launchPermission: { add: { items: outside } } },
                            { createVolumePermission: { add: { items: outside } } },
                            { operationType: ["add"], userIds: { items: outside } },
                            { operationType: ["add"], userGroups: exists },
                        ],
                    },
                },
            },
        ],
    };
}

/** The job states that leave no new recovery point: a backup or copy job that ends so pages. */
export const BACKUP_FAILED_STATES = ["FAILED", "ABORTED", "EXPIRED"];

/**
 * The EventBridge pattern of AWS Backup jobs that fail: the daily backup, or its copy into the locked vault. Both
 * events carry the job's state in detail.state ("Backup Job State Change", "Copy Job State Change":
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html,
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-backup.html). EXPIRED: the job never started in its
 * start window.
 */
export function backupJobFailurePattern(): Record<string, unknown> {
    return {
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change"],
        detail: { state: BACKUP_FAILED_STATES },
    };
}

/** Who a topic notifies, and how its key is kept: what EnvironmentOperations and AccountAlerts share. */
export interface TopicArgs {
    readonly accountId: string;
    /** Who the topic notifies. Defaults to none (alarms still change state, and show on the dashboard). */
    readonly subscriptions?: readonly Subscription[];
    /** The paging service's webhook (a secret: its URL holds a token), notified besides the subscriptions. Defaults to none. */
    readonly pagingWebhook?: string;
    /** Protect the topic's key (`protect: true`), as prod protects every key. Defaults to false. */
    readonly protect?: boolean;
}

/** The name prefix of an account's alert topics and rules (AccountAlerts): twine-<label>. */
export function accountAlertPrefix(label: string): string {
    return `twine-${label}`;
}

/** The alias of an alert topic's key: how the deploy role's guard finds the key, whose id AWS gives. */
export function alertTopicKeyAlias(topicName: string): string {
    return `alias/twine/alerts/${topicName}`;
}

/**
 * Creates the encrypted topic, its key, alias and policy, and one subscription per endpoint, under `parent`. With
 * retainSubscriptions, a subscription that leaves the config stays in AWS (`retainOnDelete`): no Unsubscribe call.
 */
function alarmTopic(name: string, topicName: string, args: TopicArgs, parent: pulumi.Resource, retainSubscriptions = false) {
    const { accountId, pagingWebhook } = args;
    const subscriptions = args.subscriptions ?? [];
    const protect = args.protect ?? false;
    const key = new aws.kms.Key(
        `${name}-topic-key`,
        {
            description: `Encrypts the ${topicName} alarm topic; CloudWatch and EventBridge may use it to publish`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: stableJson(topicKeyPolicy(accountId)),
        },
        // Protected in prod, as every key there; not retained: it encrypts notifications in flight, no data at rest.
        { parent, protect },
    );
    new aws.kms.Alias(`${name}-topic-key`, { name: alertTopicKeyAlias(topicName), targetKeyId: key.keyId }, { parent: key });
    const topic = new aws.sns.Topic(`${name}-topic`, { name: topicName, kmsMasterKeyId: key.arn }, { parent });
    new aws.sns.TopicPolicy(
        `${name}-topic`,
        { arn: topic.arn, policy: topic.arn.apply(arn => stableJson(topicPolicy(arn, accountId))) },
        { parent: topic },
    );
    // Keyed by the endpoint, so removing one subscriber never replaces the others.
    for (const s of [...subscriptions].sort((a, b) => a.endpoint.localeCompare(b.endpoint))) {
        new aws.sns.TopicSubscription(
            `${name}-${s.protocol}-${s.endpoint.replace(/^https:\/\//, "").replace(/[^A-Za-z0-9.@-]/g, "-")}`,
            { topic: topic.arn, protocol: s.protocol, endpoint: s.endpoint },
            { parent: topic, retainOnDelete: retainSubscriptions },
        );
    }
    if (pagingWebhook !== undefined) {
        // Its URL holds the paging service's token: a secret in the inputs and in the state's outputs, and never
        // part of the resource's name.
        new aws.sns.TopicSubscription(
            `${name}-paging-webhook`,
            { topic: topic.arn, protocol: "https", endpoint: pulumi.secret(pagingWebhook) },
            { parent: topic, additionalSecretOutputs: ["endpoint"], retainOnDelete: retainSubscriptions },
        );
    }
    return topic;
}

/** One alarm per spec (resource `<name>-<key>`), notifying the topic when it fires and when it clears. */
function metricAlarms(
    name: string,
    alarmName: (key: string) => string,
    specs: readonly AlarmSpec<pulumi.Input<string>>[],
    topicArn: pulumi.Input<string>,
    parent: pulumi.Resource,
) {
    return specs.map(spec => {
        return new aws.cloudwatch.MetricAlarm(
            `${name}-${spec.key}`,
            {
                name: alarmName(spec.key),
                alarmDescription: spec.description,
                ...(spec.math ? { metricQueries: metricQueries(spec.math, spec.periodSeconds) } : singleMetric(spec, spec.periodSeconds)),
                evaluationPeriods: spec.evaluationPeriods,
                ...(spec.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: spec.datapointsToAlarm }),
                threshold: spec.threshold,
                comparisonOperator: spec.comparison,
                treatMissingData: spec.treatMissingData,
                alarmActions: [topicArn],
                okActions: [topicArn],
            },
            { parent, aliases: spec.formerKey !== undefined ? [{ name: `${name}-${spec.formerKey}` }] : [] },
        );
    });
}

const isPercentile = (statistic: string) => /^p\d+(\.\d+)?$/.test(statistic);

/** An alarm's own metric: a percentile goes in extendedStatistic, any other statistic in statistic. */
function singleMetric(metric: MetricRef<pulumi.Input<string>>, period: number) {
    const { namespace, metricName, dimensions, statistic } = metric;
    return {
        namespace,
        metricName,
        dimensions,
        period,
        ...(isPercentile(statistic) ? { extendedStatistic: statistic } : { statistic }),
    };
}

/** The metric queries of a math alarm: each metric (not returned), then the expression (the one returned). */
function metricQueries(math: AlarmMath<pulumi.Input<string>>, period: number) {
    return [
        ...Object.entries(math.metrics).map(([id, m]) => ({
            id,
            returnData: false,
            metric: { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.statistic, period },
        })),
        { id: "alarm", expression: math.expression, label: math.label, returnData: true },
    ];
}

export interface EnvironmentOperationsArgs extends TopicArgs {
    readonly region: string;
    /** What is watched: identifiers from the app and data tiers (their public outputs). */
    readonly watch: EnvironmentWatch<pulumi.Input<string>>;
    readonly thresholds: AlarmThresholds;
}

/**
 * An environment's operations: an encrypted SNS topic CloudWatch and EventBridge may publish to, its subscriptions,
 * an alarm per watched failure (alarmConfig.ts says which and why), and a dashboard of the same metrics.
 */
export class EnvironmentOperations extends pulumi.ComponentResource {
    public readonly topic: aws.sns.Topic;
    public readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** The alarms the environment's instance refresh watches (REFRESH_ALARM_KEYS): its group must wait for them. */
    public readonly refreshAlarms: aws.cloudwatch.MetricAlarm[];
    public readonly dashboard: aws.cloudwatch.Dashboard;

    constructor(name: string, args: EnvironmentOperationsArgs, opts?: pulumi.ComponentResourceOptions) {
        // No inputs on the component: the SDK waits for a component's inputs before its children register, and the
        // watch holds the group's name, while the group waits for the refresh alarms below (a deadlock).
        super("twine:index:EnvironmentOperations", name, {}, opts);
        const prefix = `twine-${args.watch.environment}`;
        this.topic = alarmTopic(name, `${prefix}-alarms`, args, this);
        const specs = environmentAlarms(args.watch, args.thresholds);
        this.alarms = metricAlarms(name, key => environmentAlarmName(args.watch.environment, key), specs, this.topic.arn, this);
        const refreshKeys: readonly string[] = REFRESH_ALARM_KEYS;
        this.refreshAlarms = this.alarms.filter((_, i) => refreshKeys.includes(specs[i].key));

        // The dashboard is drawn from the same watch and alarms, once every identifier is known.
        const w = args.watch;
        const body = pulumi
            .all([
                w.loadBalancer,
                w.targetGroup,
                w.autoScalingGroup,
                w.database?.identifier ?? "",
                w.search?.domainName ?? "",
                w.waf.webAcl,
                w.waf.tenantRule?.metricName ?? "",
                w.database?.proxy?.name ?? "",
            ])
            .apply(([loadBalancer, targetGroup, autoScalingGroup, dbId, domainName, webAcl, ruleMetric, proxyName]) => {
                const resolved: EnvironmentWatch<string> = {
                    ...w,
                    loadBalancer,
                    targetGroup,
                    autoScalingGroup,
                    database: w.database && {
                        ...w.database,
                        identifier: dbId,
                        proxy: w.database.proxy && { ...w.database.proxy, name: proxyName },
                    },
                    search: w.search && { ...w.search, domainName },
                    waf: { ...w.waf, webAcl, tenantRule: w.waf.tenantRule && { ...w.waf.tenantRule, metricName: ruleMetric } },
                };
                return dashboardBody(args.region, resolved, environmentAlarms(resolved, args.thresholds));
            });
        this.dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            { dashboardName: prefix, dashboardBody: body },
            { parent: this },
        );

        this.registerOutputs({ topicArn: this.topic.arn, dashboardName: this.dashboard.dashboardName });
    }
}

export interface AccountAlertsArgs extends TopicArgs {
    /** Short name of the account, e.g. dev: names the topic twine-<label>-account. */
    readonly label: string;
    /** The account's NAT gateways, by a stable key (their AZ id: natGatewayKey). Defaults to none. */
    readonly natGateways?: readonly WatchedNat<pulumi.Input<string>>[];
    /** GuardDuty has a detector in this account and region: route its findings. Defaults to false (no rule). */
    readonly guardDuty?: boolean;
    /** The account's trail, its bucket and key: route what stops its delivery. Defaults to none (no rule). */
    readonly trail?: { readonly bucket: string };
    /** AWS Backup runs jobs in this account: route the ones that fail. Defaults to false (no rule). */
    readonly backupJobs?: boolean;
    /** The account has an IAM Access Analyzer: route its active external-access findings. Defaults to false (no rule). */
    readonly accessAnalyzer?: boolean;
    /** Route the calls that share a copy of the data or reset a master password (dataSharingPattern). Defaults to none. */
    readonly dataSharing?: DataSharingScope;
}

/**
 * What pages about the account rather than one environment: NAT gateway errors, GuardDuty findings of medium
 * severity and above, the calls that stop the trail's delivery, the backup jobs that fail and Access Analyzer's
 * external-access findings, all to the account's own encrypted topic.
 */
export class AccountAlerts extends pulumi.ComponentResource {
    public readonly topic: aws.sns.Topic;
    public readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: AccountAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AccountAlerts", name, args, opts);
        const prefix = accountAlertPrefix(args.label);
        this.topic = alarmTopic(name, `${prefix}-account`, args, this);
        this.alarms = metricAlarms(name, key => `${prefix}-${key}`, natAlarms(args.natGateways ?? []), this.topic.arn, this);

        const route = (key: string, description: string, pattern: pulumi.Input<string>, topic: aws.sns.Topic = this.topic) => {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${key}`,
                { name: `${prefix}-${key}`, description, eventPattern: pattern },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(`${name}-${key}`, { rule: rule.name, arn: topic.arn }, { parent: rule });
            return rule;
        };
        if (args.guardDuty) route("guardduty", "GuardDuty findings of medium severity and above", stableJson(guardDutyFindingPattern()));
        const trail = args.trail;
        if (trail) {
            route(
                "trail-delivery",
                "Calls that stop the trail's delivery (trail stopped or changed, its bucket policy changed) and keys disabled or deleted",
                stableJson(trailDeliveryPattern(trail.bucket)),
            );
        }
        if (args.accessAnalyzer) {
            route(
                "external-access",
                "IAM Access Analyzer findings: a resource newly reachable from outside the account (the expected ones are archived)",
                stableJson(accessAnalyzerFindingPattern()),
            );
            // Two paths, each its own rule, topic and key, to the same subscribers: a call that breaks one (its rule
            // disabled or stripped, its topic deleted or re-policied, its key's policy put or the key deleted, its
            // subscription removed) pages through the other, and both patterns name both keys.
            // The deploy role may not unsubscribe anyone from this topic (its guard), so a subscriber removed or changed
            // in config leaves its old subscription in place (retainOnDelete: no Unsubscribe call) for an admin to
            // remove (docs/runbook.md): a routine update never fails on it.
            const tamperingTopic = alarmTopic(`${name}-tampering`, `${prefix}-tampering`, args, this, true);
            const tampering = pulumi
                .all([this.topic.kmsMasterKeyId, tamperingTopic.kmsMasterKeyId])
                .apply(keys => stableJson(alertTamperingPattern(...keys.map(String))));
            route(
                "alert-tampering",
                "Calls that would silence the alerts: archive rules, the analyzer, rules and targets, topics, the topics' keys",
                tampering,
            );
            route(
                "tampering",
                "The same calls as alert-tampering, through the tampering topic and its own key: one path broken pages through the other",
                tampering,
                tamperingTopic,
            );
        }
        if (args.dataSharing) {
            route(
                "data-sharing",
                "Calls that let data out by design: a master password reset, a backup copied out, a snapshot or image shared",
                stableJson(dataSharingPattern(args.dataSharing)),
            );
        }
        if (args.backupJobs) {
            route(
                "backup-failures",
                "AWS Backup jobs and copies that failed, were aborted or expired",
                stableJson(backupJobFailurePattern()),
            );
        }
        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
