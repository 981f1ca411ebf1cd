import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy, stableJson } from "../account/iamPolicy";
import { Database, DatabaseEngine, defaultPort } from "./database";
import { proxyEngineFamily, proxyResourceId, proxySecretStatements, proxyUserSecretPrefix } from "./databaseProxyConfig";

export interface DatabaseProxyArgs {
    /** Names the proxy (unique in the account and region) and its secret; the database's identifier. */
    readonly identifier: string;
    readonly engine: DatabaseEngine;
    /** The database behind the proxy: its instance is the target, its group admits the proxy, its key seals the secret. */
    readonly database: Database;
    readonly vpcId: pulumi.Input<string>;
    /** Subnets in at least two AZs (the data subnets). */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly accountId: string;
    readonly region: string;
    /**
     * The database users the apps sign in as (one per environment on this database); the proxy gets a secret for each
     * and for no other user.
     */
    readonly appUsers: readonly string[];
    /** Security groups admitted on the database port, by a stable name (the environment). */
    readonly clientSecurityGroups: Readonly<Record<string, pulumi.Input<string>>>;
    /** MaxConnectionsPercent: the share of max_connections the proxy may open (the rest is for operators). */
    readonly maxConnectionsPercent: number;
}

/**
 * RDS Proxy in front of a Database: clients must present an IAM token (no password) over TLS; the proxy signs in to
 * the database as the app user with that user's secret, which only the proxy's role can read. The app hosts reach
 * the proxy; only the proxy reaches the database.
 *
 * Order (each step waits for the one before: CreateDBProxy needs the role and the secret to exist,
 * RegisterDBProxyTargets needs the proxy to be available and the instance to exist): secret, role and its policy,
 * security group, proxy, default target group (ModifyDBProxyTargetGroup), target.
 */
export class DatabaseProxy extends pulumi.ComponentResource {
    public readonly proxy: aws.rds.Proxy;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    /** The secrets the proxy signs the app users in with, by user. Created empty: an operator puts the password in. */
    public readonly appUserSecrets: Readonly<Record<string, aws.secretsmanager.Secret>>;
    /** The proxy's host name: the app's DATABASE_HOST. */
    public readonly endpoint: pulumi.Output<string>;
    /** prx-..., the id `rds-db:connect` names. */
    public readonly resourceId: pulumi.Output<string>;

    constructor(name: string, args: DatabaseProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:DatabaseProxy", name, args, opts);
        const parent = { parent: this };
        const port = defaultPort(args.engine);

        // One secret per app user, encrypted with the database's own key like the master secret. No value here: the
        // password would land in state; the operator who creates the app user writes it (docs/data-tier.md).
        this.appUserSecrets = Object.fromEntries(
            [...args.appUsers].sort().map(user => [
                user,
                new aws.secretsmanager.Secret(
                    `${name}-${user}`,
                    {
                        namePrefix: proxyUserSecretPrefix(args.identifier, user),
                        description: `${user} on ${args.identifier}: the password RDS Proxy signs in with ({"username","password"})`,
                        kmsKeyId: args.database.key.arn,
                    },
                    parent,
                ),
            ]),
        );
        const secrets = Object.entries(this.appUserSecrets);

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                assumeRolePolicy: stableJson(serviceTrustPolicy("rds.amazonaws.com", args.accountId)),
                description: `RDS Proxy of ${args.identifier}: reads the app users' secrets`,
            },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-secret`,
            {
                role: role.id,
                policy: pulumi
                    .all([pulumi.all(secrets.map(([, secret]) => secret.arn)), args.database.key.arn])
                    .apply(([secretArns, keyArn]) =>
                        stableJson(policyDocument(...proxySecretStatements({ region: args.region, secretArns, keyArn }))),
                    ),
            },
            { parent: role },
        );

        // No inline rules, and none beyond these: the app hosts in, the database out.
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `${args.identifier} proxy: ${port}/tcp from the app hosts, to the database only`,
                tags: { Name: `${args.identifier}-proxy` },
            },
            parent,
        );
        for (const [client, groupId] of Object.entries(args.clientSecurityGroups).sort(([a], [b]) => a.localeCompare(b))) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-from-${client}`,
                {
                    securityGroupId: this.securityGroup.id,
                    referencedSecurityGroupId: groupId,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    description: `${client} app hosts`,
                },
                { parent: this.securityGroup },
            );
        }
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-to-database`,
            {
                securityGroupId: this.securityGroup.id,
                referencedSecurityGroupId: args.database.securityGroup.id,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `${args.identifier} database`,
            },
            { parent: this.securityGroup },
        );
        args.database.allowFrom("proxy", this.securityGroup.id, `${args.identifier} proxy`);

        this.proxy = new aws.rds.Proxy(
            name,
            {
                name: args.identifier,
                engineFamily: proxyEngineFamily(args.engine),
                roleArn: role.arn,
                vpcSubnetIds: args.subnetIds,
                vpcSecurityGroupIds: [this.securityGroup.id],
                // Clients: TLS, and an IAM token for the app user; no password is accepted.
                requireTls: true,
                auths: secrets.map(([user, secret]) => ({
                    authScheme: "SECRETS",
                    iamAuth: "REQUIRED",
                    secretArn: secret.arn,
                    description: `${user}: IAM token required`,
                })),
                // Debug logging writes the SQL text of every statement to CloudWatch Logs: off.
                debugLogging: false,
                tags: { Name: args.identifier },
            },
            // The proxy reads the secret as soon as it starts: its role's policy first.
            { parent: this, dependsOn: [rolePolicy] },
        );

        const targetGroup = new aws.rds.ProxyDefaultTargetGroup(
            `${name}-targets`,
            {
                dbProxyName: this.proxy.name,
                connectionPoolConfig: {
                    maxConnectionsPercent: args.maxConnectionsPercent,
                    // Pinned sessions cannot be shared; a borrow that waits longer than this fails the app's query.
                    connectionBorrowTimeout: 120,
                },
            },
            parent,
        );
        new aws.rds.ProxyTarget(
            `${name}-target`,
            {
                dbProxyName: this.proxy.name,
                targetGroupName: targetGroup.name,
                dbInstanceIdentifier: args.database.instance.identifier,
            },
            // RegisterDBProxyTargets fails while the instance is still being created (the AWS provider retries it for
            // five minutes, less than an instance's first boot): registered only once the instance is available. The
            // identifier already implies this; said here so that no refactor can drop it.
            { parent: this, dependsOn: [args.database.instance, targetGroup] },
        );

        this.endpoint = this.proxy.endpoint;
        this.resourceId = this.proxy.arn.apply(proxyResourceId);
        this.registerOutputs({ endpoint: this.endpoint, resourceId: this.resourceId, securityGroupId: this.securityGroup.id });
    }
}
