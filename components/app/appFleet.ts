import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cloudWatchAgentPolicy } from "../access/instanceRolePolicy";
import { stableJson } from "../account/iamPolicy";
import type { AppClusterArgs } from "./appCluster";
import { appRuntimePolicy, bootHookPolicy } from "./appRuntimePolicy";
import {
    APP_HOST_LOGS,
    APP_METRIC_NAMESPACE,
    BOOT_HOOK_HEARTBEAT_SECONDS,
    BOOT_HOOK_NAME,
    appHostLogGroupName,
    renderAppUserData,
} from "./appUserDataConfig";
import { instanceRefreshPreferences } from "./instanceRefreshConfig";
import { monthEndActions } from "./monthEndScheduleConfig";
import { warmPoolArgs } from "./warmPoolConfig";

/** What the fleet needs of the cluster's arguments. */
export type AppFleetArgs = Omit<
    AppClusterArgs,
    "vpcId" | "publicSubnetIds" | "healthCheckPath" | "hostNames" | "managedRuleGroups" | "accessLogBucket" | "deletionProtection"
> & {
    /** The load balancer's target group the servers register with. */
    readonly targetGroupArn: pulumi.Input<string>;
    /** The ALBRequestCountPerTarget metric's label ("<alb arn suffix>/<target group arn suffix>"). */
    readonly requestCountResourceLabel: pulumi.Input<string>;
    /** The target group's ARN suffix, the dimension of the step scale-out alarm's metric. */
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    /** The cluster that declared these resources before the fleet existed; aliases keep their URNs. @default - none */
    readonly formerParent?: pulumi.Resource;
};

/** Metrics the group publishes every minute: enough to watch a scale-out or a refresh. */
export const GROUP_METRICS = [
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
    "WarmPoolWarmedCapacity",
    "WarmPoolPendingCapacity",
] as const;

/**
 * The launch hook every server completes at the end of its boot (appUserDataConfig.ts, bootCompleteUnit). Without it
 * AWS stops a warm-pool server as soon as it is running, before its user data has finished, and an interrupted
 * script does not run again; with it the server waits in Pending:Wait (Warmed:Pending:Wait in the pool) until it
 * completes the hook, both when it is prepared and when it enters service. Not completed within the heartbeat, it
 * is abandoned (terminated and replaced), never put in service half-booted.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html
 * Declared on the group itself (initialLifecycleHooks), so the first servers the group launches are held too: a
 * separate LifecycleHook resource is only added after the group exists and its first servers have launched. The
 * provider marks initial_lifecycle_hook ForceNew: changing this hook replaces the group (docs/app-tier.md).
 */
export function bootHook(heartbeatTimeoutSeconds = BOOT_HOOK_HEARTBEAT_SECONDS) {
    return {
        name: BOOT_HOOK_NAME,
        lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
        defaultResult: "ABANDON",
        heartbeatTimeout: heartbeatTimeoutSeconds,
    };
}

/** A scaling policy of the group, by the name it is keyed by. */
export interface FleetPolicy {
    readonly name: string;
    readonly args: Omit<aws.autoscaling.PolicyArgs, "autoscalingGroupName">;
}

/**
 * The group's scaling policies: target tracking on requests per target and/or CPU, and predictive scaling.
 * Predictive scaling forecasts from up to 14 days of load: the daily and weekly pattern, not the monthly peak
 * (scheduled). https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-predictive-scaling.html
 */
export function fleetPolicies(
    name: string,
    args: Pick<AppClusterArgs, "scaling" | "predictiveScaling" | "instanceWarmupSeconds">,
    requestCountResourceLabel: pulumi.Input<string>,
): FleetPolicy[] {
    const policies: FleetPolicy[] = [];
    const { requestsPerTarget, cpuUtilizationPercent } = args.scaling;
    if (requestsPerTarget !== undefined) {
        policies.push({
            name: `${name}-requests`,
            args: {
                policyType: "TargetTrackingScaling",
                targetTrackingConfiguration: {
                    targetValue: requestsPerTarget,
                    predefinedMetricSpecification: {
                        predefinedMetricType: "ALBRequestCountPerTarget",
                        resourceLabel: requestCountResourceLabel,
                    },
                },
            },
        });
    }
    if (cpuUtilizationPercent !== undefined) {
        policies.push({
            name: `${name}-cpu`,
            args: {
                policyType: "TargetTrackingScaling",
                targetTrackingConfiguration: {
                    targetValue: cpuUtilizationPercent,
                    predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                },
            },
        });
    }
    if (args.predictiveScaling) {
        policies.push({
            name: `${name}-predictive`,
            args: {
                policyType: "PredictiveScaling",
                predictiveScalingConfiguration: {
                    mode: args.predictiveScaling.mode,
                    schedulingBufferTime: String(args.instanceWarmupSeconds),
                    maxCapacityBreachBehavior: "HonorMaxCapacity",
                    metricSpecification:
                        requestsPerTarget !== undefined
                            ? {
                                  targetValue: requestsPerTarget,
                                  predefinedMetricPairSpecification: {
                                      predefinedMetricType: "ALBRequestCount",
                                      resourceLabel: requestCountResourceLabel,
                                  },
                              }
                            : {
                                  targetValue: cpuUtilizationPercent!,
                                  predefinedMetricPairSpecification: { predefinedMetricType: "ASGCPUUtilization" },
                              },
                },
            },
        });
    }
    return policies;
}

/**
 * Step scale-out beside target tracking: target tracking's alarm waits for 3 one-minute datapoints over its target
 * plus the metric's delay, so a rush saturates the fleet for minutes. This alarm acts on one datapoint 20 % over the
 * target and doubles the group (PercentChangeInCapacity 100); target tracking still owns the steady state and
 * scale-in. The capacity model measures the difference (docs/app-tier.md).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html
 */
export function stepScaleOut(requestsPerTarget: number, warmupSeconds: number) {
    return {
        alarm: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCountPerTarget",
            statistic: "Sum",
            period: 60,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            threshold: Math.round(requestsPerTarget * 1.2),
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
        },
        policy: {
            policyType: "StepScaling",
            adjustmentType: "PercentChangeInCapacity",
            minAdjustmentMagnitude: 1,
            metricAggregationType: "Average",
            estimatedInstanceWarmup: warmupSeconds,
            stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 100 }],
        },
    };
}

/**
 * One environment's servers: the launch template (the environment's role, IMDSv2 only with one hop, encrypted gp3
 * root, no public address, detailed monitoring, settings-only user data), the Auto Scaling group behind the target
 * group, its scaling policies, month-end schedules and warm pool, and the hosts' own log groups.
 */
export class AppFleet extends pulumi.ComponentResource {
    public readonly launchTemplate: aws.ec2.LaunchTemplate;
    public readonly autoScalingGroup: aws.autoscaling.Group;

    constructor(name: string, args: AppFleetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AppFleet", name, {}, opts);
        const moved = { parent: this, aliases: args.formerParent ? [{ parent: args.formerParent }] : [] };
        const identity = args.identity;

        // The hosts call AWS APIs (CloudWatch, their secret) over HTTPS; nothing else leaves them but what the data
        // tier admits.
        identity.allowTo("https-out", { cidrIpv4: "0.0.0.0/0" }, 443, "HTTPS to AWS APIs (SSM, CloudWatch, Secrets Manager)");

        const profile = new aws.iam.InstanceProfile(`${name}-app`, { role: identity.role.name }, moved);
        // What the host needs and nothing else: the CloudWatch agent's own log groups and namespace, its own
        // parameters and secrets. No Session Manager: the bastion is the only way in (docs/cross-account.md).
        const hostLogGroups = APP_HOST_LOGS.map(
            stream =>
                new aws.cloudwatch.LogGroup(
                    `${name}-host-${stream}`,
                    { name: appHostLogGroupName(args.environment, stream), retentionInDays: args.hostLogRetentionDays },
                    moved,
                ),
        );
        identity.grant(
            "cloudwatch-agent",
            pulumi
                .all(hostLogGroups.map(g => g.arn))
                .apply(arns => stableJson(cloudWatchAgentPolicy({ logGroupArns: arns, metricNamespace: APP_METRIC_NAMESPACE }))),
        );
        identity.grant(
            "runtime",
            pulumi
                .output(args.runtimeSecretArns ?? [])
                .apply(secretArns =>
                    stableJson(
                        appRuntimePolicy({ region: args.region, accountId: args.accountId, environment: args.environment, secretArns }),
                    ),
                ),
        );
        const userData = pulumi
            .output(args.settings)
            .apply(settings => Buffer.from(renderAppUserData(settings, args.access, args.environment, BOOT_HOOK_NAME)).toString("base64"));
        this.launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-app`,
            {
                description: `${args.environment} app servers`,
                imageId: args.amiId,
                instanceType: args.instanceType,
                iamInstanceProfile: { arn: profile.arn },
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                    instanceMetadataTags: "enabled",
                },
                monitoring: { enabled: true },
                ebsOptimized: "true",
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/sda1",
                        ebs: { volumeType: "gp3", volumeSize: args.rootVolumeGiB ?? 20, encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                networkInterfaces: [
                    {
                        deviceIndex: 0,
                        associatePublicIpAddress: "false",
                        deleteOnTermination: "true",
                        securityGroups: [identity.securityGroup.id, ...(args.extraSecurityGroupIds ?? [])],
                    },
                ],
                userData,
                updateDefaultVersion: true,
                tagSpecifications: ["instance", "volume", "network-interface"].map(resourceType => ({
                    resourceType,
                    tags: { ...args.tags, Name: `${name}-app` },
                })),
                tags: { Name: `${name}-app` },
            },
            moved,
        );

        const warmup = args.instanceWarmupSeconds;
        // Before the group: its create waits for servers that complete the hook, which needs this policy.
        const bootHookGrant = identity.grant(
            "boot-hook",
            stableJson(bootHookPolicy({ region: args.region, accountId: args.accountId, groupName: `${name}-app` })),
        );
        // The refresh's alarms too: AWS refuses a refresh whose AlarmSpecification names an alarm that does not exist
        // yet. They are declared later in the program (a promise), and never depend on the group.
        const refreshAlarms: Promise<readonly pulumi.Resource[]> = args.refreshAlarms ?? Promise.resolve([]);
        const groupDependsOn: Promise<pulumi.Input<pulumi.Resource>[]> = refreshAlarms.then(alarms => [
            ...(args.launchDependsOn ?? []),
            bootHookGrant,
            ...alarms,
        ]);
        this.autoScalingGroup = new aws.autoscaling.Group(
            `${name}-app`,
            {
                vpcZoneIdentifiers: args.privateSubnetIds,
                // The concrete version, not $Latest: a new version is a change of this input, which starts the refresh.
                launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply(v => String(v)) },
                minSize: args.minSize,
                maxSize: args.maxSize,
                desiredCapacity: args.desiredCapacity,
                healthCheckType: "ELB",
                healthCheckGracePeriod: args.healthCheckGracePeriodSeconds ?? 120,
                defaultInstanceWarmup: warmup,
                targetGroupArns: [args.targetGroupArn],
                metricsGranularity: "1Minute",
                enabledMetrics: [...GROUP_METRICS],
                // No Spot: capacity rebalancing only acts on Spot rebalance recommendations.
                capacityRebalance: false,
                terminationPolicies: ["OldestLaunchTemplate", "OldestInstance"],
                instanceRefresh: {
                    strategy: "Rolling",
                    // Stops on the environment's health alarms; no auto rollback, which cannot undo (instanceRefreshConfig.ts).
                    preferences: instanceRefreshPreferences(args.environment, warmup, { watchAlarms: !args.refreshIgnoresAlarms }),
                },
                // Always with maxGroupPreparedCapacity: left out, the pool would hold maxSize - desired servers.
                warmPool: args.warmPool ? warmPoolArgs(args.warmPool) : undefined,
                initialLifecycleHooks: [bootHook()],
                waitForCapacityTimeout: "15m",
                tags: [
                    { key: "Name", value: `${name}-app`, propagateAtLaunch: true },
                    ...Object.entries(args.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
                ],
            },
            // Scaling policies own the size once the group exists; re-applying the initial size would undo them. With
            // a month-end schedule the schedule owns the minimum too: an up during the window would drop the raised
            // minimum mid-rush. A new configured minimum reaches the group through the window's closing action.
            {
                ...moved,
                ignoreChanges: args.monthEnd ? ["desiredCapacity", "minSize"] : ["desiredCapacity"],
                dependsOn: groupDependsOn,
            },
        );
        const asg = this.autoScalingGroup;

        for (const policy of fleetPolicies(name, args, args.requestCountResourceLabel)) {
            new aws.autoscaling.Policy(policy.name, { ...policy.args, autoscalingGroupName: asg.name }, { parent: asg });
        }
        if (args.scaling.requestsPerTarget !== undefined) {
            const step = stepScaleOut(args.scaling.requestsPerTarget, warmup);
            const policy = new aws.autoscaling.Policy(
                `${name}-step-out`,
                { ...step.policy, autoscalingGroupName: asg.name },
                { parent: asg },
            );
            new aws.cloudwatch.MetricAlarm(
                `${name}-step-out`,
                {
                    ...step.alarm,
                    alarmDescription: `${args.environment}: requests per server 20 % over the target for a minute: double the group`,
                    dimensions: { TargetGroup: args.targetGroupArnSuffix },
                    alarmActions: [policy.arn],
                },
                { parent: policy },
            );
        }
        if (args.monthEnd) {
            for (const action of monthEndActions(args.monthEnd, args.minSize)) {
                new aws.autoscaling.Schedule(
                    `${name}-${action.name}`,
                    {
                        scheduledActionName: action.name,
                        autoscalingGroupName: asg.name,
                        recurrence: action.recurrence,
                        timeZone: args.monthEnd.timeZone,
                        minSize: action.minSize,
                        // -1 leaves them alone; left out, the provider sends 0 for both (seen with Terraform's AWS
                        // provider 5.100, which this one is built on), and the group would be emptied.
                        maxSize: -1,
                        desiredCapacity: -1,
                    },
                    { parent: asg },
                );
            }
        }
        this.registerOutputs({ asgName: asg.name, launchTemplateId: this.launchTemplate.id });
    }
}
