/**
 * Operations of an env stack: per environment, an alarm topic, alarms and a dashboard over its app and data tiers
 * (EnvironmentOperations); per account, a topic for what concerns the account (NAT gateways, GuardDuty findings,
 * what stops the trail, failed backup jobs), notifying everyone subscribed to any of its environments; the stack's
 * pagingWebhook, when set, is notified by every topic.
 */
import { AppCluster } from "../components/app/appCluster";
import { tenantRuleMetricName, webAclMetricName } from "../components/app/webAclConfig";
import { baselineNames } from "../components/account/accountBaseline";
import { Network } from "../components/network/network";
import { Subscription, natGatewayKey } from "../components/operations/alarmConfig";
import { AccountAlerts, AccountAlertsArgs, EnvironmentOperations } from "../components/operations/monitoring";
import { EnvStackConfig } from "../config";
import { StackContext } from "./context";
import { environmentTagging } from "./environmentTags";
import { EnvironmentResources } from "./environments";

/** Every subscription of the stack's environments, once each. */
export function accountSubscriptions(
    environments: readonly { readonly alarms: { readonly subscriptions: readonly Subscription[] } }[],
): Subscription[] {
    const seen = new Map<string, Subscription>();
    for (const s of environments.flatMap(e => e.alarms.subscriptions)) seen.set(`${s.protocol}:${s.endpoint}`, s);
    return [...seen.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/**
 * The account's alerts, in every stack: GuardDuty's findings (when it runs), the calls that stop the trail, and
 * Access Analyzer's external-access findings (every account has an analyzer), to the account's topic, which the
 * stack's pagingWebhook is subscribed to; `extra` adds what only an env stack has.
 */
export function accountAlerts(
    ctx: StackContext,
    extra: Pick<AccountAlertsArgs, "subscriptions" | "natGateways" | "backupJobs"> = {},
): AccountAlerts {
    const { config } = ctx;
    return new AccountAlerts(
        `${config.accountRole}-alerts`,
        {
            accountId: config.accountId,
            label: config.accountRole,
            pagingWebhook: config.pagingWebhook,
            guardDuty: config.baseline.guardDuty,
            trail: { bucket: baselineNames({ accountId: config.accountId, region: config.region, label: config.accountRole }).bucket },
            accessAnalyzer: true,
            // Dev's image goes to prod (its launch permission); no other account receives a copy on purpose.
            dataSharing: {
                accountId: config.accountId,
                region: config.region,
                sharedWith: config.accountRole === "dev" && config.image.prodAccountId ? [config.image.prodAccountId] : [],
            },
            protect: config.accountRole === "prod",
            ...extra,
        },
        { provider: ctx.provider },
    );
}

export function buildOperations(
    ctx: StackContext<EnvStackConfig>,
    network: Network,
    environments: readonly EnvironmentResources[],
    clusters: readonly AppCluster[],
): { environments: EnvironmentOperations[]; account: AccountAlerts } {
    const { config } = ctx;
    const protect = config.accountRole === "prod";
    const perEnvironment = environments.map((env, i) => {
        const cluster = clusters[i];
        const name = env.config.name;
        const app = env.config.app;
        // A shared data tier is watched by its owner only: one page per failure, not one per environment using it.
        const owner = env.config.dataOwner === name;
        return new EnvironmentOperations(
            `${name}-operations`,
            {
                accountId: config.accountId,
                region: config.region,
                thresholds: env.config.alarms.thresholds,
                subscriptions: env.config.alarms.subscriptions,
                pagingWebhook: config.pagingWebhook,
                protect,
                watch: {
                    environment: name,
                    loadBalancer: cluster.loadBalancer.arnSuffix,
                    targetGroup: cluster.targetGroup.arnSuffix,
                    autoScalingGroup: cluster.autoScalingGroup.name,
                    groupMaxSize: app.maxSize,
                    database: owner
                        ? {
                              identifier: env.database.instance.identifier,
                              engine: env.config.database.engine,
                              instanceClass: env.config.database.instanceClass,
                              allocatedStorageGiB: env.config.database.allocatedStorageGiB,
                              proxy: env.proxy && {
                                  name: env.proxy.proxy.name,
                                  maxConnectionsPercent: env.config.database.proxyMaxConnectionsPercent,
                              },
                          }
                        : undefined,
                    search: owner
                        ? {
                              domainName: env.search.domain.domainName,
                              accountId: config.accountId,
                              instanceCount: env.config.search.instanceCount,
                              volumeSizeGiB: env.config.search.volumeSizeGiB,
                          }
                        : undefined,
                    // The app cluster names its web ACL's metrics after the environment (its component name).
                    waf: {
                        webAcl: webAclMetricName(name),
                        region: config.region,
                        tenantRule: app.tenantRateLimit && { metricName: tenantRuleMetricName(name), action: app.tenantRateLimit.action },
                    },
                },
            },
            { provider: ctx.provider, transformations: [environmentTagging(name)] },
        );
    });
    const account = accountAlerts(ctx, {
        subscriptions: accountSubscriptions(environments.map(e => e.config)),
        // Keyed by AZ id; they were keyed by position, which their resources still answer to.
        natGateways: network.natGateways.map((nat, i) => ({
            key: natGatewayKey(config.network.zoneIds, i),
            formerKey: String(i),
            id: nat.id,
        })),
        // Prod's database is backed up by AWS Backup (BackupCopy, stacks/environments.ts); dev runs no jobs.
        backupJobs: config.accountRole === "prod",
    });
    return { environments: perEnvironment, account };
}
