/**
 * Learns the IAM actions Terraform's AWS provider calls for resource types, with the real provider against moto's
 * emulator on loopback: one small configuration per type (scripts/learn-deploy-actions/<terraform type>.tf, as a
 * module), run through create, update (refreshing first; its tags and an attribute follow var.phase) and destroy with the
 * provider's debug log on; each logged request of the type becomes an action of its phase (operations.ts). Where the
 * emulator refuses an operation the log still holds the calls made up to it: those are returned as `failed`, and the
 * catalog completes them from the provider's source.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { findMoto } from "../../test/helpers/moto";
import { FailedCall, PHASES, Phase, callsOfLog, iamActionOf, phaseOf } from "./operations";

export const SNIPPETS_DIR = path.resolve(__dirname, "..", "..", "scripts", "learn-deploy-actions");
export const PROVIDER_VERSION = "5.100.0";
const RUN_TIMEOUT_MS = 15 * 60_000;

/** Where the local mirror of hashicorp/aws is: TF_PLUGIN_MIRROR, else the machine image's /opt/tf-plugins. */
export function providerMirror(env: NodeJS.ProcessEnv = process.env): string {
    return env.TF_PLUGIN_MIRROR ?? "/opt/tf-plugins";
}

/** What is missing to learn here (terraform, the provider mirror, moto), or undefined when all is present. */
export function missingTools(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const problems: string[] = [];
    if (spawnSync("terraform", ["version"], { stdio: "ignore" }).status !== 0) problems.push("terraform (1.11) is not on PATH");
    const mirror = path.join(providerMirror(env), "registry.terraform.io", "hashicorp", "aws", PROVIDER_VERSION);
    if (!fs.existsSync(mirror))
        problems.push(`no hashicorp/aws ${PROVIDER_VERSION} in the provider mirror ${mirror} (set TF_PLUGIN_MIRROR)`);
    try {
        findMoto(env);
    } catch (e) {
        problems.push((e as Error).message);
    }
    return problems.length > 0 ? problems.join("; ") : undefined;
}

export interface Snippet {
    readonly terraformType: string;
    readonly pulumiType: string;
    readonly file: string;
}

/** Every snippet, keyed by the Pulumi type its first line names (`# pulumi: aws:s3/bucket:Bucket`). */
export function snippets(): Map<string, Snippet> {
    const out = new Map<string, Snippet>();
    for (const name of fs.readdirSync(SNIPPETS_DIR).filter(f => f.endsWith(".tf"))) {
        const file = path.join(SNIPPETS_DIR, name);
        const m = /^# pulumi: (\S+)/.exec(fs.readFileSync(file, "utf8"));
        if (m) out.set(m[1], { terraformType: name.replace(/\.tf$/, ""), pulumiType: m[1], file });
    }
    return out;
}

export interface Learned {
    readonly pulumiType: string;
    readonly terraformType: string;
    readonly actions: Record<Phase, string[]>;
    /** Requests the emulator failed (5xx) in the create or update run: what the log cannot show past. */
    readonly failed: string[];
}

const ENDPOINT_SERVICES = [
    "accessanalyzer",
    "acm",
    "autoscaling",
    "backup",
    "cloudtrail",
    "cloudwatch",
    "dlm",
    "ec2",
    "ecr",
    "elbv2",
    "events",
    "guardduty",
    "iam",
    "kms",
    "logs",
    "opensearch",
    "rds",
    "route53",
    "s3",
    "s3control",
    "secretsmanager",
    "sns",
    "ssm",
    "sts",
    "wafv2",
];

function rootModule(endpoint: string, types: readonly Snippet[]): string {
    const endpoints = ENDPOINT_SERVICES.map(s => `    ${s} = "${endpoint}"`).join("\n");
    const modules = types.map(t => `module "${t.terraformType}" {\n  source = "./${t.terraformType}"\n  phase  = var.phase\n}\n`);
    return `variable "phase" {
  type = string
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "learn"
  secret_key                  = "learn"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
${endpoints}
  }
}
${modules.join("")}`;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

async function waitForPort(port: number, ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
        const up = await new Promise<boolean>(resolve => {
            const socket = net.connect(port, "127.0.0.1", () => (socket.end(), resolve(true)));
            socket.once("error", () => resolve(false));
        });
        if (up) return;
        if (Date.now() > until) throw new Error(`moto_server did not listen on 127.0.0.1:${port} within ${ms / 1000} s`);
        await new Promise(r => setTimeout(r, 200));
    }
}

function terraform(dir: string, args: string[], log: string, env: NodeJS.ProcessEnv): Promise<number> {
    return new Promise(resolve => {
        const child = spawn("terraform", args, {
            cwd: dir,
            env: { ...env, TF_LOG_PROVIDER: "DEBUG", TF_LOG_PATH: log, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" },
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", d => (stderr += String(d)));
        // A waiter on a state the emulator never reaches would run for the resource's whole timeout.
        const timer = setTimeout(() => child.kill("SIGINT"), RUN_TIMEOUT_MS);
        child.on("close", code => {
            clearTimeout(timer);
            fs.writeFileSync(`${log}.stderr`, stderr);
            resolve(code ?? 1);
        });
    });
}

/**
 * The create, update and destroy runs: each run's provider RPCs say which phase a call belongs to. The update and
 * destroy runs refresh first (ReadResource: the read phase), so no run of its own is spent on refresh.
 */
const RUNS = [
    ["create", ["apply", "-auto-approve", "-input=false", "-no-color", "-var", "phase=create"]],
    ["update", ["apply", "-auto-approve", "-input=false", "-no-color", "-var", "phase=update"]],
    ["destroy", ["destroy", "-auto-approve", "-input=false", "-no-color", "-var", "phase=update"]],
] as const;

/** What the runs' logs in dir show of each type: its actions per phase and the requests the emulator failed. */
export function learnedFromLogs(dir: string, types: readonly Snippet[]): Learned[] {
    const actions = new Map(types.map(t => [t.terraformType, Object.fromEntries(PHASES.map(p => [p, new Set<string>()]))]));
    const failed = new Map(types.map(t => [t.terraformType, new Set<string>()]));
    for (const [run] of RUNS) {
        const log = path.join(dir, `${run}.log`);
        const parsed = callsOfLog(fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "");
        for (const call of parsed.calls) {
            const phase = phaseOf(run, call.rpc);
            const byPhase = actions.get(call.resourceType);
            if (!phase || !byPhase) continue;
            const action = iamActionOf(call.service, call.operation);
            if (!action) throw new Error(`${call.resourceType} called ${call.service} ${call.operation}: map the service in operations.ts`);
            byPhase[phase].add(action);
        }
        const refused = (c: FailedCall) => `${run}: ${c.service} ${c.operation} (${c.status})`;
        for (const c of parsed.failed) if (run === "create" || run === "update") failed.get(c.resourceType)?.add(refused(c));
    }
    return types.map(t => ({
        pulumiType: t.pulumiType,
        terraformType: t.terraformType,
        actions: Object.fromEntries(PHASES.map(p => [p, [...actions.get(t.terraformType)![p]].sort()])) as Record<Phase, string[]>,
        failed: [...failed.get(t.terraformType)!].sort(),
    }));
}

/** Learns the given Pulumi types' actions; throws, naming the file to write, for a type without a snippet. */
export async function learnTypes(pulumiTypes: readonly string[], opts: { keep?: boolean } = {}): Promise<Learned[]> {
    const known = snippets();
    const missing = pulumiTypes.filter(t => !known.has(t));
    if (missing.length > 0) {
        throw new Error(
            `no learning configuration for ${missing.join(", ")}: write scripts/learn-deploy-actions/<terraform type>.tf ` +
                '(first line `# pulumi: <type>`, the resource named "t", its tags or an attribute following var.phase)',
        );
    }
    const types = pulumiTypes.map(t => known.get(t)!);
    const problem = missingTools();
    if (problem) throw new Error(`cannot learn here: ${problem}. Fix: bash scripts/setup.sh`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "learn-deploy-actions-"));
    const port = await freePort();
    const moto = findMoto();
    const server = spawn(moto.server[0], [...moto.server.slice(1), "-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    try {
        await waitForPort(port, 30_000);
        fs.writeFileSync(path.join(dir, "main.tf"), rootModule(`http://127.0.0.1:${port}`, types));
        for (const t of types) {
            fs.mkdirSync(path.join(dir, t.terraformType));
            const body = fs.readFileSync(t.file, "utf8");
            fs.writeFileSync(path.join(dir, t.terraformType, "main.tf"), `variable "phase" {\n  type = string\n}\n${body}`);
        }
        const cli = path.join(dir, "cli.tfrc");
        fs.writeFileSync(cli, `provider_installation {\n  filesystem_mirror {\n    path = "${providerMirror()}"\n  }\n}\n`);
        const env = { ...process.env, TF_CLI_CONFIG_FILE: cli };
        const init = await terraform(dir, ["init", "-input=false", "-no-color"], path.join(dir, "init.log"), env);
        if (init !== 0) throw new Error(`terraform init failed: ${fs.readFileSync(path.join(dir, "init.log.stderr"), "utf8")}`);
        for (const [run, args] of RUNS) await terraform(dir, [...args], path.join(dir, `${run}.log`), env);
        return learnedFromLogs(dir, types);
    } finally {
        server.kill();
        if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
        else process.stderr.write(`kept ${dir}\n`);
    }
}
