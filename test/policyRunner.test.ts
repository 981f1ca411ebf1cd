/**
 * The guardrails pack as Pulumi starts it. `pulumi preview --policy-pack policy` launches the analyzer plugin
 * `pulumi-analyzer-policy`, a script that runs `node @pulumi/pulumi/cmd/run-policy-pack <engine> .` with the pack's
 * folder as working directory (pkg/resource/plugin/analyzer_plugin.go in pulumi/pulumi); the runner registers ts-node
 * with type checking on, loads the pack, and @pulumi/policy prints the port of its Analyzer gRPC server on stdout.
 * These tests do the same and talk to that server over the Analyzer protocol, from policy/ and from the folder
 * `pulumi policy publish` uploads (`npm pack` of policy/, installed with the pack's own dependencies only).
 */
import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { cidrsOverlap, mustParseCidr } from "../policy/lib/cidr";
import { RULES } from "../policy/rules";
import { REPO } from "./helpers/config";

/* eslint-disable @typescript-eslint/no-require-imports -- the generated gRPC stubs of @pulumi/pulumi have no ES exports */
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] }));
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const RUNNER = "@pulumi/pulumi/cmd/run-policy-pack";

interface RunningPack {
    readonly child: ChildProcess;
    readonly client: { close(): void; [rpc: string]: unknown };
}

/** Starts the pack in `dir` as the analyzer plugin does; rejects with the runner's stderr if it prints no port. */
function startPack(dir: string): Promise<RunningPack> {
    const runner = require.resolve(RUNNER, { paths: [dir] });
    // The engine address is the first argument; the pack only calls back to log, which these calls do not.
    const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: dir, env: cleanEnv(), stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    return new Promise((resolve, reject) => {
        child.stderr!.on("data", d => (stderr += d));
        child.stdout!.on("data", d => {
            stdout += d;
            const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
            if (port) resolve({ child, client: new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) });
        });
        child.on("exit", code => reject(new Error(`the pack exited (${code}) before serving:\n${stderr}${stdout}`)));
    });
}

/** The environment without this test run's ts-node settings, as the Pulumi CLI would start the plugin. */
function cleanEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_")));
}

function stop(pack: RunningPack | undefined): void {
    pack?.client.close();
    pack?.child.kill();
}

function call<T>(pack: RunningPack, rpc: string, request: unknown): Promise<T> {
    const method = pack.client[rpc] as (req: unknown, cb: (err: Error | null, res: T) => void) => void;
    return new Promise((resolve, reject) => method.call(pack.client, request, (err, res) => (err ? reject(err) : resolve(res))));
}

interface PolicyInfo {
    getName(): string;
}
interface AnalyzerInfo {
    getName(): string;
    getPoliciesList(): PolicyInfo[];
}
interface Diagnostic {
    getPolicyname(): string;
    getMessage(): string;
}

/** Analyze, as the engine calls it for one resource of a preview. */
async function analyze(pack: RunningPack, type: string, name: string, props: Record<string, unknown>): Promise<Diagnostic[]> {
    const request = new analyzerProto.AnalyzeRequest();
    request.setUrn(`urn:pulumi:prod::twine-infra::${type}::${name}`);
    request.setType(type);
    request.setName(name);
    request.setProperties(Struct.fromJavaScript(props));
    request.setOptions(new analyzerProto.AnalyzerResourceOptions());
    const response = await call<{ getDiagnosticsList(): Diagnostic[] }>(pack, "analyze", request);
    return response.getDiagnosticsList();
}

async function checkServes(pack: RunningPack): Promise<void> {
    const info = await call<AnalyzerInfo>(pack, "getAnalyzerInfo", new Empty());
    assert.equal(info.getName(), "twine-guardrails");
    assert.deepEqual(
        info
            .getPoliciesList()
            .map(p => p.getName())
            .sort(),
        RULES.map(r => r.name).sort(),
    );
    const diagnostics = await analyze(pack, "aws:s3/bucket:Bucket", "prod-uploads", { acl: "public-read" });
    assert.ok(
        diagnostics.some(d => d.getPolicyname() === "s3-12-no-acls" && /public-read/.test(d.getMessage())),
        `no s3-12-no-acls finding in ${JSON.stringify(diagnostics.map(d => d.getPolicyname()))}`,
    );
}

interface PolicyLevel {
    getName(): string;
    getEnforcementlevel(): number;
}

/**
 * Configure, as the CLI calls it for `--policy-pack-config <file>`: per policy, a string is its enforcement level,
 * an object its properties with an optional enforcementLevel key (parsePolicyPackConfig in pulumi/pulumi's
 * sdk/go/common/resource/plugin/policy.go); a policy without a level keeps its own.
 */
async function configure(pack: RunningPack, file: Record<string, unknown>): Promise<void> {
    const info = await call<{ getPoliciesList(): PolicyLevel[] }>(pack, "getAnalyzerInfo", new Empty());
    const levels = analyzerProto.EnforcementLevel as Record<string, number>;
    const request = new analyzerProto.ConfigureAnalyzerRequest();
    for (const [name, value] of Object.entries(file)) {
        const own = info.getPoliciesList().find(p => p.getName() === name);
        assert.ok(own, `the config names ${name}, which the pack does not have`);
        const { enforcementLevel, ...properties } =
            typeof value === "string" ? { enforcementLevel: value } : (value as Record<string, unknown>);
        const config = new analyzerProto.PolicyConfig();
        config.setEnforcementlevel(enforcementLevel ? levels[String(enforcementLevel).toUpperCase()] : own.getEnforcementlevel());
        config.setProperties(Struct.fromJavaScript(properties));
        request.getPolicyconfigMap().set(name, config);
    }
    await call(pack, "configure", request);
}

describe("the guardrails pack under Pulumi's policy-pack runner", function () {
    // The runner type-checks the pack with ts-node before serving: seconds, more on a loaded machine.
    this.timeout(240_000);

    it("starts from policy/ as `pulumi preview --policy-pack policy` starts it, and answers the Analyzer protocol", async () => {
        const pack = await startPack(path.join(REPO, "policy"));
        try {
            await checkServes(pack);
        } finally {
            stop(pack);
        }
    });

    it("applies the config `npm run policy:config` prints, through Configure: SSH from outside the bastion VPC is refused", async () => {
        const file = JSON.parse(execFileSync("npm", ["run", "-s", "policy:config"], { cwd: REPO, encoding: "utf8" }));
        const bastion: string[] = file["twine-ssh-only-from-bastion"].bastionCidrs;
        assert.ok(bastion.length > 0, "the generated config has the bastion VPC");
        const elsewhere = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].find(
            c => !bastion.some(b => cidrsOverlap(mustParseCidr(b), mustParseCidr(c))),
        )!;
        const ssh = (cidr: string) => ({ ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: cidr, description: "ssh" });
        const findings = async (cidr: string) =>
            (await analyze(pack, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-ssh", ssh(cidr)))
                .filter(d => d.getPolicyname() === "twine-ssh-only-from-bastion")
                .map(d => d.getMessage());
        const pack = await startPack(path.join(REPO, "policy"));
        try {
            // Unconfigured, the rule admits private space: the finding below comes from the generated config.
            assert.deepEqual(await findings(elsewhere), []);
            await configure(pack, file);
            const [finding, ...more] = await findings(elsewhere);
            assert.deepEqual(more, []);
            assert.match(finding, new RegExp(`SSH is admitted from ${elsewhere.replace(/[./]/g, "\\$&")}, outside the bastion VPC`));
            assert.ok(finding.includes(bastion.join(", ")), finding);
            assert.deepEqual(await findings(bastion[0]), [], "SSH from the bastion VPC passes");
        } finally {
            stop(pack);
        }
    });

    it("starts from what `pulumi policy publish` uploads (npm pack of policy/), with only the pack's own dependencies", async () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guardrails-"));
        let pack: RunningPack | undefined;
        try {
            const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", tmp], { cwd: path.join(REPO, "policy") })
                .toString()
                .trim()
                .split("\n")
                .pop()!;
            const dir = path.join(tmp, "package");
            execFileSync("tar", ["-xzf", path.join(tmp, tarball), "-C", tmp]);
            // Install exactly the declared dependencies (linked from the project's node_modules, whose own
            // dependencies they resolve from there): an undeclared import, or a file outside policy/, fails here.
            const declared = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).dependencies);
            for (const dep of declared) {
                const target = path.join(dir, "node_modules", dep);
                fs.mkdirSync(path.dirname(target), { recursive: true });
                fs.symlinkSync(path.join(REPO, "node_modules", dep), target, "dir");
            }
            assert.ok(declared.includes("ts-node") && declared.includes("typescript"), "the runner needs ts-node and typescript");
            pack = await startPack(dir);
            await checkServes(pack);
        } finally {
            stop(pack);
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("the pull-request previews", () => {
    it("run the pack on every stack's real preview, with its config generated from the stack files", () => {
        const workflow = parse(fs.readFileSync(path.join(REPO, ".github", "workflows", "preview.yml"), "utf8"));
        const steps: { uses?: string; run?: string }[] = workflow.jobs.preview.steps;
        const cli = steps.findIndex(s => s.uses?.startsWith("pulumi/actions")); // installs the Pulumi CLI
        const guarded = steps.findIndex(s => /--policy-pack policy\b/.test(s.run ?? ""));
        assert.ok(cli >= 0 && guarded > cli, "no step after the Pulumi CLI's runs `pulumi preview --policy-pack policy`");
        const run = steps[guarded].run!;
        const configFile = /npm run -s policy:config > (\S+)/.exec(run)?.[1];
        assert.ok(configFile, "the pack's config is not generated by npm run policy:config");
        assert.ok(run.includes(`--policy-pack-config ${configFile}`), run);
        assert.match(run, /pulumi preview .*--stack \$\{\{ matrix\.stack\.organization \}\}\/\$\{\{ matrix\.stack\.name \}\}/s);
        assert.ok(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts["policy:config"]);
    });
});
