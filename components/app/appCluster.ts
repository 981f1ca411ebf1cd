import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccessCloudConfig } from "../access/accessCloudConfig";
import { AppEndpoint } from "./appEndpoint";
import { AppFleet } from "./appFleet";
import { AppIdentity } from "./appIdentity";
import type { HighVolumeSource } from "./highVolumeSourceConfig";
import { MonthEndWindow } from "./monthEndScheduleConfig";
import { WarmPoolSettings } from "./warmPoolConfig";
import { BodySizeLimit, TenantRateLimit } from "./webAclConfig";

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
    /** Requests per second one server serves before its latency climbs; the fair share derives from it. */
    readonly serverRequestsPerSecond: number;
    /** WAF: requests one client IP may send per 5 minutes before it is blocked: an abuse ceiling. */
    readonly rateLimitPer5Minutes: number;
    /** WAF: the per-tenant rate rule. @default - none */
    readonly tenantRateLimit?: TenantRateLimit;
    /** WAF: known high-volume customers, each served up to its allowance instead of the per-IP ceiling. @default - none */
    readonly highVolumeSources?: readonly HighVolumeSource[];
    /** WAF: the body limit outside the upload paths. @default - none (the managed 8 KB body rule only counts) */
    readonly bodySizeLimit?: BodySizeLimit;
    /** Days CloudWatch keeps the WAF's request log (aws-waf-logs-<environment>). */
    readonly wafLogRetentionDays: number;
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
    /**
     * The alarms the group's instance refresh watches, declared after the cluster (they are built from its load
     * balancer and target group): the group waits for them, so no refresh starts before its alarms exist. Defaults
     * to none.
     */
    readonly refreshAlarms?: Promise<readonly pulumi.Resource[]>;
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

/**
 * One environment's app tier: an endpoint (HTTPS Application Load Balancer, certificate, listeners, WAF, DNS) and a
 * fleet of baked-AMI servers in the private subnets behind it (launch template, Auto Scaling group, scaling
 * policies, month-end schedules, warm pool), each its own component. Until both existed this class declared their
 * resources itself; aliases keep those URNs, so the split replaces nothing.
 */
export class AppCluster extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;
    public readonly endpoint: AppEndpoint;
    public readonly fleet: AppFleet;
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
        this.endpoint = new AppEndpoint(name, { ...args, formerParent: this }, { parent: this });
        this.fleet = new AppFleet(
            name,
            {
                ...args,
                targetGroupArn: this.endpoint.targetGroup.arn,
                requestCountResourceLabel: this.endpoint.requestCountResourceLabel,
                targetGroupArnSuffix: this.endpoint.targetGroup.arnSuffix,
                formerParent: this,
            },
            { parent: this },
        );
        this.url = this.endpoint.url;
        this.loadBalancer = this.endpoint.loadBalancer;
        this.targetGroup = this.endpoint.targetGroup;
        this.loadBalancerSecurityGroup = this.endpoint.loadBalancerSecurityGroup;
        this.launchTemplate = this.fleet.launchTemplate;
        this.autoScalingGroup = this.fleet.autoScalingGroup;
        this.registerOutputs({
            url: this.url,
            albDnsName: this.loadBalancer.dnsName,
            albZoneId: this.loadBalancer.zoneId,
            asgName: this.autoScalingGroup.name,
            targetGroupArn: this.targetGroup.arn,
        });
    }
}

/** Kept here for the callers that import it with the cluster. */
export { appRuntimePolicy } from "./appRuntimePolicy";
export { TLS_POLICY } from "./appEndpoint";
