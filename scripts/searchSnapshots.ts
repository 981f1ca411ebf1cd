/**
 * `npx twine-infra search-snapshots`: registers the search domain's manual snapshot repository and its Snapshot
 * Management schedule, or (after a teardown) registers a former domain's bucket read-only to restore from. Run by an
 * operator holding the domain's snapshot operator policy (iam:PassRole on the snapshot role, the snapshot APIs);
 * every request is signed with SigV4 for the "es" service, as OpenSearch requires of a request that passes a role
 * (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-snapshot-registerdirectory.html).
 *
 * The domain answers inside its VPC only: --connect sends the requests to a local port forwarded to the domain
 * (docs/operations.md, "Search snapshots"), while the Host header, the TLS server name and the signature still
 * name the domain's endpoint.
 */
import { createHash, createHmac } from "crypto";
import * as http from "http";
import * as https from "https";
import { SignatureV4 } from "@smithy/signature-v4";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import {
    DEFAULT_SNAPSHOT_SCHEDULE,
    DomainRequest,
    RESTORE_REPOSITORY,
    SNAPSHOT_MAX_AGE_HOURS,
    SNAPSHOT_POLICY,
    SNAPSHOT_REPOSITORY,
    SnapshotListing,
    SnapshotSchedule,
    lastSnapshotProblems,
    registerRepository,
    restoreSnapshot,
    snapshotPolicyBody,
    snapshotScheduleProblems,
} from "../components/data/searchSnapshots";

const bytes = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
    ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** Node's SHA-256 (and HMAC-SHA-256 when given a secret) in the shape the signer takes (@smithy/types Checksum). */
class Sha256 {
    private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
    private readonly secret?: string | Uint8Array;
    constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
        this.secret = secret === undefined || typeof secret === "string" ? secret : bytes(secret);
        this.hash = this.fresh();
    }
    private fresh() {
        return this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
    }
    update(data: string | ArrayBuffer | ArrayBufferView): void {
        this.hash.update(typeof data === "string" ? data : bytes(data));
    }
    async digest(): Promise<Uint8Array> {
        return new Uint8Array(this.hash.digest());
    }
    reset(): void {
        this.hash = this.fresh();
    }
}

export interface Credentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
}

/** A request ready to send: what the signer produced. */
export interface SignedRequest {
    readonly method: string;
    readonly path: string;
    readonly headers: Record<string, string>;
    readonly body?: string;
}

/** Signs one request to the domain at `host` (its endpoint), for the "es" service of `region`. */
export async function signDomainRequest(
    request: DomainRequest,
    host: string,
    region: string,
    credentials: Credentials,
    now: Date = new Date(),
): Promise<SignedRequest> {
    const signer = new SignatureV4({ service: "es", region, credentials, sha256: Sha256 });
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    // The query is signed apart from the path (its parameters sorted into the canonical query string).
    const [path, query = ""] = request.path.split("?");
    const signed = await signer.sign(
        {
            method: request.method,
            protocol: "https:",
            hostname: host,
            path,
            headers: { host, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
            query: Object.fromEntries(new URLSearchParams(query)),
            ...(body !== undefined ? { body } : {}),
        },
        { signingDate: now },
    );
    return { method: request.method, path: request.path, headers: signed.headers as Record<string, string>, body };
}

export interface Target {
    /** The domain's endpoint: the Host header, the TLS server name and what is signed. */
    readonly host: string;
    /** Where to connect: e.g. https://127.0.0.1:9443, a port forwarded to the domain. @default - https://<host> */
    readonly connect?: string;
}

/** Sends one signed request and returns its status and body. */
export function send(target: Target, request: SignedRequest): Promise<{ status: number; body: string }> {
    const url = new URL(target.connect ?? `https://${target.host}`);
    const client = url.protocol === "http:" ? http : https;
    return new Promise((resolve, reject) => {
        const req = client.request(
            {
                method: request.method,
                hostname: url.hostname,
                port: url.port || undefined,
                path: request.path,
                // A Content-Length, not a chunked body: Amazon OpenSearch refuses chunked SigV4 requests
                // (opensearch-project/OpenSearch#3640), and Node chunks any body written without one.
                headers: {
                    ...request.headers,
                    ...(request.body !== undefined ? { "content-length": String(Buffer.byteLength(request.body)) } : {}),
                },
                // The certificate is the domain's: check it against the endpoint's name, not the forwarded address.
                ...(url.protocol === "https:" ? { servername: target.host } : {}),
            },
            res => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", chunk => (body += chunk));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("error", reject);
        req.end(request.body);
    });
}

export interface SnapshotSetup {
    readonly region: string;
    readonly bucket: string;
    readonly roleArn: string;
    readonly schedule?: SnapshotSchedule;
}

/**
 * Registers the repository, then creates the Snapshot Management policy, or updates it when it exists (PUT with the
 * sequence number and primary term a GET returns). Returns what it did, one line per request.
 */
export async function setUpSnapshots(target: Target, setup: SnapshotSetup, credentials: Credentials): Promise<string[]> {
    const schedule = setup.schedule ?? DEFAULT_SNAPSHOT_SCHEDULE;
    const problems = snapshotScheduleProblems(schedule);
    if (problems.length > 0) throw new Error(`the snapshot schedule is invalid:\n - ${problems.join("\n - ")}`);
    const call = async (request: DomainRequest) => {
        const response = await send(target, await signDomainRequest(request, target.host, setup.region, credentials));
        return { ...response, line: `${request.method} ${request.path}: ${response.status}` };
    };
    const done: string[] = [];
    const expectOk = (r: { status: number; body: string; line: string }) => {
        if (r.status < 200 || r.status > 299) throw new Error(`${r.line} ${r.body}\n(done before it: ${done.join("; ") || "nothing"})`);
        done.push(r.line);
    };
    expectOk(
        await call(
            registerRepository({ repository: SNAPSHOT_REPOSITORY, bucket: setup.bucket, region: setup.region, roleArn: setup.roleArn }),
        ),
    );
    const policyPath = `/_plugins/_sm/policies/${SNAPSHOT_POLICY}`;
    const body = snapshotPolicyBody(SNAPSHOT_REPOSITORY, schedule);
    const existing = await call({ method: "GET", path: policyPath });
    if (existing.status === 404) {
        expectOk(await call({ method: "POST", path: policyPath, body }));
    } else {
        expectOk(existing);
        const { _seq_no: seq, _primary_term: term } = JSON.parse(existing.body) as { _seq_no: number; _primary_term: number };
        expectOk(await call({ method: "PUT", path: `${policyPath}?if_seq_no=${seq}&if_primary_term=${term}`, body }));
    }
    return done;
}

/** Sends requests in order, stopping at the first that fails; the lines say what was done (and GETs' answers). */
async function sendAll(target: Target, region: string, credentials: Credentials, requests: readonly DomainRequest[]): Promise<string[]> {
    const lines: string[] = [];
    for (const request of requests) {
        const r = await send(target, await signDomainRequest(request, target.host, region, credentials));
        if (r.status < 200 || r.status > 299) throw new Error(`${request.method} ${request.path}: ${r.status} ${r.body}`);
        lines.push(`${request.method} ${request.path}: ${r.status}`, ...(request.method === "GET" ? [r.body] : []));
    }
    return lines;
}

/** Registers a former domain's bucket read-only under RESTORE_REPOSITORY, and lists its snapshots. */
export function registerForRestore(target: Target, setup: SnapshotSetup, credentials: Credentials): Promise<string[]> {
    return sendAll(target, setup.region, credentials, [
        registerRepository({
            repository: RESTORE_REPOSITORY,
            bucket: setup.bucket,
            region: setup.region,
            roleArn: setup.roleArn,
            readOnly: true,
        }),
        { method: "GET", path: `/_snapshot/${RESTORE_REPOSITORY}/_all` },
    ]);
}

/** Restores one snapshot's app indexes from a registered repository. */
export function restore(target: Target, region: string, repository: string, snapshot: string, credentials: Credentials): Promise<string[]> {
    return sendAll(target, region, credentials, [restoreSnapshot(repository, snapshot)]);
}

/** Fails unless the repository's newest successful snapshot is recent; returns a line naming it. */
export async function checkSnapshots(target: Target, region: string, credentials: Credentials, now: Date = new Date()): Promise<string[]> {
    const path = `/_snapshot/${SNAPSHOT_REPOSITORY}/_all`;
    const r = await send(target, await signDomainRequest({ method: "GET", path }, target.host, region, credentials));
    if (r.status < 200 || r.status > 299) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
    const listing = JSON.parse(r.body) as SnapshotListing;
    const problems = lastSnapshotProblems(listing, now);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    const names = (listing.snapshots ?? []).filter(s => s.state === "SUCCESS").map(s => s.snapshot);
    return [`GET ${path}: ${r.status}, ${names.length} successful snapshot(s), the newest recent enough`];
}

const USAGE = `usage: npx twine-infra search-snapshots <action> --endpoint <domain endpoint> --region <region> [--connect <url>] ...

  setup --bucket <b> --role-arn <arn>
        registers the repository ${SNAPSHOT_REPOSITORY} and the Snapshot Management policy ${SNAPSHOT_POLICY} (daily,
        kept ${DEFAULT_SNAPSHOT_SCHEDULE.maxAge}, at least ${DEFAULT_SNAPSHOT_SCHEDULE.minCount}); run again, it updates them
  restore-source --bucket <former bucket> --role-arn <arn>
        registers a former domain's bucket read-only as ${RESTORE_REPOSITORY} and lists its snapshots
  restore --snapshot <name> [--repository ${SNAPSHOT_REPOSITORY} | ${RESTORE_REPOSITORY}]
        restores the snapshot's app indexes
  check
        fails unless ${SNAPSHOT_REPOSITORY} holds a successful snapshot newer than ${SNAPSHOT_MAX_AGE_HOURS} h

--connect: where to send the requests when the domain is reached through a forwarded port (https://127.0.0.1:<port>);
the Host header, TLS name and signature still name --endpoint. Credentials come from the usual AWS chain (AWS_PROFILE...).
docs/operations.md, "Search: the way back", says where to find each value.`;

const ACTIONS = ["setup", "restore-source", "restore", "check"] as const;
export type SnapshotAction = (typeof ACTIONS)[number];

export interface SnapshotCommand {
    readonly action: SnapshotAction;
    readonly target: Target;
    readonly region: string;
    readonly setup?: SnapshotSetup;
    readonly restore?: { readonly repository: string; readonly snapshot: string };
}

/** Parses the command line: every problem at once, naming the flag. */
export function parseSnapshotArgs(argv: readonly string[]): SnapshotCommand {
    const [action, ...rest] = argv;
    const flags: Record<string, string> = {};
    const problems: string[] = [];
    for (let i = 0; i < rest.length; i += 2) {
        if (!rest[i].startsWith("--") || rest[i + 1] === undefined) problems.push(`"${rest[i]}": expected --flag value`);
        else flags[rest[i].slice(2)] = rest[i + 1];
    }
    const known = (ACTIONS as readonly string[]).includes(action);
    if (!known) problems.push(`the action is ${ACTIONS.join(", ")}, not "${action ?? ""}"`);
    const own: Record<string, string[]> = { restore: ["snapshot"], check: [] };
    const required = ["endpoint", "region", ...(own[action ?? ""] ?? ["bucket", "role-arn"])];
    for (const flag of required) if (!flags[flag]) problems.push(`--${flag} is required`);
    if (flags["role-arn"] && !/^arn:aws:iam::\d{12}:role\/.+/.test(flags["role-arn"])) {
        problems.push(`--role-arn "${flags["role-arn"]}" is not a role ARN (arn:aws:iam::<account>:role/...)`);
    }
    if (flags.endpoint && /[/:]/.test(flags.endpoint))
        problems.push(`--endpoint "${flags.endpoint}" is a host name, without scheme or port`);
    if (flags.connect && !/^https?:\/\/[^/]+$/.test(flags.connect))
        problems.push(`--connect "${flags.connect}" must be http(s)://host:port`);
    const repository = flags.repository ?? SNAPSHOT_REPOSITORY;
    if (![SNAPSHOT_REPOSITORY, RESTORE_REPOSITORY].includes(repository)) {
        problems.push(`--repository "${repository}" is ${SNAPSHOT_REPOSITORY} or ${RESTORE_REPOSITORY}`);
    }
    if (problems.length > 0) throw new UsageError(`${problems.join("\n")}\n\n${USAGE}`);
    return {
        action: action as SnapshotAction,
        target: { host: flags.endpoint, ...(flags.connect ? { connect: flags.connect } : {}) },
        region: flags.region,
        ...(action === "restore" ? { restore: { repository, snapshot: flags.snapshot } } : {}),
        ...(action === "setup" || action === "restore-source"
            ? { setup: { region: flags.region, bucket: flags.bucket, roleArn: flags["role-arn"] } }
            : {}),
    };
}

export class UsageError extends Error {}

/** Runs one parsed command with the given credentials. */
export function runSnapshotCommand(command: SnapshotCommand, credentials: Credentials): Promise<string[]> {
    const { action, target } = command;
    if (action === "check") return checkSnapshots(target, command.region, credentials);
    if (action === "restore") return restore(target, command.region, command.restore!.repository, command.restore!.snapshot, credentials);
    return (action === "setup" ? setUpSnapshots : registerForRestore)(target, command.setup!, credentials);
}

export function runSearchSnapshotsCommandLine(argv: readonly string[]): void {
    let command: SnapshotCommand;
    try {
        command = parseSnapshotArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
    defaultProvider()()
        .then(credentials => runSnapshotCommand(command, credentials))
        .then(lines => process.stdout.write(`${lines.join("\n")}\n`))
        .catch(e => {
            process.stderr.write(`search-snapshots ${command.action}: ${(e as Error).message}\n`);
            process.exitCode = 1;
        });
}
