/**
 * The environments an env stack hosts (integration and test in dev, production in prod): per environment, the app
 * hosts' security group and IAM role (which the app tier attaches its instances to), and the data tier they use —
 * a Database and a Search domain of their own, or those of the environment named by shareDataWith.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppIdentity } from "../components/app/appIdentity";
import { SearchServiceRole } from "../components/data/searchServiceRole";
import { BackupCopy } from "../components/data/backupCopy";
import { Database, defaultPort } from "../components/data/database";
import { DatabaseProxy } from "../components/data/databaseProxy";
import { appConnectStatement, appDatabaseUser } from "../components/data/databaseAccessPolicy";
import { policyDocument, stableJson } from "../components/account/iamPolicy";
import { Network } from "../components/network/network";
import { Search, searchClientPolicy } from "../components/data/search";
import { EnvStackConfig, EnvironmentConfig } from "../config";
import { StackContext } from "./context";
import { environmentTagging } from "./environmentTags";
import { DataTierOutputs } from "./outputs";

/** What the app tier of one environment builds on. */
export interface EnvironmentResources {
    readonly config: EnvironmentConfig;
    /** The app hosts' security group and role: the data tier admits them; the app tier launches with them. */
    readonly identity: AppIdentity;
    /** The data tier this environment uses (its own, or the one it shares). */
    readonly database: Database;
    /** The RDS Proxy in front of that database, when its owner turned it on (database.proxy). */
    readonly proxy?: DatabaseProxy;
    /** Where the app connects: the proxy's endpoint when there is one, else the instance's address. */
    readonly databaseHost: pulumi.Output<string>;
    readonly search: Search;
}

export interface EnvironmentsResult {
    readonly environments: readonly EnvironmentResources[];
    /** The `environments` stack output. */
    readonly outputs: pulumi.Output<Record<string, DataTierOutputs>>;
}

/** The data tier's names in AWS: unique per account and region, so one stack per account (as everywhere here). */
export const dataTierName = (env: string) => `twine-${env}`;

/** The bastion as the databases see it: its own address (a /32), and the environments someone may tunnel to. */
export interface TunnelSource {
    readonly cidr: string;
    readonly tunnelTargets: readonly string[];
}

/**
 * Builds every environment of the stack. The bastion is admitted, for admin tunnels, to the databases of the
 * environments someone may tunnel to (a shared database: any environment using it), and to no other: a grant to
 * one environment never opens another's database.
 */
export function buildEnvironments(
    ctx: StackContext<EnvStackConfig>,
    network: Network,
    bastion: TunnelSource,
    accessLogBucket: pulumi.Input<string>,
): EnvironmentsResult {
    const { config, provider } = ctx;
    const production = config.accountRole === "prod";
    const envs = config.environments;
    const opts = { provider };

    // Every resource of an environment carries its TwineEnvironment tag (see environmentTags.ts).
    const tagged = (environment: string) => ({ ...opts, transformations: [environmentTagging(environment)] });
    const app = new Map(
        envs.map(env => [env.name, new AppIdentity(env.name, { environment: env.name, vpcId: network.vpcId }, tagged(env.name))]),
    );

    // VPC domains need OpenSearch's service-linked role; it is per account, so the stack has it once.
    const searchServiceRole = new SearchServiceRole(`${config.accountRole}-opensearch`, {}, opts);

    const owners = new Map<string, { database: Database; proxy?: DatabaseProxy; search: Search; port: number }>();
    for (const owner of envs.filter(e => e.dataOwner === e.name)) {
        const clients = envs.filter(e => e.dataOwner === owner.name).map(e => e.name);
        const name = dataTierName(owner.name);
        const clientGroups = Object.fromEntries(clients.map(c => [c, app.get(c)!.securityGroup.id]));
        const database = new Database(
            `${owner.name}-database`,
            {
                ...owner.database,
                identifier: name,
                region: config.region,
                vpcId: network.vpcId,
                subnetIds: network.subnetIds("data"),
                accountId: config.accountId,
                // Behind a proxy, the app hosts reach the proxy only; the database admits the proxy (below).
                clientSecurityGroups: owner.database.proxy ? {} : clientGroups,
                adminCidrs: clients.some(c => bastion.tunnelTargets.includes(c)) ? { bastion: bastion.cidr } : {},
                production,
            },
            tagged(owner.name),
        );
        const proxy = owner.database.proxy
            ? new DatabaseProxy(
                  `${owner.name}-database-proxy`,
                  {
                      identifier: name,
                      engine: owner.database.engine,
                      database,
                      vpcId: network.vpcId,
                      subnetIds: network.subnetIds("data"),
                      accountId: config.accountId,
                      region: config.region,
                      appUsers: clients.map(appDatabaseUser),
                      clientSecurityGroups: clientGroups,
                      maxConnectionsPercent: owner.database.proxyMaxConnectionsPercent,
                  },
                  tagged(owner.name),
              )
            : undefined;
        // Prod's backups get a copy no one in the account can delete (the final snapshot and retained automated
        // backups can be, by an administrator of the account); dev data is disposable.
        if (production) {
            new BackupCopy(`${owner.name}-backup`, { identifier: name, instanceArn: database.instance.arn }, tagged(owner.name));
        }
        const search = new Search(
            `${owner.name}-search`,
            {
                ...owner.search,
                domainName: name,
                accountId: config.accountId,
                region: config.region,
                vpcId: network.vpcId,
                subnetIds: network.subnetIds("data"),
                clients: Object.fromEntries(
                    clients.map(c => [c, { securityGroupId: app.get(c)!.securityGroup.id, roleArn: app.get(c)!.role.arn }]),
                ),
                production,
                accessLogBucket,
                dependsOn: [searchServiceRole.ready],
            },
            tagged(owner.name),
        );
        owners.set(owner.name, { database, proxy, search, port: defaultPort(owner.database.engine) });
    }

    const environments = envs.map(env => {
        const identity = app.get(env.name)!;
        const { database, proxy, search, port } = owners.get(env.dataOwner)!;
        // The app hosts may open connections to their data tier (the proxy, when there is one); the data side admits
        // them (see the components).
        const dbPeer = { securityGroupId: (proxy ?? database).securityGroup.id };
        identity.allowTo("to-database", dbPeer, port, `${env.name} database${proxy ? " proxy" : ""}`);
        identity.allowTo("to-search", { securityGroupId: search.securityGroup.id }, 443, `${env.name} search`);
        identity.grant("search", stableJson(searchClientPolicy(search.arn)));
        // The app signs in as its own database user with an IAM token: no password, and never the master user. Through
        // a proxy, the token is checked against the proxy's resource id (prx-...), not the instance's (db-...).
        const user = appDatabaseUser(env.name);
        identity.grant(
            "database",
            (proxy ? proxy.resourceId : database.instance.resourceId).apply(resourceId =>
                stableJson(policyDocument(appConnectStatement({ region: config.region, accountId: config.accountId, resourceId, user }))),
            ),
        );
        const databaseHost = proxy ? proxy.endpoint : database.address;
        return { config: env, identity, database, proxy, databaseHost, search };
    });

    const outputs: pulumi.Output<Record<string, DataTierOutputs>> = pulumi.output(
        Object.fromEntries(
            environments.map(e => [
                e.config.name,
                {
                    databaseEndpoint: e.database.address,
                    databasePort: e.database.port,
                    databaseSecretArn: e.database.masterSecretArn,
                    searchEndpoint: e.search.endpoint,
                    searchSnapshotBucket: e.search.snapshots.bucket.id,
                    searchSnapshotRoleArn: e.search.snapshots.role.arn,
                    searchSnapshotOperatorPolicyArn: e.search.snapshots.operatorPolicy.arn,
                },
            ]),
        ),
    );
    return { environments, outputs };
}
