/**
 * `twine-infra doctor` against a real AWS API emulator: moto_server (moto 5.2, provided by the machine image),
 * started on loopback for this file, with the account state each check looks for created through boto3.
 * moto lacks Service Quotas' GetServiceQuota (it answers "not available in the current Region"), so the quota
 * check's verdicts are tested on their pure function, and against moto only for the "unknown" it must give.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import { promises as dnsPromises } from "dns";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    Check,
    DOCTOR_EXIT,
    exitStatus,
    fleetPeak,
    formatCheck,
    headBucketExistence,
    quotaCheck,
    retainedBucketCheck,
    unknownFrom,
    vcpusOf,
} from "../doctor/checks";
import { EnvStackConfig, parseStackConfig } from "../config";
import { importLines, openSearchRoleImport, retainedImportFile } from "../doctor/imports";
import { runDoctor } from "../doctor/run";
import { InputError } from "../plan/inputError";
import { DOCTOR_USAGE, doctorErrorExit } from "../scripts/plan";
import { FIXTURES, fixtureConfig, withKey, withPath, writeStackFile } from "./helpers/config";
import { findMoto, Moto } from "./helpers/moto";
import { requireTools } from "./helpers/netnsHosts";
import { fixturePlanOf } from "./helpers/plans";
import { REPO } from "./helpers/sources";

const PROD = "444444444444";

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

describe("twine-infra doctor, against moto_server", function () {
    this.timeout(120_000);
    let moto: ChildProcess | undefined;
    let endpoint = "";
    let found: Moto;
    const saved = { ...process.env };

    /** Runs boto3 against the emulator, as the account's earlier owners (an organization, a person) would have. */
    function given(python: string): void {
        const script = `import boto3\nkw = dict(endpoint_url="${endpoint}", region_name="eu-west-1")\n${python}`;
        const result = spawnSync(found.python, ["-c", script], { env: process.env, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
    }

    /** Without a Pulumi token unless `pulumi` names the loopback API to ask (PULUMI_BACKEND_URL) and the token. */
    const doctor = (
        stack: "dns" | "bastion" | "dev" | "prod",
        config = fixtureConfig(stack),
        pulumi?: { url: string; token: string },
        dnsServers?: string[],
    ) =>
        runDoctor(stack, {
            projectDir: FIXTURES,
            configFile: writeStackFile(config),
            ...(dnsServers ? { dnsServers } : {}),
            env: {
                ...process.env,
                AWS_ENDPOINT_URL: endpoint,
                PULUMI_ACCESS_TOKEN: pulumi?.token ?? "",
                ...(pulumi ? { PULUMI_BACKEND_URL: pulumi.url } : {}),
            },
        });
    const check = (checks: readonly Check[], name: RegExp) => {
        const found = checks.find(c => name.test(c.name));
        assert.ok(found, `no check ${name}: ${checks.map(c => c.name).join(", ")}`);
        return found;
    };

    before(async () => {
        found = findMoto();
        const port = await freePort();
        endpoint = `http://127.0.0.1:${port}`;
        const [command, ...args] = found.server;
        moto = spawn(command, [...args, "-H", "127.0.0.1", "-p", String(port)], {
            env: { ...process.env, MOTO_ACCOUNT_ID: PROD },
            stdio: "ignore",
        });
        Object.assign(process.env, {
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing",
            AWS_REGION: "eu-west-1",
            AWS_EC2_METADATA_DISABLED: "true",
        });
        delete process.env.AWS_PROFILE;
        for (let attempt = 0; ; attempt++) {
            try {
                await fetch(`${endpoint}/moto-api/`);
                break;
            } catch {
                if (attempt > 100) throw new Error(`moto_server did not answer on ${endpoint}`);
                await new Promise(r => setTimeout(r, 100));
            }
        }
    });

    after(() => {
        moto?.kill();
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
    });

    it("says in one line, and exits 4, when the credentials are another account's than the stack file's", async () => {
        const result = await doctor("dev");
        assert.equal(result.status, DOCTOR_EXIT.wrongAccount);
        assert.equal(result.checks.length, 1);
        assert.match(
            formatCheck(result.checks[0]),
            /^FAIL +account: the credentials are for account 444444444444, but .*accountId is 333333333333/,
        );
    });

    it("says in one line, and exits 3, when there are no usable credentials", async () => {
        const keys = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
        delete process.env.AWS_ACCESS_KEY_ID;
        delete process.env.AWS_SECRET_ACCESS_KEY;
        process.env.AWS_PROFILE = "twine-doctor-no-such-profile";
        process.env.AWS_CONFIG_FILE = "/dev/null";
        process.env.AWS_SHARED_CREDENTIALS_FILE = "/dev/null";
        try {
            const result = await doctor("prod");
            assert.equal(result.status, DOCTOR_EXIT.noCredentials);
            assert.equal(result.checks.length, 1);
            assert.match(result.checks[0].fix!, /aws sso login/);
        } finally {
            Object.assign(process.env, { AWS_ACCESS_KEY_ID: keys.id, AWS_SECRET_ACCESS_KEY: keys.secret });
            for (const key of ["AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]) delete process.env[key];
        }
    });

    it("an empty prod account: the Auto Scaling role is missing (with the command), the quota unknown, nothing collides", async () => {
        const result = await doctor("prod");
        assert.equal(check(result.checks, /^account$/).verdict, "ok");
        const autoscaling = check(result.checks, /Auto Scaling/);
        assert.equal(autoscaling.verdict, "fail");
        assert.equal(autoscaling.fix, "aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com");
        assert.equal(check(result.checks, /OpenSearch/).verdict, "ok");
        // moto has no GetServiceQuota: unknown, with the permission named, never ok.
        const quota = check(result.checks, /vCPU quota/);
        assert.equal(quota.verdict, "unknown");
        assert.match(quota.fix!, /servicequotas:GetServiceQuota/);
        for (const name of [/GuardDuty/, /CloudTrail/, /OIDC/, /availability zones/, /retained buckets/]) {
            assert.equal(check(result.checks, name).verdict, "ok", String(name));
        }
        // Without a Pulumi token, each upstream stack's outputs are unknown, with the reason: never ok.
        for (const role of ["dns", "bastion", "dev"]) {
            const upstream = check(result.checks, new RegExp(`^upstream ${role} outputs$`));
            assert.equal(upstream.verdict, "unknown");
            assert.match(upstream.detail, /PULUMI_ACCESS_TOKEN is not set/);
        }
        assert.equal(result.status, DOCTOR_EXIT.failed);
    });

    it("what an organization or a person made before: each collision fails with the config key or import that fixes it", async () => {
        given(`
iam = boto3.client("iam", **kw)
iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
# moto names a service-linked role after its service (AWSServiceRoleForopensearchservice); AWS's name is made here.
iam.create_role(RoleName="AWSServiceRoleForAmazonOpenSearchService", Path="/aws-service-role/opensearchservice.amazonaws.com/",
                AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
iam.create_open_id_connect_provider(Url="https://api.pulumi.com/oidc", ClientIDList=["twine"], ThumbprintList=["0" * 40])
boto3.client("guardduty", **kw).create_detector(Enable=True)
boto3.client("s3", **kw).create_bucket(Bucket="org-trail", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
boto3.client("cloudtrail", **kw).create_trail(Name="twine-prod", S3BucketName="org-trail", IsMultiRegionTrail=True)
`);
        const result = await doctor("prod");
        assert.equal(check(result.checks, /Auto Scaling/).verdict, "ok");
        const search = check(result.checks, /OpenSearch/);
        assert.equal(search.verdict, "fail");
        assert.ok(search.fix!.startsWith(openSearchRoleImport("prod", PROD)), "into its parent, through the stack's provider");
        assert.match(
            search.fix!,
            /^pulumi import --stack prod aws:iam\/serviceLinkedRole:ServiceLinkedRole prod-opensearch arn:aws:iam::444444444444:role/,
        );
        const guardDuty = check(result.checks, /GuardDuty/);
        assert.equal(guardDuty.verdict, "fail");
        assert.match(guardDuty.fix!, /^set twine-infra:baseline\.guardDutyDetectorId: [0-9a-f]{32}$/);
        assert.match(check(result.checks, /CloudTrail/).detail, /a trail named twine-prod exists, made outside this stack/);
        assert.match(check(result.checks, /OIDC/).detail, /oidc-provider\/api\.pulumi\.com\/oidc exists .*existingPulumiOidcProviderArn/);
        assert.equal(result.status, DOCTOR_EXIT.failed);
        const lines = result.checks.map(formatCheck);
        assert.ok(
            lines.every(l => !l.includes("\n")),
            "one line per check",
        );

        // THEN adopting the detector by config (the fix it printed) passes that check.
        const detector = guardDuty.fix!.split(": ")[1];
        const baseline = { guardDutyDetectorId: detector };
        const adopted = await doctor("prod", withKey(fixtureConfig("prod"), "twine-infra:baseline", baseline));
        assert.equal(check(adopted.checks, /GuardDuty/).verdict, "ok");
    });

    /**
     * A loopback stand-in for Pulumi Cloud's "Get Stack State" (GET /api/stacks/{org}/{project}/{stack}/export),
     * answering as the REST API documents it: { version: 3, deployment: { resources: [...] } }, the root
     * pulumi:pulumi:Stack resource holding the outputs; 404 for a stack it does not have. Records each request.
     */
    async function pulumiApi(
        states: Record<string, { outputs: Record<string, unknown>; resources?: { type: string; urn: string; id: string }[] }>,
    ) {
        const requests: { url: string; authorization?: string; accept?: string }[] = [];
        const server = http.createServer((req, res) => {
            requests.push({ url: req.url ?? "", authorization: req.headers.authorization, accept: req.headers.accept });
            const stack = /^\/api\/stacks\/twine\/twine-infra\/([a-z]+)\/export$/.exec(req.url ?? "")?.[1];
            const state = stack ? states[stack] : undefined;
            if (req.method !== "GET" || !state) {
                res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ code: 404, message: "Not Found: stack" }));
                return;
            }
            const root = {
                urn: `urn:pulumi:${stack}::twine-infra::pulumi:pulumi:Stack::twine-infra-${stack}`,
                type: "pulumi:pulumi:Stack",
                outputs: state.outputs,
            };
            const deployment = {
                manifest: { time: "2026-12-07T00:00:00Z", version: "v3.248.0" },
                resources: [root, ...(state.resources ?? [])],
            };
            res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ version: 3, deployment }));
        });
        await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
        return { url, requests, close: () => new Promise<void>(resolve => server.close(() => resolve())) };
    }

    it("at runbook step 4 (stacks made, none deployed) prod exits 5 without a token and 1 with one: the runbook says both", async () => {
        await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
        // Step 4's own fix made: Auto Scaling's service-linked role exists (OpenSearch's the stack creates).
        given(`boto3.client("iam", **kw).create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")`);
        const without = await doctor("prod");
        assert.deepEqual(
            without.checks.filter(c => c.verdict === "fail"),
            [],
        );
        assert.equal(check(without.checks, /^upstream bastion outputs$/).verdict, "unknown");
        const api = await pulumiApi({ dns: { outputs: {} }, bastion: { outputs: {} }, dev: { outputs: {} } });
        let withToken: Awaited<ReturnType<typeof doctor>>;
        try {
            withToken = await doctor("prod", fixtureConfig("prod"), { url: api.url, token: "pul-test-token" });
        } finally {
            await api.close();
        }
        assert.match(check(withToken.checks, /^upstream bastion outputs$/).detail, /has no outputs yet/);
        const step4 = fs.readFileSync(path.join(REPO, "docs", "runbook.md"), "utf8").split(/\n(?=\d+\. \*\*)/)[4];
        assert.match(step4, /^4\. \*\*Service-linked roles and quotas\*\*/);
        for (const [status, how] of [
            [without.status, "without `PULUMI_ACCESS_TOKEN`"],
            [withToken.status, "with it"],
        ] as const) {
            assert.notEqual(status, DOCTOR_EXIT.ready);
            assert.match(step4.replace(/\s+/g, " "), new RegExp(`${how}.{0,120}?exit ${status}\\b`), `step 4 names exit ${status} ${how}`);
        }
    });

    it("the bastion's peers, read as its up reads them: deployed routes, not deployed is 'not yet', a wrong one fails", async () => {
        await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
        const dev = (await fixturePlanOf("dev")).outputs;
        const config = withKey(fixtureConfig("bastion"), "twine-infra:accountId", PROD);
        const api = await pulumiApi({
            dns: { outputs: (await fixturePlanOf("dns")).outputs },
            dev: { outputs: dev },
            prod: { outputs: {} },
        });
        const wrong = await pulumiApi({
            dns: { outputs: {} },
            dev: { outputs: { ...dev, accountId: "555555555555" } },
            prod: { outputs: {} },
        });
        try {
            const result = await doctor("bastion", config, { url: api.url, token: "t" });
            const ok = check(result.checks, /^peer dev outputs$/);
            assert.equal(ok.verdict, "ok", ok.detail);
            assert.match(ok.detail, new RegExp(`through ${String(dev.peeringConnectionId)}; database tunnels to 10\\.20\\.32\\.0/21`));
            const later = check(result.checks, /^peer prod outputs$/);
            assert.equal(later.verdict, "pending", later.detail);
            assert.match(later.detail, /has no outputs yet, so no route or database tunnel/);
            const failed = check((await doctor("bastion", config, { url: wrong.url, token: "t" })).checks, /^peer dev outputs$/);
            assert.equal(failed.verdict, "fail");
            assert.match(failed.detail, /deployed in account 555555555555, not 333333333333/);
            assert.match(failed.fix!, /correct bastionHost\.peers\.dev/);
        } finally {
            await api.close();
            await wrong.close();
        }
    });

    it("upstream outputs, from Pulumi Cloud's state export: present pass; missing ones and a missing stack fail with the fix", async () => {
        // GIVEN dns deployed (its plan's outputs), the bastion stack made empty (runbook step 1), and no dev stack at all.
        const api = await pulumiApi({ dns: { outputs: (await fixturePlanOf("dns")).outputs }, bastion: { outputs: {} } });
        try {
            const result = await doctor("prod", fixtureConfig("prod"), { url: api.url, token: "pul-test-token" });
            assert.equal(check(result.checks, /^upstream dns outputs$/).verdict, "ok");
            const bastion = check(result.checks, /^upstream bastion outputs$/);
            assert.equal(bastion.verdict, "fail");
            assert.match(bastion.detail, /^twine\/twine-infra\/bastion has no outputs yet \(not deployed\)/);
            assert.equal(bastion.fix, "pulumi up --stack twine/twine-infra/bastion first");
            const dev = check(result.checks, /^upstream dev outputs$/);
            assert.equal(dev.verdict, "fail");
            assert.match(dev.detail, /Pulumi Cloud has no stack twine\/twine-infra\/dev/);
            assert.equal(result.status, DOCTOR_EXIT.failed);
            // As the REST API documents: the token in the Authorization header, the API's media type.
            const asked = api.requests.find(r => r.url === "/api/stacks/twine/twine-infra/dns/export");
            assert.equal(asked?.authorization, "token pul-test-token");
            assert.equal(asked?.accept, "application/vnd.pulumi+8");
        } finally {
            await api.close();
        }
    });

    it("a retained bucket a destroyed first deploy left: the exact import line; unknown without a token; ok once held", async () => {
        await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
        const bucket = `twine-cloudtrail-${PROD}-eu-west-1`;
        given(`boto3.client("s3", **kw).create_bucket(Bucket="${bucket}", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})`);
        const line = importLines("prod", retainedImportFile("prod", PROD, "eu-west-1")).find(i => i.id === bucket)!.line;
        assert.match(line, new RegExp(`^pulumi import --stack prod aws:s3/bucket:Bucket prod-baseline-trail-logs ${bucket} --parent`));

        // Without a token doctor cannot tell a retry from an update: unknown, with the import for the retry.
        const unknown = check((await doctor("prod")).checks, /retained buckets/);
        assert.equal(unknown.verdict, "unknown");
        assert.match(unknown.detail, new RegExp(`^${bucket} exists; the stack's state was not read`));
        assert.ok(unknown.fix!.endsWith(`import: ${line}`), unknown.fix);

        // The stack's state (emptied by the destroy) does not hold it: the next up fails; the fix is the import.
        const empty = await pulumiApi({ prod: { outputs: {} } });
        try {
            const failed = check((await doctor("prod", fixtureConfig("prod"), { url: empty.url, token: "t" })).checks, /retained buckets/);
            assert.equal(failed.verdict, "fail");
            assert.match(failed.detail, /BucketAlreadyOwnedByYou/);
            assert.equal(failed.fix, line);
        } finally {
            await empty.close();
        }
        // Once imported, the state holds it: a normal update.
        const urn = `urn:pulumi:prod::twine-infra::${retainedImportFile("prod", PROD, "eu-west-1").nameTable.trailLogs.split("::")[2]}`;
        const held = await pulumiApi({ prod: { outputs: {}, resources: [{ type: "aws:s3/bucket:Bucket", urn, id: bucket }] } });
        try {
            const ok = check((await doctor("prod", fixtureConfig("prod"), { url: held.url, token: "t" })).checks, /retained buckets/);
            assert.equal(ok.verdict, "ok", ok.detail);
        } finally {
            await held.close();
        }
    });

    /** NSD, an authoritative DNS server from Debian, on loopback with these zones (name -> its NS), in the foreground. */
    async function startNsd(zones: Record<string, string[]>): Promise<{ server: string; stop: () => Promise<void> }> {
        requireTools({ nsd: "nsd" });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-nsd-"));
        const port = await freePort();
        const conf = [
            "server:",
            `    ip-address: 127.0.0.1@${port}`,
            '    username: ""',
            '    chroot: ""',
            `    zonesdir: "${dir}"`,
            `    pidfile: "${dir}/nsd.pid"`,
            '    database: ""',
            `    zonelistfile: "${dir}/zone.list"`,
            `    xfrdfile: "${dir}/xfrd.state"`,
            `    xfrdir: "${dir}"`,
            `    logfile: "${dir}/nsd.log"`,
            "    server-count: 1",
            "remote-control:",
            "    control-enable: no",
        ];
        for (const [zone, servers] of Object.entries(zones)) {
            conf.push("zone:", `    name: "${zone}."`, `    zonefile: "${zone}.zone"`);
            const records = [`$ORIGIN ${zone}.`, "$TTL 60", `@ IN SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`];
            records.push(...servers.map(ns => `@ IN NS ${ns}.`));
            fs.writeFileSync(path.join(dir, `${zone}.zone`), `${records.join("\n")}\n`);
        }
        fs.writeFileSync(path.join(dir, "nsd.conf"), `${conf.join("\n")}\n`);
        const checked = spawnSync("nsd-checkconf", [path.join(dir, "nsd.conf")], { encoding: "utf8" });
        assert.equal(checked.status, 0, checked.stderr);
        const nsd = spawn("nsd", ["-d", "-c", path.join(dir, "nsd.conf")], { stdio: "ignore" });
        const resolver = new dnsPromises.Resolver({ timeout: 500, tries: 1 });
        resolver.setServers([`127.0.0.1:${port}`]);
        for (let attempt = 0; ; attempt++) {
            try {
                await resolver.resolveSoa(Object.keys(zones)[0]);
                break;
            } catch {
                if (attempt > 50)
                    throw new Error(`nsd did not answer on 127.0.0.1:${port}: ${fs.readFileSync(path.join(dir, "nsd.log"), "utf8")}`);
                await new Promise(r => setTimeout(r, 100));
            }
        }
        return {
            server: `127.0.0.1:${port}`,
            // nsd writes its state files as it exits: remove its folder only once it has.
            stop: async () => {
                const exited = nsd.exitCode !== null ? Promise.resolve() : new Promise<void>(resolve => nsd.once("exit", () => resolve()));
                nsd.kill();
                await exited;
                fs.rmSync(dir, { recursive: true, force: true });
            },
        };
    }

    it("the registrar's NS against the apex zone's (Route 53): match, mismatch and no answer, asked of a real DNS server", async () => {
        await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
        const apexes = ["match.example", "mismatch.example", "none.example"];
        given(apexes.map(a => `boto3.client("route53", **kw).create_hosted_zone(Name="${a}", CallerReference="${a}")`).join("\n"));
        // moto's delegation set, as GetHostedZone gives it (the check reads it; the served NS copy it for the match).
        const zoneNs = ["ns-2048.awsdns-64.com", "ns-2049.awsdns-65.net", "ns-2050.awsdns-66.org", "ns-2051.awsdns-67.co.uk"];
        const nsd = await startNsd({
            "match.example": [...zoneNs].reverse().map(n => n.toUpperCase()), // order and case do not matter
            "mismatch.example": ["ns1.old-dns-host.example", "ns2.old-dns-host.example"],
            example: ["ns.example"], // none.example: NXDOMAIN, the domain is delegated nowhere
        });
        try {
            const ns = async (apex: string) => {
                let config = withKey(fixtureConfig("dns"), "twine-infra:accountId", PROD);
                config = withPath(config, "twine-infra:dns", "apexDomain", apex);
                config = withPath(config, "twine-infra:delegation", "prod.publicNames", [`app.${apex}`]);
                return check((await doctor("dns", config, undefined, [nsd.server])).checks, /registrar NS/);
            };
            const match = await ns("match.example");
            assert.equal(match.verdict, "ok", match.detail);
            const mismatch = await ns("mismatch.example");
            assert.equal(mismatch.verdict, "fail");
            assert.match(mismatch.detail, /NS are ns1\.old-dns-host\.example, ns2\.old-dns-host\.example, not the apex zone's ns-2048/);
            assert.equal(
                mismatch.fix,
                `set mismatch.example's NS records at the registrar to ${[...zoneNs].sort().join(", ")} (docs/runbook.md, step 6)`,
            );
            const none = await ns("none.example");
            assert.equal(none.verdict, "fail");
            assert.match(none.detail, /finds none \(ENOTFOUND\): the domain is not delegated/);
            // No zone yet (before the dns stack's first up): nothing to compare, and nothing to block that up.
            assert.equal((await ns("later.example")).verdict, "pending");
        } finally {
            await nsd.stop();
        }
    });

    it("the registrar's NS before the apex zone exists: its own 'not yet', never ok, and dns still exits 0 at step 4", async () => {
        await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
        const result = await doctor("dns", withKey(fixtureConfig("dns"), "twine-infra:accountId", PROD));
        const ns = check(result.checks, /registrar NS/);
        assert.equal(ns.verdict, "pending", ns.detail);
        assert.match(formatCheck(ns), /^not yet registrar NS: no public zone .* yet .* Fix: after that up, set the registrar's NS/);
        // Nothing else about dns waits on an upstream: the zone is what its next up creates.
        assert.deepEqual(
            result.checks.filter(c => c.verdict !== "ok" && c.verdict !== "pending").map(c => c.name),
            [],
        );
        assert.equal(result.status, DOCTOR_EXIT.ready);
    });

    it("zone ids the region does not have fail, naming them and the ids it has; unpinned zones fail with the ids to pin", async () => {
        const zonesOf = async (zoneIds: unknown) =>
            check((await doctor("prod", withPath(fixtureConfig("prod"), "twine-infra:network", "zoneIds", zoneIds))).checks, /zones/);
        const wrong = await zonesOf(["euw1-az1", "use1-az2", "euw1-az3"]);
        assert.equal(wrong.verdict, "fail");
        assert.match(wrong.detail, /names use1-az2, which eu-west-1 does not have here \(it has euw1-az1, euw1-az2, euw1-az3\)/);
        const loose = await zonesOf(undefined);
        assert.equal(loose.verdict, "fail");
        assert.match(loose.fix!, /network\.zoneIds to eu-west-1's ids .*\[euw1-az1, euw1-az2, euw1-az3\]/);
    });

    it("a detector the stack made and kept through a destroy is one to adopt, not ok: the retry's create would fail", async () => {
        // A fresh account (moto's reset), then the detector a destroyed prod left behind, with the stack's tags.
        await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
        given(`
import json
detector = boto3.client("guardduty", **kw).create_detector(Enable=True, Tags={"Stack": "prod", "ManagedBy": "pulumi"})
print(json.dumps(detector))
`);
        const ids = await doctor("prod", withKey(fixtureConfig("prod"), "twine-infra:baseline", { guardDutyDetectorId: "0".repeat(32) }));
        const existing = /detectors here are \[([0-9a-f]+)\]/.exec(check(ids.checks, /GuardDuty/).detail)![1];
        const tagged = check((await doctor("prod")).checks, /GuardDuty/);
        assert.equal(tagged.verdict, "fail");
        assert.match(tagged.detail, /made by this stack and outlives it/);
        assert.equal(tagged.fix, `set twine-infra:baseline.guardDutyDetectorId: ${existing}`);
    });
});

describe("finding moto's emulator", () => {
    it("finds it with a bare PATH (CI's non-login shell), in the home's pyenv shims, and it starts", function () {
        this.timeout(60_000);
        const found = findMoto({ HOME: os.homedir(), PATH: "/usr/bin:/bin" });
        const [command, ...args] = found.server;
        const help = spawnSync(command, [...args, "--help"], { encoding: "utf8", timeout: 50_000 });
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /usage: .*-H HOST/s);
    });

    it("when it is nowhere, fails naming moto_server and every place looked in", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-moto-"));
        assert.throws(
            () => findMoto({ HOME: empty, PATH: empty }),
            (e: Error) => e.message.startsWith("moto's AWS emulator (moto_server") && e.message.includes(`${empty}/.pyenv/shims`),
        );
    });

    it("scripts/setup.sh installs nothing from PyPI, which CI cannot reach; it only looks", () => {
        const setup = fs.readFileSync(path.join(REPO, "scripts", "setup.sh"), "utf8");
        assert.doesNotMatch(setup, /pip3? install|-m pip/);
        assert.match(setup, /\.pyenv\/shims/);
    });
});

describe("doctor verdicts (pure)", () => {
    it("a retained bucket HeadBucket answers 403 for is unknown, naming s3:ListBucket: not proof of another account", () => {
        const bucket = "twine-cloudtrail-444444444444-eu-west-1";
        const found = [{ bucket, exists: headBucketExistence(403)!, importLine: "pulumi import ..." }];
        const verdict = retainedBucketCheck(found, { status: "unknown", message: "not needed" });
        assert.equal(verdict.verdict, "unknown", verdict.detail);
        assert.match(verdict.detail, /403: this session lacks s3:ListBucket on it, or it is another account's/);
        assert.match(verdict.fix!, new RegExp(`s3:ListBucket on arn:aws:s3:::${bucket} and run doctor again`));
        assert.deepEqual([headBucketExistence(200), headBucketExistence(404), headBucketExistence(500)], [true, false, undefined]);
    });

    it("a crash has its own exit status (6), documented, never 1 (a failed check) nor 0", () => {
        const crash = doctorErrorExit(new TypeError("Cannot read properties of undefined"), "prod", undefined);
        assert.equal(crash.code, DOCTOR_EXIT.crashed);
        assert.match(crash.message, /^doctor crashed, so it checked nothing: TypeError: Cannot read/);
        assert.ok(!([DOCTOR_EXIT.ready, DOCTOR_EXIT.failed, DOCTOR_EXIT.unknown] as number[]).includes(DOCTOR_EXIT.crashed));
        assert.equal(
            doctorErrorExit(
                new InputError({ file: path.join(REPO, "Pulumi.prod.yaml"), why: "no such file", fix: "create it" }),
                "prod",
                undefined,
            ).code,
            DOCTOR_EXIT.invalidInput,
        );
        assert.match(DOCTOR_USAGE, new RegExp(`^  ${DOCTOR_EXIT.crashed}  doctor itself crashed`, "m"));
        const runbook = fs.readFileSync(path.join(REPO, "docs", "runbook.md"), "utf8");
        assert.match(runbook, new RegExp(`${DOCTOR_EXIT.crashed} doctor itself crashed`));
    });

    it("a quota-limited account fails with the increase to request; enough quota passes", () => {
        const fleet = [
            { what: "production app", instanceType: "m7i.large", count: 24 },
            { what: "Jenkins", instanceType: "t3.xlarge", count: 1 },
        ];
        const limited = quotaCheck(32, fleet);
        assert.equal(limited.verdict, "fail");
        assert.match(limited.detail, /32 vCPUs, but the stack can run 52/);
        assert.match(limited.fix!, /--quota-code L-1216C47A --desired-value 52$/);
        assert.equal(quotaCheck(64, fleet).verdict, "ok");
        assert.equal(quotaCheck(64, [{ what: "x", instanceType: "p5.48xlarge-odd", count: 1 }]).verdict, "unknown");
        assert.deepEqual(["t3.small", "m7i.large", "m7i.xlarge", "m7i.4xlarge"].map(vcpusOf), [2, 2, 4, 16]);
    });

    it("counts each fleet at the peak it really reaches (a refresh to 110 % of maxSize, plus the warm pool), not at maxSize", () => {
        // GIVEN prod's production group of 3 to 24 m7i.large servers with a warm pool of 2.
        let config = withPath(fixtureConfig("prod"), "twine-infra:environments", "production.app.instanceType", "m7i.large");
        config = withPath(config, "twine-infra:environments", "production.app.minSize", 3);
        config = withPath(config, "twine-infra:environments", "production.app.maxSize", 24);
        config = withPath(config, "twine-infra:environments", "production.app.warmPool", { minSize: 2 });
        const fleet = fleetPeak(parseStackConfig("prod", config) as EnvStackConfig);
        const production = fleet.find(f => f.what.startsWith("production app"))!;
        // ceil(24 x 1.1) = 27 running during a refresh of a full group, and the pool's 2 while they are prepared.
        assert.equal(production.count, 29);
        assert.match(production.what, /refresh of 24 to 27 \+ warm pool 2/);
        // A quota of 50 vCPUs covers 24 x 2 at maxSize, but not the 58 of the peak: doctor asks for the peak.
        const check = quotaCheck(50, fleet);
        assert.equal(check.verdict, "fail");
        assert.match(check.fix!, new RegExp(`--desired-value ${fleet.reduce((n, f) => n + f.count * vcpusOf(f.instanceType)!, 0)}$`));
        assert.ok(fleet.reduce((n, f) => n + f.count * vcpusOf(f.instanceType)!, 0) >= 58);
    });

    it("access denied is unknown with the permission needed, never ok; unknown alone exits 5, a failure 1", () => {
        const denied = Object.assign(new Error("User is not authorized to perform: iam:GetRole"), { name: "AccessDenied" });
        const verdict = unknownFrom("Auto Scaling service-linked role", denied, "iam:GetRole");
        assert.equal(verdict.verdict, "unknown");
        assert.match(
            formatCheck(verdict),
            /^unknown Auto Scaling service-linked role: not allowed to check .* Fix: run doctor with iam:GetRole$/,
        );
        const ok: Check = { name: "a", verdict: "ok", detail: "" };
        assert.equal(exitStatus([ok, verdict]), DOCTOR_EXIT.unknown);
        assert.equal(exitStatus([ok, verdict, { ...ok, verdict: "fail" }]), DOCTOR_EXIT.failed);
        assert.equal(exitStatus([ok]), DOCTOR_EXIT.ready);
    });
});
