/**
 * RDS Proxy in front of an environment's database, as pure functions: what the proxy is told about the engine, the
 * identity it connects with, and the rights its role holds. databaseProxy.ts creates the resources from these.
 *
 * How IAM authentication works through a proxy (RDS User Guide, "Connecting to a proxy using IAM authentication",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html#rds-proxy-connecting-iam): the
 * client signs a token for a database user, the proxy checks it against the caller's `rds-db:connect` on
 * `dbuser:<proxy resource id>/<user>`, then reads that user's name and password from the Secrets Manager secret it was
 * given for the user and signs in to the database with them: "The connection from RDS Proxy to the underlying
 * database doesn't go through IAM." So the proxy needs one secret per database user it signs in as
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html), and that user signs in to
 * the database with a password.
 *
 * Which secret: the app user's own, never the RDS-managed master secret. Given the master secret, the proxy would
 * sign every client in as the master user: the app would hold the rights of the account that can drop every table
 * and read every tenant, which databaseAccessPolicy.ts exists to prevent.
 */
import { PolicyStatement } from "../account/iamPolicy";
import { decryptThroughSecretsManager } from "./databaseAccessPolicy";
import type { DatabaseEngine } from "./database";

/** The proxy's EngineFamily for an engine (CreateDBProxy accepts MYSQL, POSTGRESQL, SQLSERVER). */
export function proxyEngineFamily(engine: DatabaseEngine): "POSTGRESQL" | "MYSQL" {
    return engine === "postgres" ? "POSTGRESQL" : "MYSQL";
}

/**
 * The proxy's resource id (prx-...), the part of `rds-db:connect`'s ARN that names the proxy: the last field of the
 * proxy's ARN, arn:aws:rds:<region>:<account>:db-proxy:prx-<id>. The proxy's name is not accepted there.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html#rds-proxy-connecting-iam
 */
export function proxyResourceId(proxyArn: string): string {
    const m = /^arn:aws[a-z-]*:rds:[^:]*:\d{12}:db-proxy:(prx-[a-z0-9]+)$/i.exec(proxyArn);
    if (!m) throw new Error(`not an RDS Proxy ARN (arn:aws:rds:<region>:<account>:db-proxy:prx-<id>): ${proxyArn}`);
    return m[1];
}

/**
 * The proxy role's rights: read exactly the app users' secrets (GetSecretValue, the one call the proxy makes), and
 * decrypt them with the database's key only when Secrets Manager asks KMS for one of those secrets.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-iam-setup.html
 */
export function proxySecretStatements(args: { region: string; secretArns: readonly string[]; keyArn: string }): PolicyStatement[] {
    const secrets = [...args.secretArns].sort();
    return [
        {
            Sid: "ReadTheAppUserSecrets",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: secrets.length === 1 ? secrets[0] : secrets,
        },
        decryptThroughSecretsManager(args),
    ];
}

/**
 * The name prefix of the secret the proxy signs the app user in with, `<identifier>/proxy/<user>-` (Pulumi appends a
 * unique suffix), holding {"username", "password"}. A prefix, not a name: a deleted secret keeps its name for its
 * recovery window (30 days by default), and CreateSecret refuses a name in use or scheduled for deletion, so a fixed
 * name would fail a replacement (created before the old one is deleted) and turning the proxy off and on again
 * within 30 days. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
 */
export const proxyUserSecretPrefix = (identifier: string, user: string) => `${identifier}/proxy/${user}-`;

/**
 * What a proxy admits to the database: MaxConnectionsPercent of max_connections, the most connections it opens
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connections.html#rds-proxy-connection-pooling-tuning.maxconnectionspercent).
 */
export function proxyConnectionCeiling(maxConnections: number, maxConnectionsPercent: number): number {
    return Math.floor((maxConnections * maxConnectionsPercent) / 100);
}
