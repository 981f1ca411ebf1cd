/**
 * Who may reach an environment's database, as IAM policy documents: the app connects as its own database user
 * through IAM database authentication (no password to read), and only operators read the master user's secret,
 * which RDS encrypts with the database's own customer-managed key.
 */
import { PolicyStatement } from "../account/iamPolicy";

/**
 * The database RDS creates in the instance (`dbName`) and the app opens (DATABASE_NAME): one name in every
 * environment, so the grants in docs/data-tier.md name a database that exists. Valid for both engines (a letter, then
 * letters and digits; PostgreSQL and MySQL both allow 63 characters).
 */
export const APP_DATABASE_NAME = "twine";

/**
 * The database user an environment's app signs in as: app_<environment>, one per environment, so environments that
 * share a data tier (shareDataWith) still have their own identity and grants. Created once by an operator (see
 * docs/data-tier.md, "The app's database user").
 */
export function appDatabaseUser(environment: string): string {
    return `app_${environment.replace(/-/g, "_")}`;
}

/**
 * ARN of one database user for `rds-db:connect`: arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>.
 * The resource id (db-ABC...), not the instance identifier.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrdsiamauthentication.html
 */
export function dbUserArn(args: { region: string; accountId: string; resourceId: string; user: string }): string {
    return `arn:aws:rds-db:${args.region}:${args.accountId}:dbuser:${args.resourceId}/${args.user}`;
}

/** The app's right to connect as its own user, and as nobody else (never the master user). */
export function appConnectStatement(args: { region: string; accountId: string; resourceId: string; user: string }): PolicyStatement {
    return { Sid: "ConnectAsTheAppUser", Effect: "Allow", Action: "rds-db:connect", Resource: dbUserArn(args) };
}

/**
 * Reading a secret encrypted with a customer-managed key: GetSecretValue, plus kms:Decrypt on the key, only when
 * Secrets Manager calls KMS for this secret (kms:ViaService and the secret's encryption context). Without the
 * Decrypt grant GetSecretValue fails.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 */
export function secretReadStatements(args: { region: string; secretArn: string; keyArn: string }): PolicyStatement[] {
    return [
        {
            Sid: "ReadTheSecret",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: args.secretArn,
        },
        decryptThroughSecretsManager({ region: args.region, secretArns: [args.secretArn], keyArn: args.keyArn }),
    ];
}

/** kms:Decrypt on the key that seals the secrets, only when Secrets Manager calls KMS for one of them. */
export function decryptThroughSecretsManager(args: { region: string; secretArns: readonly string[]; keyArn: string }): PolicyStatement {
    const secrets = [...args.secretArns].sort();
    return {
        Sid: "DecryptTheSecretThroughSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: args.keyArn,
        Condition: {
            StringEquals: {
                "kms:ViaService": `secretsmanager.${args.region}.amazonaws.com`,
                "kms:EncryptionContext:SecretARN": secrets.length === 1 ? secrets[0] : secrets,
            },
        },
    };
}
