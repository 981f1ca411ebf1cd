/**
 * The credential chain a cross-account provider goes through, with the real provider: Terraform's AWS provider 5.100
 * loads its configuration with aws-sdk-go-v2 (through aws-sdk-go-base), as the Pulumi AWS provider does, and is given
 * only the profile name, as accountProvider gives it. In a scratch HOME:
 *   - the profile `npx twine-infra profiles dev --source-profile twine-dev-admin` prints, in ~/.aws/config,
 *   - an SSO profile (an `sso-session`) whose cached token (~/.aws/sso/cache) is what `aws sso login` leaves,
 *   - STS is moto_server; the SSO portal's GetRoleCredentials, which moto lacks, is a small fake here.
 * One loopback endpoint (AWS_ENDPOINT_URL) routes SSO's /federation/credentials to the fake and the rest to moto,
 * counting the calls. It issues every session (SSO's and moto's AssumeRole) for 2 seconds and answers
 * GetCallerIdentity after 2.5: an hour-long deploy, compressed, so a refresh must happen within one run.
 * Skipped, saying so, only where Terraform, its AWS provider mirror or moto is missing (scripts/setup.sh checks them).
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { findMoto } from "./helpers/moto";
import { profilesCommand } from "../scripts/profiles";

const REPO = path.resolve(__dirname, "..");
const FIXTURES = path.join(REPO, "test", "fixtures");
/** Where the machine image keeps the provider (scripts/setup.sh checks it): Terraform's filesystem mirror layout. */
export const TF_PLUGIN_MIRROR = process.env.TF_PLUGIN_MIRROR ?? "/opt/tf-plugins";
const PROVIDER = path.join(TF_PLUGIN_MIRROR, "registry.terraform.io", "hashicorp", "aws", "5.100.0");
const SSO_TOKEN = "sso-access-token-from-aws-sso-login";
const SESSION_MS = 2000;

const freePort = () =>
    new Promise<number>((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });

const missingTools = (): string | undefined => {
    if (spawnSync("terraform", ["version"], { encoding: "utf8" }).status !== 0) return "terraform (1.11) is not on PATH";
    if (!fs.existsSync(PROVIDER)) return `the hashicorp/aws 5.100.0 mirror is not at ${PROVIDER} (set TF_PLUGIN_MIRROR)`;
    try {
        findMoto();
    } catch (err) {
        return (err as Error).message;
    }
    return undefined;
};

interface Calls {
    getRoleCredentials: { token: string | undefined; account: string | null; role: string | null }[];
    /** STS actions in order, with the access key that signed each. */
    sts: { action: string; accessKey: string; roleArn?: string }[];
}

/** The loopback endpoint: SSO's GetRoleCredentials answered here, the rest forwarded to moto, sessions shortened. */
function startEndpoint(motoPort: number, calls: Calls): Promise<http.Server> {
    let issued = 0;
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", c => chunks.push(c as Buffer));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            const url = new URL(req.url ?? "/", "http://127.0.0.1");
            if (url.pathname === "/federation/credentials") {
                // The SSO portal API's GetRoleCredentials: GET with the cached token in x-amz-sso_bearer_token.
                const token = req.headers["x-amz-sso_bearer_token"] as string | undefined;
                calls.getRoleCredentials.push({
                    token,
                    account: url.searchParams.get("account_id"),
                    role: url.searchParams.get("role_name"),
                });
                issued++;
                res.setHeader("content-type", "application/json");
                res.end(
                    JSON.stringify({
                        roleCredentials: {
                            accessKeyId: `ASIASSO${String(issued).padStart(9, "0")}`,
                            secretAccessKey: "sso-secret",
                            sessionToken: `sso-session-${issued}`,
                            expiration: Date.now() + SESSION_MS,
                        },
                    }),
                );
                return;
            }
            const form = new URLSearchParams(body.toString("utf8"));
            const action = form.get("Action") ?? "?";
            const accessKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? "";
            calls.sts.push({ action, accessKey, roleArn: form.get("RoleArn") ?? undefined });
            const forward = http.request(
                { host: "127.0.0.1", port: motoPort, method: req.method, path: req.url, headers: req.headers },
                upstream => {
                    const parts: Buffer[] = [];
                    upstream.on("data", c => parts.push(c as Buffer));
                    upstream.on("end", () => {
                        let text = Buffer.concat(parts).toString("utf8");
                        if (action === "AssumeRole") {
                            const expires = new Date(Date.now() + SESSION_MS).toISOString();
                            text = text.replace(/<Expiration>[^<]*<\/Expiration>/, `<Expiration>${expires}</Expiration>`);
                        }
                        const headers = { ...upstream.headers, "content-length": String(Buffer.byteLength(text)) };
                        const send = () => {
                            res.writeHead(upstream.statusCode ?? 500, headers);
                            res.end(text);
                        };
                        if (action === "GetCallerIdentity") setTimeout(send, SESSION_MS + 500);
                        else send();
                    });
                },
            );
            forward.on("error", err => {
                res.statusCode = 502;
                res.end(String(err));
            });
            forward.end(body);
        });
    });
    return new Promise(resolve => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("cross-account profiles with the real provider: source_profile -> SSO -> AssumeRole, refreshed", function () {
    this.timeout(600_000);
    let moto: ChildProcess | undefined;
    let endpoint: http.Server | undefined;
    let home = "";
    let port = 0;
    const calls: Calls = { getRoleCredentials: [], sts: [] };

    before(async function () {
        const missing = missingTools();
        if (missing) {
            console.warn(`    SKIPPED (tool missing, run scripts/setup.sh): ${missing}`);
            this.skip();
        }
        const found = findMoto();
        const motoPort = await freePort();
        const [command, ...args] = found.server;
        moto = spawn(command, [...args, "-H", "127.0.0.1", "-p", String(motoPort)], { stdio: "ignore" });
        for (let attempt = 0; ; attempt++) {
            try {
                await fetch(`http://127.0.0.1:${motoPort}/moto-api/`);
                break;
            } catch {
                if (attempt > 200) throw new Error("moto_server did not answer");
                await new Promise(r => setTimeout(r, 100));
            }
        }
        endpoint = await startEndpoint(motoPort, calls);
        port = (endpoint.address() as net.AddressInfo).port;
        home = fs.mkdtempSync(path.join(os.tmpdir(), "profile-chain-"));
    });

    after(() => {
        endpoint?.close();
        moto?.kill();
        if (home) fs.rmSync(home, { recursive: true, force: true });
    });

    /** terraform init + apply of a configuration whose provider names only `profile`; returns the outputs and the log. */
    async function terraform(
        dir: string,
        profile: string,
        accountId: string,
        env: NodeJS.ProcessEnv,
    ): Promise<{ arn: string; log: string }> {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(
            path.join(dir, "main.tf"),
            `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region              = "eu-west-1"
  profile             = "${profile}"
  allowed_account_ids = ["${accountId}"]
}
data "aws_caller_identity" "first" {}
data "aws_caller_identity" "second" {
  depends_on = [data.aws_caller_identity.first]
}
output "arns" { value = [data.aws_caller_identity.first.arn, data.aws_caller_identity.second.arn] }
`,
        );
        // Asynchronous: the loopback endpoint answers from this process's event loop.
        const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
            new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
                const child = spawn("terraform", args, { cwd: dir, env: { ...env, ...extra } });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", d => (stdout += String(d)));
                child.stderr.on("data", d => (stderr += String(d)));
                const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
                child.on("error", reject);
                child.on("close", status => {
                    clearTimeout(timer);
                    if (status === 0) resolve({ stdout, stderr });
                    else reject(new Error(`terraform ${args.join(" ")} exited ${status}:\n${stdout}\n${stderr.slice(-4000)}`));
                });
            });
        await run(["init", "-input=false", "-no-color"]);
        const apply = await run(["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=1"], { TF_LOG: "DEBUG" });
        const out = JSON.parse((await run(["output", "-json", "arns"])).stdout) as string[];
        assert.equal(out[0], out[1]);
        return { arn: out[0], log: apply.stderr };
    }

    function baseEnv(): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = {};
        for (const key of ["PATH", "LANG", "TMPDIR"]) if (process.env[key]) env[key] = process.env[key];
        fs.writeFileSync(
            path.join(home, ".terraformrc"),
            `provider_installation {\n  filesystem_mirror {\n    path = "${TF_PLUGIN_MIRROR}"\n  }\n}\n`,
        );
        return {
            ...env,
            HOME: home,
            // The chain's own STS and SSO clients take the service-specific variables: with AWS_ENDPOINT_URL alone,
            // the provider's AssumeRole went to sts.eu-west-1.amazonaws.com.
            AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
            AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`,
            AWS_ENDPOINT_URL_SSO: `http://127.0.0.1:${port}`,
            AWS_EC2_METADATA_DISABLED: "true",
            CHECKPOINT_DISABLE: "1",
            TF_IN_AUTOMATION: "1",
        };
    }

    it("a laptop: the profile the command writes sources the SSO profile, and every session is renewed as it ends", async () => {
        const aws = path.join(home, ".aws");
        fs.mkdirSync(path.join(aws, "sso", "cache"), { recursive: true });
        // What `aws configure sso` writes, and what `aws sso login` caches (file name: SHA-1 of the session name).
        fs.writeFileSync(
            path.join(aws, "config"),
            [
                "[sso-session corp]",
                "sso_start_url = https://corp.awsapps.com/start",
                "sso_region = eu-west-1",
                "sso_registration_scopes = sso:account:access",
                "",
                "[profile twine-dev-admin]",
                "sso_session = corp",
                "sso_account_id = 333333333333",
                "sso_role_name = AdministratorAccess",
                "region = eu-west-1",
                "",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(aws, "sso", "cache", `${crypto.createHash("sha1").update("corp").digest("hex")}.json`),
            JSON.stringify({
                startUrl: "https://corp.awsapps.com/start",
                region: "eu-west-1",
                accessToken: SSO_TOKEN,
                expiresAt: new Date(Date.now() + 8 * 3600_000).toISOString().replace(/\.\d+Z$/, "Z"),
            }),
        );
        const env = baseEnv();
        const printed = profilesCommand(FIXTURES, ["dev", "--source-profile", "twine-dev-admin", "--append"], env);
        assert.match(printed, /wrote 2 profile\(s\) for dev into .*\.aws\/config/);

        const { arn, log } = await terraform(path.join(home, "laptop"), "twine-dns-delegation-dev", "111111111111", env);
        assert.equal(arn, "arn:aws:sts::111111111111:assumed-role/twine-dns-delegation-dev/twine-infra-dev-dns");
        // The SSO profile's session came from the cached token, for the account and role the SSO profile names ...
        assert.ok(calls.getRoleCredentials.length >= 2, JSON.stringify(calls));
        for (const c of calls.getRoleCredentials)
            assert.deepEqual(c, { token: SSO_TOKEN, account: "333333333333", role: "AdministratorAccess" });
        // ... and assumed the role with it; each renewed session signs with the newest SSO credentials.
        const assumes = calls.sts.filter(c => c.action === "AssumeRole");
        assert.ok(assumes.length >= 2, `the role session was not renewed: ${JSON.stringify(calls.sts)}`);
        for (const a of assumes) {
            assert.equal(a.roleArn, "arn:aws:iam::111111111111:role/twine/dns/twine-dns-delegation-dev");
            assert.match(a.accessKey, /^ASIASSO/);
        }
        assert.notEqual(assumes[0].accessKey, assumes[assumes.length - 1].accessKey);
        // The provider's own calls signed with assumed-role keys (moto's), never the SSO ones.
        for (const c of calls.sts.filter(c => c.action === "GetCallerIdentity")) assert.doesNotMatch(c.accessKey, /^ASIASSO/);
        // TF_LOG=DEBUG names the calls too.
        assert.match(log, /AssumeRole/);
    });

    it("CI and Deployments: the same profile name from the environment's credentials, the read-only role for a preview", async () => {
        const config = path.join(home, "runner", "aws-config");
        const env = { ...baseEnv(), AWS_CONFIG_FILE: config };
        profilesCommand(FIXTURES, ["dev", "--credential-source", "Environment", "--preview", "--append"], env);
        calls.sts.length = 0;
        const ci = { ...env, AWS_ACCESS_KEY_ID: "AKIAPREVIEWROLE00001", AWS_SECRET_ACCESS_KEY: "preview-secret" };
        const { arn } = await terraform(path.join(home, "ci"), "twine-dns-delegation-dev", "111111111111", ci);
        assert.equal(arn, "arn:aws:sts::111111111111:assumed-role/twine-dns-delegation-dev-read/twine-infra-dev-dns");
        const assumes = calls.sts.filter(c => c.action === "AssumeRole");
        assert.ok(assumes.length >= 1);
        for (const a of assumes)
            assert.deepEqual(
                [a.roleArn, a.accessKey],
                ["arn:aws:iam::111111111111:role/twine/dns/twine-dns-delegation-dev-read", ci.AWS_ACCESS_KEY_ID],
            );
    });
});
