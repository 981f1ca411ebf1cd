import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AppIdentity } from "./appIdentity";
import { APP_HOST_LOGS, APP_METRIC_NAMESPACE, appHostLogGroupName, renderAppUserData } from "./appUserDataConfig";
import { AccessCloudConfig } from "../access/accessCloudConfig";
import { cloudWatchAgentPolicy } from "../access/instanceRolePolicy";
import { accessLogBucketPolicy } from "./accessLogPolicy";
import { policyDocument, stableJson } from "../account/iamPolicy";
import { MonthEndWindow, monthEndActions } from "./monthEndScheduleConfig";
import { instanceRefreshPreferences } from "./instanceRefreshConfig";
import { WarmPoolSettings, warmPoolArgs } from "./warmPoolConfig";
import { BodySizeLimit, DEFAULT_MANAGED_RULE_GROUPS, TenantRateLimit, webAclRules } from "./webAclConfig";

/** A name the environment answers to, and the zone that holds it. */
export interface AppHostName {
    /** Fully qualified name, e.g. "integration.dev.twinehr.com". */
    readonly name: string;
    /** Route53 zone holding the name: the environment's subzone, or the apex for prod's public names. */
    readonly zoneId: pulumi.Input<string>;
    /**
     * Provider for the zone's account when it is not this stack's (the apex zone, through the dns account's
     * delegation role). Defaults to the component's provider.
     */
    readonly provider?: aws.Provider;
}

/** The tier's sizing and behaviour; config/appTier.ts produces them with its per-role defaults applied. */
export interface AppClusterSettings {
    /** EC2 instance type, e.g. "t3.medium". */
    readonly instanceType: string;
    /** Group bounds. desiredCapacity is the size at creation only; scaling owns it afterwards. */
    readonly minSize: number;
    readonly maxSize: number;
    readonly desiredCapacity: number;
    /** Port the app listens on (HTTP, behind the load balancer). */
    readonly appPort: number;
    /** Path the load balancer probes; must start with "/". */
    readonly healthCheckPath: string;
    /** Seconds a new instance needs before its metrics count for scaling. */
    readonly instanceWarmupSeconds: number;
    /** Refreshes start without the alarms that stop them: the rollback switch (instanceRefreshConfig.ts). */
    readonly refreshIgnoresAlarms: boolean;
    /** Target tracking: ALB requests per target per minute and/or average CPU percent. At least one. */
    readonly scaling: { readonly requestsPerTarget?: number; readonly cpuUtilizationPercent?: number };
    /** Stopped, pre-initialised instances so scale-out skips the launch. @default - none */
    readonly warmPool?: WarmPoolSettings;
    /** Scheduled month-end minimum. @default - none */
    readonly monthEnd?: MonthEndWindow;
    /** Predictive scaling on the request count (or CPU when no request target is set). @default - none */
    readonly predictiveScaling?: { readonly mode: "ForecastOnly" | "ForecastAndScale" };
    /** WAF: requests one client IP may send per 5 minutes before it is blocked: an abuse ceiling. */
    readonly rateLimitPer5Minutes: number;
    /** WAF: the per-tenant rate rule. @default - none */
    readonly tenantRateLimit?: TenantRateLimit;
    /** WAF: the body limit outside the upload paths. @default - none (the managed 8 KB body rule only counts) */
    readonly bodySizeLimit?: BodySizeLimit;
    /** Days the access logs are kept. */
    readonly accessLogRetentionDays: number;
}

export interface AppClusterArgs extends AppClusterSettings {
    /** Environment name, e.g. "integration"; used in names, tags and metrics. */
    readonly environment: string;
    readonly accountId: string;
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets for the load balancer, in at least two AZs. */
    readonly publicSubnetIds: pulumi.Input<string[]>;
    /** Private subnets for the app servers, in at least two AZs. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The baked AMI to boot. A new id creates a new launch template version, which starts an instance refresh. */
    readonly amiId: pulumi.Input<string>;
    /** What the group must wait for before it launches from amiId (e.g. the KMS grant on its key). Defaults to none. */
    readonly launchDependsOn?: readonly pulumi.Resource[];
    /** Seconds after launch before ELB health checks count. Defaults to 120. */
    readonly healthCheckGracePeriodSeconds?: number;
    /** Names the environment answers to; the first is the certificate's subject and the URL. At least one. */
    readonly hostNames: readonly AppHostName[];
    /** WAF: the AWS managed rule groups. Defaults to DEFAULT_MANAGED_RULE_GROUPS. */
    readonly managedRuleGroups?: readonly string[];
    /** Bucket (in this account and region) that receives the S3 server access logs of the ALB log bucket. */
    readonly accessLogBucket: pulumi.Input<string>;
    /** Load balancer deletion protection (on in prod). */
    readonly deletionProtection: boolean;
    /**
     * The environment's app hosts' group and role (the data tier admits them): instances carry both, and the rules
     * and policies this tier needs are asked of it, its one owner.
     */
    readonly identity: AppIdentity;
    /** More groups for the instances, e.g. SSH from the bastion. Defaults to none. */
    readonly extraSecurityGroupIds?: readonly pulumi.Input<string>[];
    /** Secrets the app reads at run time (e.g. the database's RDS-managed secret). Defaults to none. */
    readonly runtimeSecretArns?: pulumi.Input<string[]>;
    /** Who may log in from the bastion (access/accessCloudConfig.ts hostAccess). @default - nobody */
    readonly access?: AccessCloudConfig;
    /** Days CloudWatch keeps the hosts' own logs (syslog, auth, the app's), one group each per environment. */
    readonly hostLogRetentionDays: number;
    /** Environment settings written to /etc/twine/environment at boot (no secrets: pass secret ARNs). */
    readonly settings: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Root volume size in GiB. Defaults to 20. */
    readonly rootVolumeGiB?: number;
    /** Tags copied onto instances and volumes (provider default tags do not reach them). */
    readonly tags: Readonly<Record<string, string>>;
}

/** Every argument problem at once, before any child exists. */
export function appClusterArgProblems(
    args: Pick<
        AppClusterArgs,
        "minSize" | "maxSize" | "desiredCapacity" | "healthCheckPath" | "hostNames" | "scaling" | "appPort" | "warmPool"
    >,
): string[] {
    const problems: string[] = [];
    if (!(args.minSize <= args.desiredCapacity && args.desiredCapacity <= args.maxSize)) {
        problems.push(`minSize (${args.minSize}) <= desiredCapacity (${args.desiredCapacity}) <= maxSize (${args.maxSize}) does not hold`);
    }
    if (!args.healthCheckPath.startsWith("/")) problems.push(`healthCheckPath "${args.healthCheckPath}" must start with "/"`);
    if (args.hostNames.length === 0) problems.push("hostNames needs at least one name");
    if (args.scaling.requestsPerTarget === undefined && args.scaling.cpuUtilizationPercent === undefined) {
        problems.push("scaling needs requestsPerTarget and/or cpuUtilizationPercent");
    }
    if (!(args.appPort >= 1024 && args.appPort <= 65535))
        problems.push(`appPort ${args.appPort} must be an unprivileged port (1024-65535)`);
    if (args.warmPool && args.warmPool.minSize < 0) problems.push(`warmPool.minSize ${args.warmPool.minSize} must not be negative`);
    return problems;
}

/** Metrics the group publishes every minute: enough to watch a scale-out or a refresh. */
const GROUP_METRICS = [
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

/** TLS 1.3 with TLS 1.2 fallback and forward secrecy only: AWS's recommended ALB policy. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * One environment's app tier: an HTTPS Application Load Balancer (ACM certificate validated in DNS, HTTP
 * redirected, invalid headers dropped, defensive desync mitigation, access logs, WAF with a per-client rate
 * limit), and an Auto Scaling group of baked-AMI servers in the private subnets behind it, scaled by target
 * tracking and rolled by instance refresh whenever the launch template gets a new version.
 */
export class AppCluster extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;
    public readonly loadBalancer: aws.lb.LoadBalancer;
    public readonly targetGroup: aws.lb.TargetGroup;
    public readonly launchTemplate: aws.ec2.LaunchTemplate;
    public readonly autoScalingGroup: aws.autoscaling.Group;
    public readonly loadBalancerSecurityGroup: aws.ec2.SecurityGroup;

    constructor(name: string, args: AppClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AppCluster", name, {}, opts);
        const problems = appClusterArgProblems(args);
        if (problems.length > 0) {
            throw new pulumi.ResourceError(`AppCluster ${name}: invalid arguments:\n - ${problems.join("\n - ")}`, this);
        }
        const parent = { parent: this };
        const identity = args.identity;

        // Access logs: a private bucket only the regional ELB writer may put objects into, under our prefix.
        const logs = new aws.s3.Bucket(`${name}-access-logs`, { forceDestroy: false }, parent);
        const logsParent = { parent: logs };
        new aws.s3.BucketOwnershipControls(
            `${name}-access-logs`,
            { bucket: logs.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            logsParent,
        );
        const logsBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-access-logs`,
            { bucket: logs.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            logsParent,
        );
        // ALB log delivery supports SSE-S3 only.
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-access-logs`,
            { bucket: logs.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            logsParent,
        );
        // S3.9: the ALB log bucket's own access goes to the account's access-log bucket.
        new aws.s3.BucketLogging(
            `${name}-access-logs`,
            { bucket: logs.id, targetBucket: args.accessLogBucket, targetPrefix: `${name}-alb-logs/` },
            logsParent,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-access-logs`,
            {
                bucket: logs.id,
                rules: [{ id: "expire", status: "Enabled", filter: {}, expiration: { days: args.accessLogRetentionDays } }],
            },
            logsParent,
        );
        const logsPolicy = new aws.s3.BucketPolicy(
            `${name}-access-logs`,
            {
                bucket: logs.id,
                policy: logs.arn.apply(bucketArn =>
                    stableJson(accessLogBucketPolicy({ bucketArn, prefix: name, region: args.region, accountId: args.accountId })),
                ),
            },
            { parent: logs, dependsOn: [logsBlock] },
        );

        // Security groups: the load balancer takes 80/443 from anywhere and talks only to the app port; the app
        // group takes the app port only from the load balancer. The load balancer is IPv4-only (ipAddressType
        // ipv4), so an IPv6 rule would only open the group to addresses that can never reach it.
        this.loadBalancerSecurityGroup = new aws.ec2.SecurityGroup(
            `${name}-alb`,
            {
                vpcId: args.vpcId,
                description: `${args.environment} load balancer: HTTP(S) from the Internet`,
                tags: { Name: `${name}-alb` },
            },
            parent,
        );
        const albSg = this.loadBalancerSecurityGroup;
        for (const port of [80, 443]) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-alb-${port}-v4`,
                {
                    securityGroupId: albSg.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                    description: `HTTP${port === 443 ? "S" : ""} from the Internet`,
                },
                { parent: albSg },
            );
        }
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-alb-to-app`,
            {
                securityGroupId: albSg.id,
                ipProtocol: "tcp",
                fromPort: args.appPort,
                toPort: args.appPort,
                referencedSecurityGroupId: identity.securityGroup.id,
                description: "To the app servers",
            },
            { parent: albSg },
        );
        // The hosts call AWS APIs (Session Manager, CloudWatch, their secret) over HTTPS; nothing else leaves them
        // but what the data tier admits.
        identity.allowTo("https-out", { cidrIpv4: "0.0.0.0/0" }, 443, "HTTPS to AWS APIs (SSM, CloudWatch, Secrets Manager)");
        identity.allowFrom("from-alb", { securityGroupId: albSg.id }, args.appPort, "From the load balancer");

        this.loadBalancer = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                loadBalancerType: "application",
                internal: false,
                ipAddressType: "ipv4",
                subnets: args.publicSubnetIds,
                securityGroups: [albSg.id],
                dropInvalidHeaderFields: true,
                desyncMitigationMode: "defensive",
                enableDeletionProtection: args.deletionProtection,
                enableHttp2: true,
                idleTimeout: 60,
                accessLogs: { bucket: logs.id, prefix: name, enabled: true },
                tags: { Name: name },
            },
            { parent: this, dependsOn: [logsPolicy] },
        );
        const alb = this.loadBalancer;

        this.targetGroup = new aws.lb.TargetGroup(
            `${name}-app`,
            {
                vpcId: args.vpcId,
                targetType: "instance",
                protocol: "HTTP",
                port: args.appPort,
                deregistrationDelay: 30,
                healthCheck: {
                    enabled: true,
                    path: args.healthCheckPath,
                    protocol: "HTTP",
                    matcher: "200-399",
                    interval: 15,
                    timeout: 5,
                    healthyThreshold: 2,
                    unhealthyThreshold: 3,
                },
                tags: { Name: `${name}-app` },
            },
            parent,
        );

        // Certificate for every host name, validated by DNS records in each name's own zone.
        const [subject, ...alternatives] = args.hostNames;
        const certificate = new aws.acm.Certificate(
            `${name}-cert`,
            {
                domainName: subject.name,
                subjectAlternativeNames: alternatives.map(h => h.name),
                validationMethod: "DNS",
                keyAlgorithm: "EC_prime256v1",
                tags: { Name: name },
            },
            parent,
        );
        const validationRecords = args.hostNames.map(host => {
            const option = certificate.domainValidationOptions.apply(options => {
                const found = options.find(o => o.domainName === host.name);
                if (!found) throw new pulumi.ResourceError(`no DNS validation option for ${host.name}`, certificate);
                return found;
            });
            return new aws.route53.Record(
                `${name}-cert-validation-${host.name}`,
                {
                    zoneId: host.zoneId,
                    name: option.resourceRecordName,
                    type: option.resourceRecordType,
                    records: [option.resourceRecordValue],
                    ttl: 300,
                    allowOverwrite: true,
                },
                { parent: certificate, ...(host.provider ? { provider: host.provider } : {}) },
            );
        });
        const validation = new aws.acm.CertificateValidation(
            `${name}-cert`,
            { certificateArn: certificate.arn, validationRecordFqdns: validationRecords.map(r => r.fqdn) },
            { parent: certificate },
        );

        new aws.lb.Listener(
            `${name}-https`,
            {
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: TLS_POLICY,
                certificateArn: validation.certificateArn,
                defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
            },
            { parent: alb },
        );
        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
            },
            { parent: alb },
        );

        // WAF: the rate rule first, so one client's flood is throttled before it reaches anyone else's capacity.
        const webAcl = new aws.wafv2.WebAcl(
            `${name}-waf`,
            {
                scope: "REGIONAL",
                description: `${args.environment}: per-client abuse ceiling, per-tenant rate, body size and AWS managed rules`,
                defaultAction: { allow: {} },
                rules: webAclRules({
                    rateLimitPer5Minutes: args.rateLimitPer5Minutes,
                    tenantRateLimit: args.tenantRateLimit,
                    bodySizeLimit: args.bodySizeLimit,
                    managedRuleGroups: args.managedRuleGroups ?? DEFAULT_MANAGED_RULE_GROUPS,
                    metricPrefix: name,
                }),
                visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${name}-waf` },
            },
            parent,
        );
        new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: alb.arn, webAclArn: webAcl.arn }, { parent: webAcl });

        // Instances: the environment's role, IMDSv2 only with one hop (containers cannot borrow the role),
        // encrypted gp3 root, no public address, detailed monitoring, settings-only user data.
        const profile = new aws.iam.InstanceProfile(`${name}-app`, { role: identity.role.name }, parent);
        // What the host needs and nothing else: the CloudWatch agent's own log groups and namespace, its own
        // parameters and secrets. No Session Manager: the bastion is the only way in (docs/cross-account.md).
        const hostLogGroups = APP_HOST_LOGS.map(
            stream =>
                new aws.cloudwatch.LogGroup(
                    `${name}-host-${stream}`,
                    { name: appHostLogGroupName(args.environment, stream), retentionInDays: args.hostLogRetentionDays },
                    parent,
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
            .apply(settings => Buffer.from(renderAppUserData(settings, args.access, args.environment)).toString("base64"));
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
            parent,
        );

        const warmup = args.instanceWarmupSeconds;
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
                targetGroupArns: [this.targetGroup.arn],
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
                waitForCapacityTimeout: "15m",
                tags: [
                    { key: "Name", value: `${name}-app`, propagateAtLaunch: true },
                    ...Object.entries(args.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
                ],
            },
            // Scaling policies own the size once the group exists; re-applying the initial size would undo them.
            { parent: this, ignoreChanges: ["desiredCapacity"], dependsOn: [...(args.launchDependsOn ?? [])] },
        );
        const asg = this.autoScalingGroup;

        if (args.scaling.requestsPerTarget !== undefined) {
            new aws.autoscaling.Policy(
                `${name}-requests`,
                {
                    autoscalingGroupName: asg.name,
                    policyType: "TargetTrackingScaling",
                    targetTrackingConfiguration: {
                        targetValue: args.scaling.requestsPerTarget,
                        predefinedMetricSpecification: {
                            predefinedMetricType: "ALBRequestCountPerTarget",
                            resourceLabel: pulumi.interpolate`${alb.arnSuffix}/${this.targetGroup.arnSuffix}`,
                        },
                    },
                },
                { parent: asg },
            );
        }
        if (args.scaling.cpuUtilizationPercent !== undefined) {
            new aws.autoscaling.Policy(
                `${name}-cpu`,
                {
                    autoscalingGroupName: asg.name,
                    policyType: "TargetTrackingScaling",
                    targetTrackingConfiguration: {
                        targetValue: args.scaling.cpuUtilizationPercent,
                        predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                    },
                },
                { parent: asg },
            );
        }

        if (args.predictiveScaling) {
            // Forecasts from up to 14 days of load: the daily and weekly pattern, not the monthly peak (scheduled below).
            // https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-predictive-scaling.html
            const byRequests = args.scaling.requestsPerTarget !== undefined;
            new aws.autoscaling.Policy(
                `${name}-predictive`,
                {
                    autoscalingGroupName: asg.name,
                    policyType: "PredictiveScaling",
                    predictiveScalingConfiguration: {
                        mode: args.predictiveScaling.mode,
                        schedulingBufferTime: String(warmup),
                        maxCapacityBreachBehavior: "HonorMaxCapacity",
                        metricSpecification: byRequests
                            ? {
                                  targetValue: args.scaling.requestsPerTarget!,
                                  predefinedMetricPairSpecification: {
                                      predefinedMetricType: "ALBRequestCount",
                                      resourceLabel: pulumi.interpolate`${alb.arnSuffix}/${this.targetGroup.arnSuffix}`,
                                  },
                              }
                            : {
                                  targetValue: args.scaling.cpuUtilizationPercent!,
                                  predefinedMetricPairSpecification: { predefinedMetricType: "ASGCPUUtilization" },
                              },
                    },
                },
                { parent: asg },
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

        // Each host name points at the load balancer, in its own zone (and account).
        // Keyed by the name itself: dropping one name renames and replaces no other record.
        args.hostNames.forEach(host => {
            new aws.route53.Record(
                `${name}-host-${host.name}`,
                {
                    zoneId: host.zoneId,
                    name: host.name,
                    type: "A",
                    aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
                },
                { parent: alb, ...(host.provider ? { provider: host.provider } : {}) },
            );
        });

        this.url = pulumi.output(`https://${subject.name}`);
        this.registerOutputs({
            url: this.url,
            albDnsName: alb.dnsName,
            albZoneId: alb.zoneId,
            asgName: asg.name,
            targetGroupArn: this.targetGroup.arn,
        });
    }
}

/** Read-only access to the environment's own parameters and secrets, for the app role. */
export function appRuntimePolicy(args: { region: string; accountId: string; environment: string; secretArns: readonly string[] }) {
    return policyDocument(
        {
            Sid: "ReadOwnParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            Resource: `arn:aws:ssm:${args.region}:${args.accountId}:parameter/twine/${args.environment}/*`,
        },
        ...(args.secretArns.length > 0
            ? [
                  {
                      Sid: "ReadOwnSecrets",
                      Effect: "Allow" as const,
                      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                      Resource: [...args.secretArns],
                  },
              ]
            : []),
    );
}
