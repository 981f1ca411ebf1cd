/**
 * The search domain's way back: a manual snapshot repository in a bucket of our own that outlives the domain and the
 * stack, the role OpenSearch assumes to write it, and the requests that register it and schedule snapshots into it.
 * The domain's automated snapshots live in AWS's bucket and go with the domain; these do not.
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-snapshots.html (prerequisites:
 * the bucket, the role and its S3 actions, iam:PassRole for whoever registers the repository),
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-snapshot-registerdirectory.html,
 * https://docs.opensearch.org/latest/tuning-your-cluster/availability-and-recovery/snapshots/snapshot-management-api/
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LogBucket } from "../account/logBucket";
import { PolicyDocument, denyInsecureTransport, policyDocument, stableJson } from "../account/iamPolicy";

/** The repository's name on the domain, the same on a domain rebuilt after a teardown. */
export const SNAPSHOT_REPOSITORY = "twine-snapshots";
/** The read-only registration of a former domain's bucket, on a new domain, to restore from. */
export const RESTORE_REPOSITORY = "twine-restore";
/** The Snapshot Management policy's name. */
export const SNAPSHOT_POLICY = "twine-daily";
/** Days S3 keeps a snapshot file after it was overwritten or deleted (the bucket is versioned): an undo for a bad deletion. */
export const SNAPSHOT_NONCURRENT_DAYS = 30;

/** When snapshots are taken and how long they are kept: what config gives, with the defaults applied. */
export interface SnapshotSchedule {
    /** Cron expression (minute hour day month weekday), in timeZone. */
    readonly cron: string;
    readonly timeZone: string;
    /** Snapshots older than this are deleted (OpenSearch's time units, e.g. 30d). */
    readonly maxAge: string;
    /** At most this many are kept. */
    readonly maxCount: number;
    /** At least this many are kept whatever their age, so a domain that stopped snapshotting keeps its last ones. */
    readonly minCount: number;
}

/** Daily at 03:00 UTC (after the 02:00 automated snapshot hour), kept 30 days, never fewer than 7. */
export const DEFAULT_SNAPSHOT_SCHEDULE: SnapshotSchedule = { cron: "0 3 * * *", timeZone: "UTC", maxAge: "30d", maxCount: 60, minCount: 7 };

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers: the documents and the requests

/**
 * Who may assume the snapshot role: OpenSearch, acting for this domain of this account only (the confused-deputy
 * guard: https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cross-service-confused-deputy-prevention.html).
 */
export function snapshotRoleTrust(domainArn: string, accountId: string): PolicyDocument {
    return policyDocument({
        Sid: "OpenSearchSnapshots",
        Effect: "Allow",
        Principal: { Service: "es.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": domainArn } },
    });
}

/** What OpenSearch does in the bucket with the role: the actions AWS's snapshot page lists, on this bucket only. */
export function snapshotRolePolicy(bucketArn: string): PolicyDocument {
    return policyDocument(
        { Sid: "ListRepository", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
        {
            Sid: "ReadWriteSnapshots",
            Effect: "Allow",
            Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            Resource: `${bucketArn}/*`,
        },
    );
}

/** The bucket's policy: TLS only. Its writer is the snapshot role, by its own policy. */
export function snapshotBucketPolicy(bucketArn: string): PolicyDocument {
    return policyDocument(denyInsecureTransport(bucketArn));
}

/**
 * What whoever registers the repository and the schedule needs: pass the snapshot role (to OpenSearch only) and
 * send those requests to this domain's snapshot and Snapshot Management APIs (and read them back, and restore).
 */
export function snapshotOperatorPolicy(roleArn: string, domainArn: string): PolicyDocument {
    return policyDocument(
        { Sid: "PassSnapshotRole", Effect: "Allow", Action: "iam:PassRole", Resource: roleArn },
        {
            Sid: "SnapshotApis",
            Effect: "Allow",
            Action: ["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut"],
            Resource: [`${domainArn}/_snapshot/*`, `${domainArn}/_plugins/_sm/*`, `${domainArn}/_cat/snapshots/*`],
        },
    );
}

/** One HTTP request to the domain. */
export interface DomainRequest {
    readonly method: "GET" | "POST" | "PUT";
    readonly path: string;
    readonly body?: Record<string, unknown>;
}

/** Registers a bucket as a repository; read-only for a former domain's bucket, which a restore must not write to. */
export function registerRepository(args: {
    readonly repository: string;
    readonly bucket: string;
    readonly region: string;
    readonly roleArn: string;
    readonly readOnly?: boolean;
}): DomainRequest {
    return {
        method: "PUT",
        path: `/_snapshot/${args.repository}`,
        body: {
            type: "s3",
            settings: {
                bucket: args.bucket,
                region: args.region,
                role_arn: args.roleArn,
                server_side_encryption: true,
                ...(args.readOnly ? { readonly: true } : {}),
            },
        },
    };
}

/**
 * The Snapshot Management policy: creation on the schedule, deletion by age and count. POST creates it; an existing
 * one is updated by PUT with its sequence number and primary term (read by GET), which the command does.
 */
export function snapshotPolicyBody(repository: string, schedule: SnapshotSchedule): Record<string, unknown> {
    const cron = { cron: { expression: schedule.cron, timezone: schedule.timeZone } };
    return {
        description:
            `Snapshots into ${repository} on ${schedule.cron} ${schedule.timeZone}, kept ${schedule.maxAge} ` +
            `(at least ${schedule.minCount}, at most ${schedule.maxCount})`,
        creation: { schedule: cron },
        deletion: {
            schedule: cron,
            condition: { max_age: schedule.maxAge, max_count: schedule.maxCount, min_count: schedule.minCount },
        },
        snapshot_config: {
            repository,
            // The domain's own system indexes are not restorable into another domain; the app's are.
            indices: "*,-.*",
            include_global_state: false,
            date_format: "yyyy-MM-dd-HH-mm",
        },
    };
}

/**
 * Restores a snapshot's app indexes (not the domain's own system indexes, nor the cluster state). An index that exists
 * and is open refuses the restore: delete it first (docs/operations.md says when).
 */
export function restoreSnapshot(repository: string, snapshot: string): DomainRequest {
    return {
        method: "POST",
        path: `/_snapshot/${repository}/${encodeURIComponent(snapshot)}/_restore`,
        body: { indices: "*,-.*", include_global_state: false },
    };
}

/**
 * Hours a daily schedule may go without a successful snapshot before `search-snapshots check` fails: a day and the
 * two hours a snapshot may take. No CloudWatch metric covers manual snapshots (AutomatedSnapshotFailure is about the
 * service's own hourly ones), so the age of the newest SUCCESS in the repository is the evidence.
 */
export const SNAPSHOT_MAX_AGE_HOURS = 26;

/** What `GET /_snapshot/<repo>/_all` answers, as far as the check reads it. */
export interface SnapshotListing {
    readonly snapshots?: readonly { readonly snapshot: string; readonly state: string; readonly end_time_in_millis?: number }[];
}

/** Why the repository's snapshots are not current (empty when the newest success is recent enough). */
export function lastSnapshotProblems(listing: SnapshotListing, now: Date, maxAgeHours = SNAPSHOT_MAX_AGE_HOURS): string[] {
    const done = (listing.snapshots ?? []).filter(s => s.state === "SUCCESS" && s.end_time_in_millis !== undefined);
    if (done.length === 0)
        return [`no successful snapshot in ${SNAPSHOT_REPOSITORY}: is the schedule ${SNAPSHOT_POLICY} set up and running?`];
    const last = done.reduce((a, b) => (b.end_time_in_millis! > a.end_time_in_millis! ? b : a));
    const hours = (now.getTime() - last.end_time_in_millis!) / 3_600_000;
    return hours > maxAgeHours
        ? [
              `the newest successful snapshot, ${last.snapshot}, is ${hours.toFixed(1)} h old (more than ${maxAgeHours} h): ` +
                  `the schedule ${SNAPSHOT_POLICY} is failing`,
          ]
        : [];
}

/** Problems with a schedule, quoting the values: refused before any request is sent. */
export function snapshotScheduleProblems(schedule: SnapshotSchedule): string[] {
    const problems: string[] = [];
    if (schedule.cron.trim().split(/\s+/).length !== 5)
        problems.push(`cron "${schedule.cron}" needs 5 fields (minute hour day month weekday)`);
    if (!/^\d+[dh]$/.test(schedule.maxAge)) problems.push(`maxAge "${schedule.maxAge}" must be a count of days or hours, e.g. 30d`);
    if (!(Number.isInteger(schedule.minCount) && schedule.minCount >= 1)) problems.push(`minCount ${schedule.minCount} must be 1 or more`);
    if (!(Number.isInteger(schedule.maxCount) && schedule.maxCount > schedule.minCount)) {
        problems.push(`maxCount ${schedule.maxCount} must be a whole number above minCount (${schedule.minCount})`);
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------------------------

export interface SearchSnapshotsArgs {
    readonly domainName: string;
    readonly domainArn: string;
    readonly accountId: string;
    /** The account's S3 access-log bucket. */
    readonly accessLogBucket: pulumi.Input<string>;
    /** Production data: the bucket is also protected. Defaults to false. */
    readonly production?: boolean;
}

/**
 * The repository's bucket (versioned, encrypted, kept on destroy in every account: snapshots are the one copy of the
 * search data that outlives the domain), the role OpenSearch assumes to write it, and the policy an operator needs
 * to register it (docs/operations.md, "Search snapshots").
 */
export class SearchSnapshots extends pulumi.ComponentResource {
    public readonly bucket: LogBucket;
    public readonly role: aws.iam.Role;
    /** Attach to whoever runs `npx twine-infra search-snapshots`: PassRole on the role, the domain's snapshot APIs. */
    public readonly operatorPolicy: aws.iam.Policy;

    constructor(name: string, args: SearchSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:SearchSnapshots", name, {}, opts);
        this.bucket = new LogBucket(
            name,
            {
                // SSE-S3: the snapshots must stay readable after the domain's key is gone (dev deletes it with the stack).
                versioned: true,
                accessLogs: { bucket: args.accessLogBucket, prefix: `${name}/` },
                lifecycleRule: {
                    id: "noncurrent-snapshot-files",
                    status: "Enabled",
                    filter: {},
                    noncurrentVersionExpiration: { noncurrentDays: SNAPSHOT_NONCURRENT_DAYS },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
                policy: arn => snapshotBucketPolicy(arn),
                keep: { retainOnDelete: true, protect: args.production ?? false },
            },
            { parent: this },
        );
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `OpenSearch writes the ${args.domainName} domain's manual snapshots with this role`,
                assumeRolePolicy: stableJson(snapshotRoleTrust(args.domainArn, args.accountId)),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-role`,
            { role: this.role.name, policy: this.bucket.arn.apply(arn => stableJson(snapshotRolePolicy(arn))) },
            { parent: this.role },
        );
        this.operatorPolicy = new aws.iam.Policy(
            `${name}-operator`,
            {
                description: `Register and schedule the ${args.domainName} domain's snapshot repository (npx twine-infra search-snapshots)`,
                policy: this.role.arn.apply(roleArn => stableJson(snapshotOperatorPolicy(roleArn, args.domainArn))),
            },
            { parent: this },
        );
        this.registerOutputs({ bucket: this.bucket.id, roleArn: this.role.arn, operatorPolicyArn: this.operatorPolicy.arn });
    }
}
