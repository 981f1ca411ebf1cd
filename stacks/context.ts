import * as aws from "@pulumi/aws";
import { NetworkConfig, StackConfig } from "../config";
import { AccountBaseline } from "../components/account/accountBaseline";
import { ExpectedAccess, deploymentProviderArns } from "../components/account/expectedAccessConfig";
import { deployRoleName, previewRoleName } from "../components/account/deployRolePolicy";
import { ELB_LOG_ACCOUNTS } from "../components/app/accessLogPolicy";
import { Network } from "../components/network/network";
import { accountProvider, defaultTags } from "../components/account/accountProvider";
import { permissionsBoundary } from "../components/account/permissionsBoundary";

/** What every stack builder gets: its validated config and the provider pinned to its own account. */
export interface StackContext<C extends StackConfig = StackConfig> {
    readonly config: C;
    readonly stack: string;
    /** Default tags, also applied through the provider. */
    readonly tags: Readonly<Record<string, string>>;
    /** Provider for this stack's own account; every resource of the stack uses it unless it writes elsewhere. */
    readonly provider: aws.Provider;
}

export function stackContext<C extends StackConfig>(config: C, stack: string): StackContext<C> {
    const tags = defaultTags(config.accountRole, stack, config.tags);
    const provider = accountProvider(config.accountRole, { accountId: config.accountId, region: config.region, tags });
    // With deployments, the deploy role creates roles only with the stack's boundary: declared first, so that every
    // role the program declares carries it.
    if (config.deployments) {
        permissionsBoundary({ accountId: config.accountId, region: config.region, stack, accountRole: config.accountRole }, { provider });
    }
    return { config, stack, tags, provider };
}

/** The network half of the bastion and env outputs contracts. */
export function networkOutputs(network: Network) {
    return {
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        availabilityZones: network.availabilityZones,
        availabilityZoneIds: network.availabilityZoneIds,
        publicSubnetIds: network.subnetIds("public"),
        privateSubnetIds: network.subnetIds("private"),
        dataSubnetIds: network.subnetIds("data"),
        dataSubnetCidrs: network.subnetPlan.tiers.filter(t => t.name === "data").flatMap(t => t.subnets),
        publicRouteTableIds: network.routeTableIds("public"),
        privateRouteTableIds: network.routeTableIds("private"),
        dataRouteTableIds: network.routeTableIds("data"),
    };
}

/**
 * The external access the stack grants on purpose (what its analyzer archives): the project accounts it shares with
 * (dns: the delegation roles' consumers; bastion: its peers; dev: prod, which uses the image key), the region's
 * load-balancer log delivery (env stacks' access-log buckets), and its Deployments roles' OIDC providers.
 */
export function expectedAccess(config: StackConfig, stack: string): ExpectedAccess {
    const projectAccounts =
        config.accountRole === "dns"
            ? [config.delegation.bastion.accountId, config.delegation.dev.accountId, config.delegation.prod.accountId]
            : config.accountRole === "bastion"
              ? Object.values(config.bastionHost.peers).flatMap(p => (p ? [p.accountId] : []))
              : config.accountRole === "dev" && config.image.prodAccountId
                ? [config.image.prodAccountId]
                : [];
    const env = config.accountRole === "dev" || config.accountRole === "prod";
    const d = config.deployments;
    return {
        accountId: config.accountId,
        projectAccounts,
        logDeliveryAccount: env ? ELB_LOG_ACCOUNTS[config.region] : undefined,
        deployments: d && {
            roleNames: [previewRoleName(stack), deployRoleName(stack)],
            providerArns: deploymentProviderArns(config.accountId, {
                pulumi: d.existingPulumiOidcProviderArn,
                github: d.existingGithubOidcProviderArn,
            }),
        },
    };
}

/** The account baseline of every stack: its settings as config resolved them, protected in prod. */
export function accountBaseline(ctx: StackContext): AccountBaseline {
    const { config } = ctx;
    return new AccountBaseline(
        `${config.accountRole}-baseline`,
        {
            ...config.baseline,
            accountId: config.accountId,
            region: config.region,
            label: config.accountRole,
            protect: config.accountRole === "prod",
            expectedAccess: expectedAccess(config, ctx.stack),
        },
        { provider: ctx.provider },
    );
}

export function newNetwork(ctx: StackContext & { config: { network: NetworkConfig } }): Network {
    const { config } = ctx;
    return new Network(
        config.accountRole,
        { ...config.network, region: config.region, accountId: config.accountId },
        { provider: ctx.provider },
    );
}
