/**
 * npx twine-infra plan <stack> [options]      (or: npm run -s plan -- <stack> [options])
 *
 * Runs the program for a stack offline (mock runtime, no AWS, no Pulumi CLI) and prints what it would declare;
 * see USAGE for every option and EXIT_CODES for what the exit status means.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config/load";
import { capacityAdvisories } from "../plan/capacity/guardrail";
import { DOCTOR_EXIT } from "../doctor/checks";
import { estimateCost, renderCost } from "../plan/cost";
import { diffHasChanges, diffPlans } from "../plan/diff";
import { InputError, shownPath } from "../plan/inputError";
import { oldPlan } from "../plan/oldPlan";
import { renderDiffJson, renderDiffText, renderJson, renderText, shortName } from "../plan/render";
import { planStack } from "../plan/run";
import { lineOfSetting, readStackSettings } from "../plan/stackFile";
import { evaluatePlan, projectPackSettings } from "../plan/policy";
import type { Violation } from "../policy/rules";
import { UpstreamError } from "../stacks/upstream";

const REPO = path.resolve(__dirname, "..");

export const EXIT_CODES = {
    planned: 0,
    /** A bug or an environment problem (the trace is printed): not the user's input. */
    failed: 1,
    /** The input is wrong: a stack file, a flag, a path. The message says where and how to fix it. */
    invalidInput: 2,
    /** The plan was printed, and the guardrails pack found a mandatory violation (as `pulumi preview --policy-pack` fails). */
    mandatoryViolation: 3,
    /** With --detailed-exitcode: planned, no mandatory violation, and the diff has changes (Terraform's 2, moved past ours). */
    changes: 4,
} as const;

export const USAGE = `usage: npx twine-infra plan <stack> [options]       (or: npm run -s plan -- <stack> [options])

Runs the program for <stack> offline, under Pulumi's mock runtime, from Pulumi.<stack>.yaml (upstream stacks are
planned first, from their files in this folder), and prints what it would declare.

options:
  --config <file>        read the stack's settings from <file> instead of Pulumi.<stack>.yaml (same format)
  --format json|text     json (the default for a plan): every resource with its inputs and options, then "policy";
                         text (the default for --diff and --cost): a summary per environment, the cost estimate,
                         the resources grouped by environment, the outputs folded, the policy findings
  --out <file>           write the output to <file> instead of stdout (its folder must exist)
  --peers first-deploy|deployed
                         bastion only: what it reads from the dev and prod stacks (bastionHost.peers.<env>.stack):
                         first-deploy (the default: their stacks have no outputs yet, so no routes and no database
                         tunnel egress) or deployed (their plans' outputs: the routes, egress and user data of the
                         bastion's deploy after theirs, runbook step 13)
  --diff <plan.json|rev> print what changes against an earlier plan JSON (from --out) or a git revision (main,
                         HEAD~1, a commit; planned by that revision's own code): create, update with the changed
                         inputs, replace, delete, protected resources, the cost delta, and "Plan: N to add, ..."
  --detailed-exitcode    with --diff: exit 4 when anything changes (a resource or an output), 0 when nothing does,
                         as Terraform's -detailed-exitcode and Pulumi's --expect-no-changes (codes 1-3 keep their meaning)
  --cost                 print the estimated fixed monthly cost per environment and for the stack, from the prices
                         in plan/prices.ts (what it leaves out is printed with it)
  -h, --help             print this help

exit status:
  0  planned, no mandatory policy violation (advisory ones are printed and do not fail)
  1  the plan itself failed (a bug or the machine): a trace is printed
  2  invalid input (a stack file, a flag, a path): a message on stderr naming the file, the line and the key
  3  planned, and the twine-guardrails pack found a mandatory violation (listed on stderr, mandatory first)
  4  with --detailed-exitcode: planned without a mandatory violation, and the diff has changes`;

interface Args {
    readonly stack: string;
    readonly configFile?: string;
    readonly out?: string;
    readonly format?: "json" | "text";
    readonly diff?: string;
    readonly cost: boolean;
    readonly detailedExitCode?: boolean;
    readonly peers?: "first-deploy" | "deployed";
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | "help" {
    let stack: string | undefined;
    const args: {
        configFile?: string;
        out?: string;
        format?: "json" | "text";
        diff?: string;
        cost: boolean;
        detailedExitCode?: boolean;
        peers?: "first-deploy" | "deployed";
    } = { cost: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
            return v;
        };
        if (arg === "--config") args.configFile = value();
        else if (arg === "--out") args.out = value();
        else if (arg === "--diff") args.diff = value();
        else if (arg === "--cost") args.cost = true;
        else if (arg === "--detailed-exitcode") args.detailedExitCode = true;
        else if (arg === "--peers") {
            const p = value();
            if (p !== "first-deploy" && p !== "deployed") throw new UsageError(`--peers must be first-deploy or deployed, got ${p}`);
            args.peers = p;
        } else if (arg === "--format") {
            const f = value();
            if (f !== "json" && f !== "text") throw new UsageError(`--format must be json or text, got ${f}`);
            args.format = f;
        } else if (arg === "--help" || arg === "-h") return "help";
        else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
        else if (stack === undefined) stack = arg;
        else throw new UsageError(`one stack at a time, got ${stack} and ${arg}`);
    }
    if (!stack) throw new UsageError("name the stack to plan");
    if (args.peers && stack !== "bastion")
        throw new UsageError(`--peers is for the bastion, which reads the environment stacks back; ${stack} reads no peers`);
    if (args.detailedExitCode && !args.diff)
        throw new UsageError("--detailed-exitcode needs --diff <plan.json|rev>: it says whether the diff is empty");
    return { stack, ...args };
}

/** Paths the run will need, checked before the plan runs: a mistake there must not cost a whole plan. */
function checkPaths(args: Args): void {
    if (args.out) {
        const folder = path.dirname(path.resolve(args.out));
        if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
            throw new InputError({
                file: args.out,
                key: "--out",
                why: `the folder ${shownPath(folder)} does not exist`,
                fix: `create it (mkdir -p ${shownPath(folder)}) or write elsewhere`,
            });
        }
    }
    if (args.configFile && !fs.existsSync(args.configFile)) {
        throw new InputError({
            file: path.resolve(args.configFile),
            key: "--config",
            why: "the file does not exist",
            fix: "check the path",
        });
    }
}

/** The file a failing stack's settings came from: the --config file for the stack asked for, else its own file. */
function sourceOf(stack: string, args: Args): string {
    return stack === args.stack && args.configFile ? path.resolve(args.configFile) : path.join(REPO, `Pulumi.${stack}.yaml`);
}

/**
 * A config error as the command line prints it: the file it came from, and each problem with the line of its key
 * in that file when the key is there.
 */
function configMessage(err: ConfigError, args: Args): string {
    const file = sourceOf(err.stack, args);
    let settings: ReturnType<typeof readStackSettings> | undefined;
    try {
        settings = readStackSettings(REPO, err.stack, file);
    } catch {
        settings = undefined;
    }
    const lines = err.problems.map(p => {
        const key = /^([\w-]+:[^\s=:]+)/.exec(p)?.[1];
        const line = settings && key ? lineOfSetting(settings, key.replace(/\.$/, "")) : undefined;
        return ` - ${shownPath(file)}${line ? `:${line}` : ""}: ${p}`;
    });
    const count = `${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}`;
    return `Invalid configuration for stack "${err.stack}" in ${shownPath(file)} (${count}):\n${lines.join("\n")}`;
}

function violationsMessage(policy: readonly Violation[]): string {
    const mandatory = policy.filter(v => v.level === "mandatory");
    return [
        `twine-guardrails: ${mandatory.length} mandatory violation${mandatory.length === 1 ? "" : "s"} ` +
            "(the plan is printed; pulumi up with the pack would refuse it):",
        ...mandatory.map(v => `  ${v.rule}: ${shortName(v.urn)}: ${v.message}`),
    ].join("\n");
}

async function run(argv: readonly string[]): Promise<number> {
    const parsed = parseArgs(argv);
    if (parsed === "help") {
        process.stdout.write(`${USAGE}\n`);
        return EXIT_CODES.planned;
    }
    const args = parsed;
    checkPaths(args);
    const before = args.diff ? oldPlan(REPO, args.diff, args.stack) : undefined;
    const plan = await planStack(args.stack, { configFile: args.configFile, peers: args.peers });
    // The capacity guardrail runs the model over the plan: advisory, printed with the pack's findings.
    const policy = [
        ...evaluatePlan(plan, projectPackSettings(REPO)),
        ...capacityAdvisories(plan, readStackSettings(REPO, args.stack, args.configFile).config),
    ];
    let text: string;
    let changes = false;
    if (before) {
        const diff = diffPlans(before.plan(), plan, before.label);
        changes = diffHasChanges(diff);
        text = args.format === "json" ? renderDiffJson(diff) : renderDiffText(diff);
    } else if (args.cost) {
        const cost = estimateCost(plan);
        text = args.format === "json" ? `${JSON.stringify(cost, null, 2)}\n` : `${renderCost(cost).join("\n")}\n`;
    } else {
        text = args.format === "text" ? renderText(plan, policy, estimateCost(plan)) : renderJson(plan, policy);
    }
    if (args.out) fs.writeFileSync(args.out, text);
    else process.stdout.write(text);
    if (policy.some(v => v.level === "mandatory")) {
        process.stderr.write(`${violationsMessage(policy)}\n`);
        return EXIT_CODES.mandatoryViolation;
    }
    return args.detailedExitCode && changes ? EXIT_CODES.changes : EXIT_CODES.planned;
}

/** Runs the command line and exits with its status; `command` when started as `twine-infra <subcommand>`. */
export function runCommandLine(argv: readonly string[], options: { command?: boolean } = {}): void {
    let rest = argv;
    if (options.command) {
        if (argv[0] === "doctor") return runDoctorCommandLine(argv.slice(1));
        if (argv[0] === "search-snapshots") {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return (require("./searchSnapshots") as typeof import("./searchSnapshots")).runSearchSnapshotsCommandLine(argv.slice(1));
        }
        if (argv[0] === "perimeter-policy") {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return (require("./perimeterPolicy") as typeof import("./perimeterPolicy")).runPerimeterCommandLine(argv.slice(1));
        }
        if (argv[0] === "plan") rest = argv.slice(1);
        else if (argv[0] === "profiles") {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            (require("./profiles") as typeof import("./profiles")).runProfilesCommandLine(argv.slice(1));
            return;
        } else if (argv[0] === "capacity") {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            (require("./capacity") as typeof import("./capacity")).runCapacityCommandLine(argv.slice(1));
            return;
        } else if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") rest = ["--help"];
        else {
            const commands = "plan, capacity, doctor, perimeter-policy, profiles and search-snapshots";
            process.stderr.write(`unknown command ${argv[0]}: the commands are ${commands}\n\n${USAGE}\n`);
            process.exit(EXIT_CODES.invalidInput);
        }
    }
    run(rest)
        .catch(err => {
            if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}\n`);
            else if (err instanceof ConfigError) process.stderr.write(`${configMessage(err, args(rest))}\n`);
            else if (err instanceof InputError || err instanceof UpstreamError) process.stderr.write(`${err.message}\n`);
            else {
                process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
                return EXIT_CODES.failed;
            }
            return EXIT_CODES.invalidInput;
        })
        .then(code => {
            if (code === EXIT_CODES.planned || code === EXIT_CODES.mandatoryViolation || code === EXIT_CODES.changes)
                process.exitCode = code; // let stdout drain
            else process.exit(code); // nothing on stdout; do not wait for the SDK's abandoned promises
        });
}

/** The arguments again, for messages (parsing succeeded once already when a plan error reaches here). */
function args(argv: readonly string[]): Args {
    const parsed = parseArgs(argv);
    return parsed === "help" ? { stack: "", cost: false } : parsed;
}

export const DOCTOR_USAGE = `usage: npx twine-infra doctor <stack> [--config <file>]

Checks, with the AWS credentials in the environment and read-only calls, what the next \`pulumi up\` of <stack>
needs from its account that the offline plan cannot see: the account, service-linked roles, the EC2 vCPU quota,
the pinned zone ids,
a GuardDuty detector, CloudTrail trail or OIDC provider the stack would collide with. One line per check, with
its fix. A check it cannot make (access denied) is "unknown", with the permission it needs; never "ok".

exit status:
  0  every check ok
  1  a check failed: its line says what to do
  2  invalid input (a stack file, a flag)
  3  no usable AWS credentials
  4  the credentials are for another account than the stack file's accountId
  5  no check failed, but some could not be made (unknown)
  6  doctor itself crashed (its message follows): nothing was decided, so never read it as a failed check`;

/** The exit status and message for an error that stopped doctor: bad input (2), else a crash (6), never a failed check (1). */
export function doctorErrorExit(err: unknown, stack: string, configFile: string | undefined): { code: number; message: string } {
    if (err instanceof ConfigError)
        return { code: EXIT_CODES.invalidInput, message: configMessage(err, { stack, cost: false, configFile }) };
    if (err instanceof InputError) return { code: EXIT_CODES.invalidInput, message: err.message };
    const detail = (err as Error)?.stack ?? String(err);
    return { code: DOCTOR_EXIT.crashed, message: `doctor crashed, so it checked nothing: ${detail}` };
}

/** \`twine-infra doctor <stack>\`: doctor/run.ts, with the same input errors as the plan. */
function runDoctorCommandLine(argv: readonly string[]): void {
    const [stack, flag, file] = argv;
    if (!stack || stack.startsWith("-") || (flag !== undefined && (flag !== "--config" || !file)) || argv.length > 3) {
        process.stderr.write(`${DOCTOR_USAGE}\n`);
        process.exit(stack === "--help" || stack === "-h" ? 0 : EXIT_CODES.invalidInput);
    }
    // Loaded here: the SDK clients cost a plan nothing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { doctorCommand } = require("../doctor/run") as typeof import("../doctor/run");
    doctorCommand(stack, { projectDir: process.cwd(), configFile: file }, line => process.stdout.write(`${line}\n`))
        .catch(err => {
            const { code, message } = doctorErrorExit(err, stack, file);
            process.stderr.write(`${message}\n`);
            return code;
        })
        .then(code => process.exit(code));
}

if (require.main === module) runCommandLine(process.argv.slice(2));
