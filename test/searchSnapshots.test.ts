/**
 * The search domain's manual snapshot repository: the bucket that outlives a teardown, the role OpenSearch assumes
 * and the operator's rights (decided by the IAM policy simulator over the plans), and the requests that register the
 * repository and its schedule, signed by @smithy/signature-v4 and checked on a loopback server against a SigV4
 * signature computed here from AWS's specification.
 */
import { strict as assert } from "assert";
import { createHash, createHmac } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import {
    DEFAULT_SNAPSHOT_SCHEDULE,
    RESTORE_REPOSITORY,
    SNAPSHOT_POLICY,
    SNAPSHOT_REPOSITORY,
    snapshotScheduleProblems,
} from "../components/data/searchSnapshots";
import { parseSnapshotArgs, registerForRestore, runSnapshotCommand, setUpSnapshots } from "../scripts/searchSnapshots";
import { IamHarness, IamRole } from "./helpers/iam";
import { STACKS, ofType, planOf } from "./helpers/plans";

const ROLE = "aws:iam/role:Role";

let harness: Promise<IamHarness> | undefined;
function iam(): Promise<IamHarness> {
    harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans));
    return harness;
}

describe("search snapshots: the plans", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every search domain has a versioned, encrypted snapshot bucket kept on destroy, and a role for it`, async () => {
            const plan = await planOf(stack);
            const domains = ofType(plan, "aws:opensearch/domain:Domain");
            assert.ok(domains.length > 0);
            for (const domain of domains) {
                const base = domain.name.replace(/-domain$/, "-snapshots");
                const bucket = ofType(plan, "aws:s3/bucket:Bucket").find(b => b.name === base);
                assert.ok(bucket, `${domain.name}: no bucket ${base}`);
                assert.equal(bucket.options.retainOnDelete, true, "a destroy keeps the snapshots");
                assert.equal(bucket.options.protect, stack === "prod");
                const of = (type: string) => ofType(plan, type).find(r => r.name === base && r.parent === bucket.urn);
                assert.equal(
                    (of("aws:s3/bucketVersioning:BucketVersioning")?.inputs.versioningConfiguration as { status: string }).status,
                    "Enabled",
                );
                assert.ok(of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"));
                assert.ok(of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"));
                for (const type of ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketPolicy:BucketPolicy"]) {
                    assert.equal(of(type)?.options.retainOnDelete, true, `${type} is kept with its bucket`);
                }
                assert.ok(ofType(plan, ROLE).some(r => r.name === `${base}-role`));
            }
        });
    }
});

describe("search snapshots: the outputs name the current repository", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: each environment exports its domain's snapshot bucket, role ARN and operator policy ARN`, async () => {
            const plan = await planOf(stack);
            const environments = plan.outputs.environments as Record<string, Record<string, unknown>>;
            const arnOfName = (type: string, name: string) => {
                const r = ofType(plan, type).find(x => x.name === name);
                assert.ok(r, `${type} ${name}`);
                return r;
            };
            for (const [env, out] of Object.entries(environments)) {
                assert.equal(typeof out.searchSnapshotBucket, "string", `${env}: searchSnapshotBucket`);
                assert.match(String(out.searchSnapshotBucket), /-search-snapshots/);
                assert.match(String(out.searchSnapshotRoleArn), /^arn:aws:iam::\d{12}:role\/.*-search-snapshots-role/);
                assert.match(String(out.searchSnapshotOperatorPolicyArn), /^arn:aws:iam::\d{12}:policy\/.*-search-snapshots-operator/);
                const owner = String(out.searchSnapshotBucket).replace(/-search-snapshots.*$/, "");
                arnOfName("aws:s3/bucket:Bucket", `${owner}-search-snapshots`);
            }
        });
    }
});

describe("search snapshots: identities (policy simulator over the plans)", () => {
    const cases = async () => {
        const h = await iam();
        const role = h.roles.find(r => r.stack === "prod" && r.logicalName.endsWith("-search-snapshots-role"))!;
        assert.ok(role, "prod has a snapshot role");
        const base = role.logicalName.replace(/-role$/, "");
        const bucketArn = h.arnOf("prod", base, "aws:s3/bucket:Bucket");
        const plan = await planOf("prod");
        const domain = ofType(plan, "aws:opensearch/domain:Domain").find(d => d.name === base.replace(/-snapshots$/, "-domain"))!;
        const domainArn = `arn:aws:es:eu-west-1:${role.account}:domain/${String(domain.inputs.domainName)}`;
        return { h, role, bucketArn, domainArn, base, plan };
    };

    it("lets OpenSearch assume the role for this domain of this account only", async () => {
        const { h, role, domainArn } = await cases();
        const from = (account: string, arn: string) => ({
            service: "es.amazonaws.com",
            context: { "aws:SourceAccount": account, "aws:SourceArn": arn },
        });
        assert.equal(await h.assume({ role, from: from(role.account, domainArn) }), "Allowed");
        assert.notEqual(await h.assume({ role, from: from(role.account, `${domainArn}-other`) }), "Allowed");
        assert.notEqual(await h.assume({ role, from: from("999999999999", domainArn) }), "Allowed");
        assert.notEqual(await h.assume({ role, from: { service: "ec2.amazonaws.com", context: {} } }), "Allowed");
    });

    it("lets the role list, read, write and delete snapshot files in its bucket, and nothing else", async () => {
        const { h, role, bucketArn } = await cases();
        const decide = (action: string, resource: string) => h.decide({ role, action, resource, resourcePolicy: null });
        assert.equal(await decide("s3:ListBucket", bucketArn), "Allowed");
        for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
            assert.equal(await decide(action, `${bucketArn}/indices/0/snap-1.dat`), "Allowed", action);
        }
        assert.notEqual(await decide("s3:DeleteBucket", bucketArn), "Allowed");
        assert.notEqual(await decide("s3:PutBucketPolicy", bucketArn), "Allowed");
        assert.notEqual(await decide("s3:PutObject", "arn:aws:s3:::another-bucket/x"), "Allowed");
    });

    it("lets a holder of the operator policy pass that role and call the snapshot APIs, and nothing more", async () => {
        const { h, role, domainArn, base, plan } = await cases();
        const policy = ofType(plan, "aws:iam/policy:Policy").find(p => p.name === `${base}-operator`)!;
        assert.ok(policy, "the operator policy is in the plan");
        const operator: IamRole = {
            ...role,
            logicalName: "operator",
            name: "operator",
            arn: `arn:aws:iam::${role.account}:role/operator`,
            inlinePolicies: [{ name: "operator", document: JSON.parse(String(policy.inputs.policy)) }],
            managedPolicies: [],
        };
        const decide = (action: string, resource: string) => h.decide({ role: operator, action, resource, resourcePolicy: null });
        assert.equal(await decide("iam:PassRole", role.arn), "Allowed");
        const other = h.roles.find(r => r.stack === "prod" && r.arn !== role.arn)!;
        assert.notEqual(await decide("iam:PassRole", other.arn), "Allowed", "only the snapshot role");
        assert.equal(await decide("es:ESHttpPut", `${domainArn}/_snapshot/${SNAPSHOT_REPOSITORY}`), "Allowed");
        assert.equal(await decide("es:ESHttpPost", `${domainArn}/_plugins/_sm/policies/${SNAPSHOT_POLICY}`), "Allowed");
        assert.equal(await decide("es:ESHttpPost", `${domainArn}/_snapshot/${RESTORE_REPOSITORY}/snap/_restore`), "Allowed");
        assert.notEqual(await decide("es:ESHttpDelete", `${domainArn}/_snapshot/${SNAPSHOT_REPOSITORY}`), "Allowed");
        assert.notEqual(await decide("es:ESHttpPut", `${domainArn}/tenants`), "Allowed", "no writes to the indexes");
    });

    it("keeps the app roles the domain admits off the snapshot repositories and the schedule (reads, index writes open)", async () => {
        const { h, domainArn, base, plan } = await cases();
        const domain = ofType(plan, "aws:opensearch/domain:Domain").find(d => d.name === base.replace(/-snapshots$/, "-domain"))!;
        const accessPolicy = JSON.parse(String(domain.inputs.accessPolicies)) as {
            Statement: { Effect: string; Principal?: { AWS: string[] } }[];
        };
        const admitted = accessPolicy.Statement.find(s => s.Effect === "Allow")!.Principal!.AWS;
        const clients = h.roles.filter(r => r.stack === "prod" && admitted.includes(r.arn));
        assert.ok(clients.length > 0, "the domain admits app roles of the plan");
        for (const role of clients) {
            const decide = (action: string, path: string) =>
                h.decide({ role, action, resource: `${domainArn}/${path}`, resourcePolicy: accessPolicy });
            assert.equal(await decide("es:ESHttpPut", "tenants/_doc/1"), "Allowed", `${role.name} writes its indexes`);
            assert.equal(
                await decide("es:ESHttpGet", `_snapshot/${SNAPSHOT_REPOSITORY}/_all`),
                "Allowed",
                `${role.name} may list snapshots`,
            );
            for (const [action, path] of [
                ["es:ESHttpDelete", `_snapshot/${SNAPSHOT_REPOSITORY}/snap-1`],
                ["es:ESHttpDelete", `_snapshot/${SNAPSHOT_REPOSITORY}`],
                ["es:ESHttpPut", `_snapshot/${SNAPSHOT_REPOSITORY}`],
                ["es:ESHttpPost", `_snapshot/${SNAPSHOT_REPOSITORY}/snap-1/_restore`],
                ["es:ESHttpPut", `_plugins/_sm/policies/${SNAPSHOT_POLICY}`],
                ["es:ESHttpDelete", `_plugins/_sm/policies/${SNAPSHOT_POLICY}`],
                ["es:ESHttpPost", `_plugins/_sm/policies/${SNAPSHOT_POLICY}/_stop`],
            ]) {
                assert.equal(await decide(action, path), "ExplicitlyDenied", `${role.name} ${action} ${path}`);
            }
        }
    });
});

// ---------------------------------------------------------------------------------------------------------------

const HOST = "vpc-production-abc123.eu-west-1.es.amazonaws.com";
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "token-1" };
const ROLE_ARN = "arn:aws:iam::111111111111:role/twine/prod/production-search-snapshots-role";

interface Received {
    method: string;
    path: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}

/** The SigV4 signature of a received request, computed from the specification (not by the library under test). */
function expectedSignature(r: Received, region: string, service: string): { signature: string; signedHeaders: string } {
    const auth = String(r.headers.authorization);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1];
    const amzDate = String(r.headers["x-amz-date"]);
    const [path, query = ""] = r.path.split("?");
    const canonicalQuery = query
        .split("&")
        .filter(Boolean)
        .map(p => p.split("="))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v ?? "")}`)
        .join("&");
    const headers = signedHeaders
        .split(";")
        .map(h => `${h}:${String(h === "host" ? r.headers.host : r.headers[h]).trim()}\n`)
        .join("");
    const hex = (s: string) => createHash("sha256").update(s).digest("hex");
    const canonical = [r.method, path, canonicalQuery, headers, signedHeaders, hex(r.body)].join("\n");
    const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, hex(canonical)].join("\n");
    const hmac = (key: string | Buffer, s: string) => createHmac("sha256", key).update(s).digest();
    let key = hmac(`AWS4${CREDENTIALS.secretAccessKey}`, amzDate.slice(0, 8));
    for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
    return { signature: createHmac("sha256", key).update(toSign).digest("hex"), signedHeaders };
}

/** A loopback HTTP server answering from `reply`, recording every request. */
async function loopback(reply: (r: Received) => { status: number; body?: unknown }) {
    const received: Received[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", c => (body += c));
        req.on("end", () => {
            const r = { method: req.method!, path: req.url!, headers: req.headers, body };
            received.push(r);
            const { status, body: out } = reply(r);
            res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(out ?? {}));
        });
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return { received, connect: `http://127.0.0.1:${port}`, close: () => new Promise(resolve => server.close(resolve)) };
}

function assertSigned(r: Received) {
    assert.equal(r.headers.host, HOST, "the Host header names the domain, not the forwarded address");
    assert.equal(r.headers["x-amz-security-token"], CREDENTIALS.sessionToken);
    const auth = String(r.headers.authorization);
    assert.match(auth, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request, /);
    const { signature, signedHeaders } = expectedSignature(r, "eu-west-1", "es");
    for (const h of ["host", "x-amz-date", "x-amz-security-token", ...(r.body ? ["content-type", "x-amz-content-sha256"] : [])]) {
        assert.ok(signedHeaders.split(";").includes(h), `${h} is signed (${signedHeaders})`);
    }
    assert.ok(auth.endsWith(`Signature=${signature}`), `${r.method} ${r.path}: the signature matches the request as received`);
}

describe("search snapshots: the signed requests (loopback)", () => {
    const setup = { region: "eu-west-1", bucket: "production-search-snapshots-1a2b3c4", roleArn: ROLE_ARN };

    it("registers the repository and creates the Snapshot Management policy, each request signed for es", async () => {
        const server = await loopback(r => (r.method === "GET" ? { status: 404 } : { status: 200, body: { acknowledged: true } }));
        try {
            const lines = await setUpSnapshots({ host: HOST, connect: server.connect }, setup, CREDENTIALS);
            assert.deepEqual(
                server.received.map(r => `${r.method} ${r.path}`),
                [
                    `PUT /_snapshot/${SNAPSHOT_REPOSITORY}`,
                    `GET /_plugins/_sm/policies/${SNAPSHOT_POLICY}`,
                    `POST /_plugins/_sm/policies/${SNAPSHOT_POLICY}`,
                ],
            );
            assert.equal(lines.length, 2);
            server.received.forEach(assertSigned);
            for (const r of server.received.filter(r => r.body)) {
                // Amazon OpenSearch refuses chunked SigV4 requests: every body goes with its length.
                assert.equal(r.headers["transfer-encoding"], undefined, `${r.method} ${r.path} is not chunked`);
                assert.equal(r.headers["content-length"], String(Buffer.byteLength(r.body)), `${r.method} ${r.path} has its length`);
            }
            assert.deepEqual(JSON.parse(server.received[0].body), {
                type: "s3",
                settings: { bucket: setup.bucket, region: "eu-west-1", role_arn: ROLE_ARN, server_side_encryption: true },
            });
            const policy = JSON.parse(server.received[2].body);
            assert.equal(policy.snapshot_config.repository, SNAPSHOT_REPOSITORY);
            assert.deepEqual(policy.creation.schedule, { cron: { expression: "0 3 * * *", timezone: "UTC" } });
            assert.deepEqual(policy.deletion.condition, { max_age: "30d", max_count: 60, min_count: 7 });
        } finally {
            await server.close();
        }
    });

    it("updates an existing policy with its sequence number and primary term (signed with the query)", async () => {
        const server = await loopback(r =>
            r.method === "GET" ? { status: 200, body: { _id: SNAPSHOT_POLICY, _seq_no: 7, _primary_term: 2 } } : { status: 200 },
        );
        try {
            await setUpSnapshots({ host: HOST, connect: server.connect }, setup, CREDENTIALS);
            const last = server.received[2];
            assert.equal(`${last.method} ${last.path}`, `PUT /_plugins/_sm/policies/${SNAPSHOT_POLICY}?if_seq_no=7&if_primary_term=2`);
            server.received.forEach(assertSigned);
        } finally {
            await server.close();
        }
    });

    it("registers a former domain's bucket read-only, restores a snapshot from it, and stops at the first refusal", async () => {
        const server = await loopback(() => ({ status: 200, body: { snapshots: [] } }));
        try {
            await registerForRestore({ host: HOST, connect: server.connect }, setup, CREDENTIALS);
            assert.equal(server.received[0].path, `/_snapshot/${RESTORE_REPOSITORY}`);
            assert.equal(JSON.parse(server.received[0].body).settings.readonly, true);
            server.received.forEach(assertSigned);
        } finally {
            await server.close();
        }
        const restoring = await loopback(() => ({ status: 200, body: { accepted: true } }));
        try {
            const command = parseSnapshotArgs([
                "restore",
                "--endpoint",
                HOST,
                "--region",
                "eu-west-1",
                "--repository",
                RESTORE_REPOSITORY,
                "--snapshot",
                "twine-daily-2026-12-01-03-00",
                "--connect",
                restoring.connect,
            ]);
            await runSnapshotCommand(command, CREDENTIALS);
            const [r] = restoring.received;
            assert.equal(`${r.method} ${r.path}`, `POST /_snapshot/${RESTORE_REPOSITORY}/twine-daily-2026-12-01-03-00/_restore`);
            assert.deepEqual(JSON.parse(r.body), { indices: "*,-.*", include_global_state: false });
            assertSigned(r);
        } finally {
            await restoring.close();
        }
        const refusing = await loopback(() => ({ status: 403, body: { Message: "no permissions for [cluster:admin/repository/put]" } }));
        try {
            await assert.rejects(setUpSnapshots({ host: HOST, connect: refusing.connect }, setup, CREDENTIALS), /PUT \/_snapshot\/.*403/);
            assert.equal(refusing.received.length, 1);
        } finally {
            await refusing.close();
        }
    });

    it("check: fails when the newest successful snapshot is older than a day and two hours, or there is none", async () => {
        const hour = 3_600_000;
        let listing: unknown = {};
        const server = await loopback(() => ({ status: 200, body: listing }));
        const check = () =>
            runSnapshotCommand(
                parseSnapshotArgs(["check", "--endpoint", HOST, "--region", "eu-west-1", "--connect", server.connect]),
                CREDENTIALS,
            );
        try {
            const at = (name: string, state: string, hoursAgo: number) => ({
                snapshot: name,
                state,
                end_time_in_millis: Date.now() - hoursAgo * hour,
            });
            listing = { snapshots: [at("twine-daily-old", "SUCCESS", 30), at("twine-daily-new", "FAILED", 2)] };
            await assert.rejects(check(), /twine-daily-old, is 30\.0 h old \(more than 26 h\)/);
            listing = { snapshots: [] };
            await assert.rejects(check(), /no successful snapshot in twine-snapshots/);
            listing = { snapshots: [at("twine-daily-old", "SUCCESS", 30), at("twine-daily-new", "SUCCESS", 20)] };
            assert.match((await check()).join("\n"), /2 successful snapshot\(s\)/);
            assert.equal(server.received[0].path, `/_snapshot/${SNAPSHOT_REPOSITORY}/_all`);
            server.received.forEach(assertSigned);
        } finally {
            await server.close();
        }
    });

    it("refuses bad flags and a bad schedule before any request, naming each", () => {
        assert.throws(
            () => parseSnapshotArgs(["setup", "--endpoint", "https://x", "--region", "eu-west-1", "--bucket", "b", "--role-arn", "nope"]),
            (e: Error) =>
                /--endpoint "https:\/\/x" is a host name/.test(e.message) && /--role-arn "nope" is not a role ARN/.test(e.message),
        );
        assert.throws(
            () => parseSnapshotArgs(["wipe"]),
            /the action is setup, restore-source, restore, check, not "wipe"\n--endpoint is required/,
        );
        assert.throws(() => parseSnapshotArgs(["restore", "--endpoint", HOST, "--region", "eu-west-1"]), /--snapshot is required/);
        assert.deepEqual(snapshotScheduleProblems(DEFAULT_SNAPSHOT_SCHEDULE), []);
        assert.equal(snapshotScheduleProblems({ ...DEFAULT_SNAPSHOT_SCHEDULE, maxAge: "1 month", minCount: 0 }).length, 2);
    });
});
