import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, policyDocument, stableJson } from "../account/iamPolicy";
import { SearchSnapshots } from "./searchSnapshots";

/** The HTTP verbs the app uses against its domain, listed rather than "es:ESHttp*" so no policy holds a wildcard action. */
export const SEARCH_HTTP_ACTIONS = ["es:ESHttpDelete", "es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPatch", "es:ESHttpPost", "es:ESHttpPut"];

/** The strictest TLS policy OpenSearch offers: TLS 1.2+ with forward secrecy only. */
export const SEARCH_TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10";

/** Logs the domain publishes to CloudWatch (audit logs need fine-grained access control, which we do not use). */
export const SEARCH_LOG_TYPES = ["ES_APPLICATION_LOGS", "INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS"] as const;

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers

export function domainArn(region: string, accountId: string, domainName: string): string {
    return `arn:aws:es:${region}:${accountId}:domain/${domainName}`;
}

export function searchLogGroupName(domainName: string, logType: string): string {
    return `/aws/opensearch/${domainName}/${logType.toLowerCase().replace(/_/g, "-")}`;
}

/** The verbs that change something; reads of the snapshot and schedule APIs stay open to the app. */
export const SEARCH_WRITE_ACTIONS = ["es:ESHttpDelete", "es:ESHttpPatch", "es:ESHttpPost", "es:ESHttpPut"];

/**
 * The snapshot repositories (and `_snapshot/<repo>/<snap>/_restore` under them) and the Snapshot Management schedule:
 * operators' ground, never the app's, or a compromised app server could delete every manual snapshot, deregister the
 * repository or rewrite the schedule. In an es: resource ARN the path follows the domain, and `*` spans slashes.
 */
export function searchSnapshotPaths(arn: string): string[] {
    return [`${arn}/_snapshot`, `${arn}/_snapshot/*`, `${arn}/_plugins/_sm`, `${arn}/_plugins/_sm/*`];
}

/** The domain's resource policy: HTTP access for the given roles, on this domain only, never writes to its snapshots. */
export function searchAccessPolicy(arn: string, roleArns: readonly string[]): PolicyDocument {
    const principal = { AWS: [...roleArns].sort() };
    return policyDocument(
        { Sid: "AppRoles", Effect: "Allow", Principal: principal, Action: SEARCH_HTTP_ACTIONS, Resource: `${arn}/*` },
        { Sid: "NoSnapshotWrites", Effect: "Deny", Principal: principal, Action: SEARCH_WRITE_ACTIONS, Resource: searchSnapshotPaths(arn) },
    );
}

/** What an app role needs on its side to call the domain (and the same deny, so neither policy alone opens snapshots). */
export function searchClientPolicy(arn: string): PolicyDocument {
    return policyDocument(
        { Sid: "SearchHttp", Effect: "Allow", Action: SEARCH_HTTP_ACTIONS, Resource: [arn, `${arn}/*`] },
        { Sid: "NoSnapshotWrites", Effect: "Deny", Action: SEARCH_WRITE_ACTIONS, Resource: searchSnapshotPaths(arn) },
    );
}

/** Lets OpenSearch write to the domain's log groups, for this domain only (the confused-deputy guard). */
export function searchLogPolicy(arn: string, accountId: string, logGroupArns: readonly string[]): PolicyDocument {
    return policyDocument({
        Sid: "OpenSearchLogs",
        Effect: "Allow",
        Principal: { Service: "es.amazonaws.com" },
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: logGroupArns.map(a => `${a}:*`),
        Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": arn } },
    });
}

// ---------------------------------------------------------------------------------------------------------------

/** An app tier the domain admits: its security group (network) and its IAM role (access policy). */
export interface SearchClient {
    readonly securityGroupId: pulumi.Input<string>;
    readonly roleArn: pulumi.Input<string>;
}

/** Version, size and retention of a domain: what config/environments.ts resolves for each environment. */
export interface SearchSettings {
    /** e.g. OpenSearch_2.19. */
    readonly engineVersion: string;
    /** Data node type, e.g. m7g.large.search. */
    readonly instanceType: string;
    /** Data nodes. */
    readonly instanceCount: number;
    /** AZs the data nodes spread across; above 1 turns zone awareness on. instanceCount must be a multiple. */
    readonly availabilityZones: number;
    /** 0 (none), 3 or 5. */
    readonly dedicatedMasterCount: 0 | 3 | 5;
    /** Used when dedicatedMasterCount > 0. */
    readonly dedicatedMasterType: string;
    /** gp3 volume per data node. */
    readonly volumeSizeGiB: number;
    /** Days CloudWatch keeps the domain's logs. */
    readonly logRetentionDays: number;
}

export interface SearchArgs extends SearchSettings {
    /** Domain name: 3-28 characters, lower-case letters, digits and -, unique in the account and region. */
    readonly domainName: string;
    readonly accountId: string;
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    /** Data-tier subnets, one per AZ in AZ order; the domain takes the first `availabilityZones` of them. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** App tiers admitted on 443 and by the access policy, by a stable name (the environment). Defaults to none. */
    readonly clients?: Readonly<Record<string, SearchClient>>;
    /** Production data: Pulumi `protect` on the domain and its key. Defaults to false. */
    readonly production?: boolean;
    /** The account's S3 access-log bucket: the snapshot bucket logs its access there. */
    readonly accessLogBucket: pulumi.Input<string>;
    /** Resources the domain must wait for, e.g. the OpenSearch service-linked role. Defaults to none. */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * An OpenSearch domain reachable only inside the VPC: encrypted at rest with its own rotating key and between
 * nodes, HTTPS only with a modern TLS policy, an access policy that admits the clients' roles only, logs to
 * CloudWatch with a retention, hourly automated snapshots (OpenSearch takes them; the start hour is the legacy knob), and a manual snapshot
 * repository that outlives the domain.
 */
export class Search extends pulumi.ComponentResource {
    public readonly domain: aws.opensearch.Domain;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly key: aws.kms.Key;
    /** The domain's VPC endpoint host name (HTTPS). */
    public readonly endpoint: pulumi.Output<string>;
    /** The domain ARN, known before the domain exists (built from its name). */
    public readonly arn: string;
    /** The manual snapshot repository's bucket and role, which outlive the domain (searchSnapshots.ts). */
    public readonly snapshots: SearchSnapshots;

    constructor(name: string, args: SearchArgs, opts?: pulumi.ComponentResourceOptions) {
        // Resources travel as references, not as component inputs (a reference would be re-read as a second resource).
        const { dependsOn: waitFor = [], ...inputs } = args;
        super("twine:index:Search", name, inputs, opts);
        if (args.availabilityZones > 1 && args.instanceCount % args.availabilityZones !== 0) {
            throw new pulumi.ResourceError(
                `${name}: ${args.instanceCount} data nodes cannot spread evenly over ${args.availabilityZones} ` +
                    `AZs; use a multiple of ${args.availabilityZones}`,
                this,
            );
        }
        if (Object.keys(args.clients ?? {}).length === 0) {
            throw new pulumi.ResourceError(`${name}: a domain needs at least one client role for its access policy`, this);
        }
        const production = args.production ?? false;
        const parent = { parent: this };
        this.arn = domainArn(args.region, args.accountId, args.domainName);
        const clients = Object.entries(args.clients ?? {}).sort(([a], [b]) => a.localeCompare(b));

        this.key = new aws.kms.Key(
            `${name}-key`,
            { description: `Encrypts the ${args.domainName} search domain at rest`, enableKeyRotation: true, deletionWindowInDays: 30 },
            // Retained in prod, like the database's: a destroy never schedules the deletion of a data key (KMS deletes a key
            // for good after its window). The domain's own automated snapshots go with it: docs/operations.md says the way back.
            { parent: this, protect: production, retainOnDelete: production },
        );

        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `${args.domainName} search: 443/tcp from admitted app hosts only`,
                tags: { Name: `${args.domainName}-search` },
            },
            parent,
        );
        for (const [client, { securityGroupId }] of clients) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-from-${client}`,
                {
                    securityGroupId: this.securityGroup.id,
                    referencedSecurityGroupId: securityGroupId,
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    description: `${client} app hosts`,
                },
                { parent: this.securityGroup },
            );
        }

        const logGroups = SEARCH_LOG_TYPES.map(
            type =>
                new aws.cloudwatch.LogGroup(
                    `${name}-log-${type.toLowerCase().replace(/_/g, "-")}`,
                    { name: searchLogGroupName(args.domainName, type), retentionInDays: args.logRetentionDays },
                    parent,
                ),
        );
        // CloudWatch Logs allows few resource policies per region: one per domain, covering its groups.
        const logPolicy = new aws.cloudwatch.LogResourcePolicy(
            `${name}-logs`,
            {
                policyName: `${args.domainName}-opensearch-logs`,
                policyDocument: pulumi
                    .all(logGroups.map(g => g.arn))
                    .apply(arns => stableJson(searchLogPolicy(this.arn, args.accountId, arns))),
            },
            parent,
        );

        const zoneAware = args.availabilityZones > 1;
        const dedicatedMasters = args.dedicatedMasterCount > 0;
        this.domain = new aws.opensearch.Domain(
            `${name}-domain`,
            {
                domainName: args.domainName,
                engineVersion: args.engineVersion,
                clusterConfig: {
                    instanceType: args.instanceType,
                    instanceCount: args.instanceCount,
                    zoneAwarenessEnabled: zoneAware,
                    zoneAwarenessConfig: zoneAware ? { availabilityZoneCount: args.availabilityZones } : undefined,
                    dedicatedMasterEnabled: dedicatedMasters,
                    dedicatedMasterCount: dedicatedMasters ? args.dedicatedMasterCount : undefined,
                    dedicatedMasterType: dedicatedMasters ? args.dedicatedMasterType : undefined,
                },
                ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: args.volumeSizeGiB },
                encryptAtRest: { enabled: true, kmsKeyId: this.key.arn },
                nodeToNodeEncryption: { enabled: true },
                domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: SEARCH_TLS_POLICY },
                vpcOptions: {
                    subnetIds: pulumi.output(args.subnetIds).apply(ids => ids.slice(0, args.availabilityZones)),
                    securityGroupIds: [this.securityGroup.id],
                },
                accessPolicies: pulumi
                    .all(clients.map(([, c]) => c.roleArn))
                    .apply(roleArns => stableJson(searchAccessPolicy(this.arn, roleArns))),
                logPublishingOptions: SEARCH_LOG_TYPES.map((logType, i) => ({
                    logType,
                    cloudwatchLogGroupArn: logGroups[i].arn,
                    enabled: true,
                })),
                snapshotOptions: { automatedSnapshotStartHour: 2 },
                softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
                tags: { Name: args.domainName },
            },
            { parent: this, protect: production, dependsOn: [logPolicy, ...waitFor] },
        );
        this.endpoint = this.domain.endpoint;
        this.snapshots = new SearchSnapshots(
            `${name}-snapshots`,
            {
                domainName: args.domainName,
                domainArn: this.arn,
                accountId: args.accountId,
                production,
                accessLogBucket: args.accessLogBucket,
            },
            parent,
        );

        this.registerOutputs({ endpoint: this.endpoint, arn: this.domain.arn, securityGroupId: this.securityGroup.id });
    }
}
