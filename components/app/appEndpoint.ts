import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LogBucket } from "../account/logBucket";
import { accessLogBucketPolicy } from "./accessLogPolicy";
import type { AppClusterArgs } from "./appCluster";
import { allowancePer5Minutes } from "./highVolumeSourceConfig";
import { WAF_REDACTED_HEADERS, wafLogGroupName, wafTenantQuery } from "./wafLogConfig";
import { DEFAULT_MANAGED_RULE_GROUPS, webAclRules } from "./webAclConfig";

/** TLS 1.3 with TLS 1.2 fallback and forward secrecy only: AWS's recommended ALB policy. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** What the endpoint needs of the cluster's arguments. */
export type AppEndpointArgs = Pick<
    AppClusterArgs,
    | "environment"
    | "accountId"
    | "region"
    | "vpcId"
    | "publicSubnetIds"
    | "appPort"
    | "healthCheckPath"
    | "hostNames"
    | "managedRuleGroups"
    | "accessLogBucket"
    | "accessLogRetentionDays"
    | "deletionProtection"
    | "identity"
    | "rateLimitPer5Minutes"
    | "tenantRateLimit"
    | "highVolumeSources"
    | "bodySizeLimit"
    | "wafLogRetentionDays"
> & {
    /** The cluster that declared these resources before the endpoint existed; aliases keep their URNs. @default - none */
    readonly formerParent?: pulumi.Resource;
};

/**
 * The target group's health check: a server is in after 2 good probes 15 s apart (about 30 s), out after 3 bad
 * ones (45 s). https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 */
export function targetGroupHealthCheck(path: string) {
    return {
        enabled: true,
        path,
        protocol: "HTTP",
        matcher: "200-399",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
    };
}

/** The load balancer's settings: IPv4, invalid headers dropped, defensive desync mitigation, access logs on. */
export function loadBalancerSettings(args: { deletionProtection: boolean; logBucket: pulumi.Input<string>; prefix: string }) {
    return {
        loadBalancerType: "application",
        internal: false,
        ipAddressType: "ipv4",
        dropInvalidHeaderFields: true,
        desyncMitigationMode: "defensive",
        enableDeletionProtection: args.deletionProtection,
        enableHttp2: true,
        idleTimeout: 60,
        accessLogs: { bucket: args.logBucket, prefix: args.prefix, enabled: true },
    };
}

/**
 * One environment's way in: an HTTPS Application Load Balancer (ACM certificate validated in DNS, HTTP redirected,
 * access logs in a private bucket), its target group, its WAF, and the DNS names that point at it.
 */
export class AppEndpoint extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;
    public readonly loadBalancer: aws.lb.LoadBalancer;
    public readonly targetGroup: aws.lb.TargetGroup;
    public readonly loadBalancerSecurityGroup: aws.ec2.SecurityGroup;
    public readonly webAcl: aws.wafv2.WebAcl;
    /** "app/<name>/<id>/targetgroup/<name>/<id>": the label of the ALBRequestCountPerTarget metric. */
    public readonly requestCountResourceLabel: pulumi.Output<string>;

    constructor(name: string, args: AppEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AppEndpoint", name, {}, opts);
        const moved = { parent: this, aliases: args.formerParent ? [{ parent: args.formerParent }] : [] };
        const identity = args.identity;

        // Access logs: a private bucket only the regional ELB writer may put objects into, under our prefix.
        // ALB log delivery supports SSE-S3 only; S3.9: the bucket's own access goes to the account's access-log bucket.
        const logs = new LogBucket(
            `${name}-access-logs`,
            {
                accessLogs: { bucket: args.accessLogBucket, prefix: `${name}-alb-logs/` },
                lifecycleRule: { id: "expire", status: "Enabled", filter: {}, expiration: { days: args.accessLogRetentionDays } },
                policy: bucketArn => accessLogBucketPolicy({ bucketArn, prefix: name, region: args.region, accountId: args.accountId }),
                formerParent: args.formerParent,
            },
            { parent: this },
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
            moved,
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
        identity.allowFrom("from-alb", { securityGroupId: albSg.id }, args.appPort, "From the load balancer");

        this.loadBalancer = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                ...loadBalancerSettings({ deletionProtection: args.deletionProtection, logBucket: logs.id, prefix: name }),
                subnets: args.publicSubnetIds,
                securityGroups: [albSg.id],
                tags: { Name: name },
            },
            { ...moved, dependsOn: [logs.policy] },
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
                healthCheck: targetGroupHealthCheck(args.healthCheckPath),
                tags: { Name: `${name}-app` },
            },
            moved,
        );
        this.requestCountResourceLabel = pulumi.interpolate`${alb.arnSuffix}/${this.targetGroup.arnSuffix}`;

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
            moved,
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

        // Known high-volume customers' addresses, one IP set each, for their own rate rule (highVolumeSourceConfig.ts).
        const highVolumeSources = (args.highVolumeSources ?? []).map(source => ({
            name: source.name,
            limitPer5Minutes: allowancePer5Minutes(source),
            ipSetArn: new aws.wafv2.IpSet(
                `${name}-high-volume-${source.name}`,
                {
                    scope: "REGIONAL",
                    ipAddressVersion: "IPV4",
                    addresses: [...source.cidrs],
                    description: `${args.environment}: addresses of the high-volume source ${source.name}`,
                },
                { parent: this },
            ).arn,
        }));
        // WAF: the rate rule first, so one client's flood is throttled before it reaches anyone else's capacity.
        this.webAcl = new aws.wafv2.WebAcl(
            `${name}-waf`,
            {
                scope: "REGIONAL",
                description: `${args.environment}: per-client abuse ceiling, per-tenant rate, body size and AWS managed rules`,
                defaultAction: { allow: {} },
                rules: webAclRules({
                    rateLimitPer5Minutes: args.rateLimitPer5Minutes,
                    tenantRateLimit: args.tenantRateLimit,
                    highVolumeSources,
                    bodySizeLimit: args.bodySizeLimit,
                    managedRuleGroups: args.managedRuleGroups ?? DEFAULT_MANAGED_RULE_GROUPS,
                    metricPrefix: name,
                }),
                visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${name}-waf` },
            },
            moved,
        );
        new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: alb.arn, webAclArn: this.webAcl.arn }, { parent: this.webAcl });

        // Per-tenant visibility: every request WAF sees, in a group it may write to, and the query that reads it.
        const wafLogs = new aws.cloudwatch.LogGroup(
            `${name}-waf-logs`,
            { name: wafLogGroupName(args.environment), retentionInDays: args.wafLogRetentionDays },
            { parent: this.webAcl },
        );
        new aws.wafv2.WebAclLoggingConfiguration(
            `${name}-waf-logs`,
            {
                resourceArn: this.webAcl.arn,
                logDestinationConfigs: [wafLogs.arn],
                redactedFields: WAF_REDACTED_HEADERS.map(header => ({ singleHeader: { name: header } })),
            },
            { parent: this.webAcl },
        );
        new aws.cloudwatch.QueryDefinition(
            `${name}-waf-by-tenant`,
            {
                name: `twine/${args.environment}/waf-requests-and-blocks-by-tenant`,
                logGroupNames: [wafLogs.name],
                queryString: wafTenantQuery(args.tenantRateLimit?.key ?? { header: "X-Twine-Tenant" }),
            },
            { parent: this.webAcl },
        );

        // Each host name points at the load balancer, in its own zone (and account).
        // Keyed by the name itself: dropping one name renames and replaces no other record.
        for (const host of args.hostNames) {
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
        }

        this.url = pulumi.output(`https://${subject.name}`);
        this.registerOutputs({
            url: this.url,
            loadBalancerArn: alb.arn,
            loadBalancerArnSuffix: alb.arnSuffix,
            targetGroupArn: this.targetGroup.arn,
            targetGroupArnSuffix: this.targetGroup.arnSuffix,
        });
    }
}
