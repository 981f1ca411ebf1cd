/** Data store guardrails: RDS, OpenSearch, and the stateful resources prod must not lose. */
import { Rule, asArray, environmentOf, isFalse, isProd, isTrue, simpleRule } from "./types";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const RDS = [RDS_INSTANCE, RDS_CLUSTER];
const SEARCH = ["aws:opensearch/domain:Domain"];

/** Engines' default ports (RDS.23). */
const DEFAULT_PORTS: Record<string, number> = {
    postgres: 5432,
    "aurora-postgresql": 5432,
    mysql: 3306,
    "aurora-mysql": 3306,
    mariadb: 3306,
};

/** Stateful resources that prod protects (`protect: true`), so a replace or delete needs a deliberate step. */
export const STATEFUL_TYPES = [
    RDS_INSTANCE,
    RDS_CLUSTER,
    "aws:opensearch/domain:Domain",
    "aws:ebs/volume:Volume",
    "aws:route53/zone:Zone",
    "aws:dynamodb/table:Table",
    "aws:efs/fileSystem:FileSystem",
    "aws:kms/key:Key",
];

export const dataStoreRules: Rule[] = [
    simpleRule(
        {
            name: "rds-2-not-public",
            control: "RDS.2",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Databases are not publicly accessible. Mandatory: they live in the data subnets and are reached from the app tier only.",
            resourceTypes: [RDS_INSTANCE],
        },
        p => isTrue(p.publiclyAccessible),
        "publiclyAccessible must be false",
    ),
    simpleRule(
        {
            name: "rds-3-storage-encrypted",
            control: "RDS.3",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Database storage is encrypted. Mandatory: it holds every tenant's HR and expense records, and " +
                "encryption cannot be added later without a copy.",
            resourceTypes: RDS,
        },
        (p, r) => !isTrue(p.storageEncrypted) && !(r.type === RDS_INSTANCE && p.replicateSourceDb !== undefined),
        "storageEncrypted must be true",
    ),
    simpleRule(
        {
            name: "rds-5-multi-az-prod",
            control: "RDS.5",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Prod database instances are Multi-AZ. Mandatory in prod: one AZ outage must not stop every " +
                "tenant; dev runs single-AZ to save cost.",
            resourceTypes: [RDS_INSTANCE],
        },
        (p, r) => isProd(r) && !isTrue(p.multiAz),
        "multiAz must be true in prod",
    ),
    simpleRule(
        {
            name: "rds-7-8-deletion-protection-prod",
            control: "RDS.7/RDS.8",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Prod databases have deletion protection. Mandatory in prod: an API call or a bad `pulumi up` " +
                "must not delete production data.",
            resourceTypes: RDS,
        },
        (p, r) => isProd(r) && !isTrue(p.deletionProtection),
        "deletionProtection must be true in prod",
    ),
    simpleRule(
        {
            name: "rds-11-backups-7-days",
            control: "RDS.11",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Automated backups are kept at least 7 days. Mandatory: point-in-time recovery is the answer to " +
                "a bad migration or a deleted tenant.",
            resourceTypes: RDS,
        },
        (p, r) => !(r.type === RDS_INSTANCE && p.replicateSourceDb !== undefined) && !(Number(p.backupRetentionPeriod) >= 7),
        p => `backupRetentionPeriod is ${p.backupRetentionPeriod ?? "unset"}; keep at least 7 days`,
    ),
    simpleRule(
        {
            name: "rds-13-auto-minor-version-upgrade",
            control: "RDS.13",
            area: "data stores",
            enforcementLevel: "advisory",
            description:
                "Minor engine upgrades apply automatically in the maintenance window. Advisory: a team may pin " +
                "a minor version for a known reason.",
            resourceTypes: RDS,
        },
        p => isFalse(p.autoMinorVersionUpgrade),
        "autoMinorVersionUpgrade is false",
    ),
    simpleRule(
        {
            name: "rds-9-log-exports",
            control: "RDS.9",
            area: "data stores",
            enforcementLevel: "advisory",
            description:
                "Databases export their logs to CloudWatch Logs. Advisory: useful evidence, but its cost and " +
                "volume are a per-environment choice.",
            resourceTypes: RDS,
        },
        p => asArray(p.enabledCloudwatchLogsExports).length === 0,
        "enabledCloudwatchLogsExports is empty",
    ),
    simpleRule(
        {
            name: "rds-23-non-default-port",
            control: "RDS.23",
            area: "data stores",
            enforcementLevel: "advisory",
            description:
                "Databases do not listen on the engine's default port. Advisory: it only slows down scanners; " +
                "security groups are the real control.",
            resourceTypes: RDS,
        },
        p => {
            const port = p.port === undefined ? DEFAULT_PORTS[p.engine] : Number(p.port);
            return port !== undefined && port === DEFAULT_PORTS[p.engine];
        },
        p => `the ${p.engine} database uses its default port ${DEFAULT_PORTS[p.engine]}`,
    ),
    simpleRule(
        {
            name: "twine-rds-managed-master-password",
            control: "twine",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Master passwords are managed by RDS in Secrets Manager (manageMasterUserPassword), never " +
                "passed in. Mandatory: a password input lands in config and state.",
            resourceTypes: RDS,
        },
        p =>
            p.password !== undefined ||
            p.masterPassword !== undefined ||
            (!isTrue(p.manageMasterUserPassword) &&
                p.replicateSourceDb === undefined &&
                p.snapshotIdentifier === undefined &&
                p.globalClusterIdentifier === undefined &&
                p.replicationSourceIdentifier === undefined),
        "set manageMasterUserPassword: true and remove password/masterPassword",
    ),
    simpleRule(
        {
            name: "twine-rds-proxy-tls-and-iam",
            control: "twine",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "RDS proxies require TLS and an IAM token from every client (requireTls, iamAuth REQUIRED on each auth). " +
                "Mandatory: a proxy that takes passwords or plain text would undo the database's own TLS and IAM rules.",
            resourceTypes: ["aws:rds/proxy:Proxy"],
        },
        p =>
            !isTrue(p.requireTls) ||
            asArray(p.auths).length === 0 ||
            asArray<{ iamAuth?: string } | undefined>(p.auths).some(a => a?.iamAuth !== "REQUIRED"),
        "set requireTls: true and iamAuth: REQUIRED on every auth",
    ),
    simpleRule(
        {
            name: "twine-rds-final-snapshot-prod",
            control: "twine",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Prod databases take a final snapshot when deleted. Mandatory in prod: the last line of defence " +
                "if deletion protection is turned off by mistake.",
            resourceTypes: RDS,
        },
        (p, r) => isProd(r) && isTrue(p.skipFinalSnapshot),
        "skipFinalSnapshot must be false in prod",
    ),
    simpleRule(
        {
            name: "opensearch-1-encryption-at-rest",
            control: "Opensearch.1",
            area: "data stores",
            enforcementLevel: "mandatory",
            description: "Search domains encrypt data at rest. Mandatory: the index holds searchable copies of tenant records.",
            resourceTypes: SEARCH,
        },
        p => !isTrue(p.encryptAtRest?.enabled),
        "encryptAtRest.enabled must be true",
    ),
    simpleRule(
        {
            name: "opensearch-2-in-vpc",
            control: "Opensearch.2",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Search domains live in the VPC (vpcOptions with subnets). Mandatory: a public endpoint relies on its access policy alone.",
            resourceTypes: SEARCH,
        },
        p => asArray(p.vpcOptions?.subnetIds).length === 0,
        "vpcOptions.subnetIds is missing: the domain would have a public endpoint",
    ),
    simpleRule(
        {
            name: "opensearch-3-node-to-node-encryption",
            control: "Opensearch.3",
            area: "data stores",
            enforcementLevel: "mandatory",
            description: "Search nodes encrypt traffic between them. Mandatory: tenant data must not cross the VPC in clear text.",
            resourceTypes: SEARCH,
        },
        p => !isTrue(p.nodeToNodeEncryption?.enabled),
        "nodeToNodeEncryption.enabled must be true",
    ),
    simpleRule(
        {
            name: "opensearch-8-tls12-https",
            control: "Opensearch.8",
            area: "data stores",
            enforcementLevel: "mandatory",
            description: "Search endpoints enforce HTTPS with TLS 1.2+. Mandatory: clients must not be able to downgrade.",
            resourceTypes: SEARCH,
        },
        p =>
            !isTrue(p.domainEndpointOptions?.enforceHttps) || !/^Policy-Min-TLS-1-2/.test(p.domainEndpointOptions?.tlsSecurityPolicy ?? ""),
        "domainEndpointOptions must set enforceHttps: true and tlsSecurityPolicy Policy-Min-TLS-1-2-2019-07 (or -PFS-2023-10)",
    ),
    simpleRule(
        {
            name: "opensearch-7-fine-grained-access",
            control: "Opensearch.7",
            area: "data stores",
            enforcementLevel: "advisory",
            description:
                "Search domains enable fine-grained access control. Advisory: with VPC-only access and an IAM " +
                "access policy it adds depth, not a missing wall.",
            resourceTypes: SEARCH,
        },
        p => !isTrue(p.advancedSecurityOptions?.enabled),
        "advancedSecurityOptions.enabled is not true",
    ),
    simpleRule(
        {
            name: "opensearch-5-audit-logs",
            control: "Opensearch.5",
            area: "data stores",
            enforcementLevel: "advisory",
            description: "Search domains publish audit logs. Advisory: they require fine-grained access control (Opensearch.7) first.",
            resourceTypes: SEARCH,
        },
        p => !asArray(p.logPublishingOptions).some(o => o.logType === "AUDIT_LOGS" && o.enabled !== false),
        "no AUDIT_LOGS log publishing option",
    ),
    simpleRule(
        {
            name: "opensearch-6-three-nodes-zone-aware-prod",
            control: "Opensearch.6",
            area: "data stores",
            enforcementLevel: "advisory",
            description:
                "Prod search domains run at least 3 data nodes with zone awareness. Advisory: search can be " +
                "rebuilt from the database, so this is availability, not data loss.",
            resourceTypes: SEARCH,
        },
        (p, r) => isProd(r) && (!(Number(p.clusterConfig?.instanceCount) >= 3) || !isTrue(p.clusterConfig?.zoneAwarenessEnabled)),
        "clusterConfig needs instanceCount >= 3 and zoneAwarenessEnabled in prod",
    ),
    simpleRule(
        {
            name: "twine-protect-stateful-prod",
            control: "twine",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "Stateful resources (databases, search domains, volumes, zones, keys, tables) are protected " +
                "(`protect: true`) in prod, and the apex zone in dns. Mandatory: replacing one loses data or " +
                "names.",
            resourceTypes: STATEFUL_TYPES,
        },
        (_p, r) => (isProd(r) || (r.type === "aws:route53/zone:Zone" && environmentOf(r) === "dns")) && r.options?.protect !== true,
        "set `protect: true` on this resource",
    ),
];
