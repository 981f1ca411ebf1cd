/**
 * The app tier of every environment the stack hosts: one AppCluster each, booting the image this stack runs,
 * attached to the environment's app group and role (which its data tier admits), reachable over SSH from the
 * bastion only, and answering on its names in the subzone (and, in prod, its public names in the apex, written
 * through the dns account's role).
 */
import * as pulumi from "@pulumi/pulumi";
import { hostAccess } from "../components/access/accessCloudConfig";
import { AppCluster, AppHostName } from "../components/app/appCluster";
import { appDatabaseUser } from "../components/data/databaseAccessPolicy";
import { envSubzoneName } from "../components/dns/delegationPolicy";
import { Network } from "../components/network/network";
import { EnvStackConfig } from "../config";
import { agentLogRetentionDays } from "../config/appTier";
import { StackContext } from "./context";
import { environmentTagging } from "./environmentTags";
import { EnvAccess } from "./envAccess";
import { EnvironmentResources } from "./environments";
import { AppImage } from "./envImage";
import { appRootVolumeGiB } from "../components/app/rootVolumeConfig";
import { BastionOutputs, DataTierOutputs, DnsOutputs, EnvironmentOutputs } from "./outputs";

/** What other teams need of one environment's app tier (merged into the `environments` output). */
export type AppTierOutputs = Omit<EnvironmentOutputs, keyof DataTierOutputs>;

/** Fully qualified names of an environment: its labels in the subzone, then (prod) its labels in the apex. */
export function appHostNames(
    role: "dev" | "prod",
    apex: string,
    hostLabels: readonly string[],
    publicLabels: readonly string[],
): { subzone: string[]; apex: string[] } {
    return { subzone: hostLabels.map(l => `${l}.${envSubzoneName(role, apex)}`), apex: publicLabels.map(l => `${l}.${apex}`) };
}

export function buildAppTier(
    ctx: StackContext<EnvStackConfig>,
    network: Network,
    environments: readonly EnvironmentResources[],
    access: EnvAccess,
    image: AppImage,
    dns: DnsOutputs,
    bastion: BastionOutputs,
    accessLogBucket: pulumi.Input<string>,
    /** Per environment (in order), the alarms its refresh watches, declared later by buildOperations. */
    refreshAlarms: readonly Promise<readonly pulumi.Resource[]>[] = [],
): { clusters: AppCluster[]; outputs: pulumi.Output<Record<string, AppTierOutputs>> } {
    const { config } = ctx;
    const role = config.accountRole;
    const clusters = environments.map((env, i) => {
        const app = env.config.app;
        const names = appHostNames(role, dns.zoneName, app.hostNames, app.publicNames);
        const hostNames: AppHostName[] = [
            ...names.subzone.map(name => ({ name, zoneId: access.subzone.zoneId })),
            ...names.apex.map(name => ({ name, zoneId: dns.zoneId, provider: access.dnsProvider })),
        ];
        return new AppCluster(
            env.config.name,
            {
                environment: env.config.name,
                accountId: config.accountId,
                region: config.region,
                vpcId: network.vpcId,
                publicSubnetIds: network.subnetIds("public"),
                privateSubnetIds: network.subnetIds("private"),
                ...app,
                amiId: image.amiId,
                rootVolumeGiB: appRootVolumeGiB(image.rootVolumeGiB),
                launchDependsOn: image.launchDependsOn,
                refreshAlarms: refreshAlarms[i],
                hostNames,
                accessLogBucket,
                deletionProtection: role === "prod",
                identity: env.identity,
                extraSecurityGroupIds: [access.sshFromBastionSecurityGroupId],
                hostLogRetentionDays: agentLogRetentionDays(role),
                // The people the bastion stack grants this environment, from the bastion only.
                access: hostAccess({
                    logins: bastion.access[role]?.[env.config.name] ?? [],
                    bastionIp: bastion.bastionPrivateIp,
                    role: `${env.config.name} app servers`,
                    bakedImage: true,
                }),
                // Where the app finds its data tier; secrets stay in Secrets Manager, only their ARN is here.
                settings: {
                    ...app.settings,
                    TWINE_ENVIRONMENT: env.config.name,
                    AWS_REGION: config.region,
                    // The proxy's endpoint when the environment has one: the app never bypasses it.
                    DATABASE_HOST: env.databaseHost,
                    DATABASE_PORT: env.database.port.apply(String),
                    DATABASE_NAME: env.database.databaseName,
                    // IAM database authentication: the app asks RDS for a token as this user (rds-db:connect).
                    DATABASE_USER: appDatabaseUser(env.config.name),
                    DATABASE_AUTH: "iam",
                    // The pool the connection budget counts (database.poolSizePerServer × app.maxSize).
                    DATABASE_POOL_SIZE: String(env.config.database.poolSizePerServer),
                    SEARCH_ENDPOINT: env.search.endpoint,
                },
                tags: { ...ctx.tags, TwineEnvironment: env.config.name },
            },
            // Before any server boots: an agent that finds no group creates one without a retention.
            { provider: ctx.provider, transformations: [environmentTagging(env.config.name)] },
        );
    });
    const outputs = pulumi.output(
        Object.fromEntries(
            clusters.map((cluster, i) => [
                environments[i].config.name,
                {
                    url: cluster.url,
                    albDnsName: cluster.loadBalancer.dnsName,
                    albZoneId: cluster.loadBalancer.zoneId,
                    asgName: cluster.autoScalingGroup.name,
                    targetGroupArn: cluster.targetGroup.arn,
                },
            ]),
        ),
    );
    return { clusters, outputs };
}
