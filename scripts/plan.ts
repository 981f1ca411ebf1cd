/**
 * npm run plan -- <stack> [--config <file>] [--out <file.json>] [--format json|text]
 *
 * Runs the program for a stack offline (mock runtime, no AWS, no Pulumi CLI) and prints what it would declare.
 * The JSON ends with a "policy" section: the twine-guardrails violations (rule, control, level, urn, message).
 * Exit codes: 0 planned, 2 invalid configuration (message on stderr, no JSON), 1 anything else.
 */
import * as fs from "fs";
import { ConfigError } from "../config/load";
import { UpstreamError } from "../stacks/upstream";
import { renderJson, renderText } from "../plan/render";
import { planStack } from "../plan/run";
import { evaluatePlan, projectPackSettings } from "../policy/plan";
import * as path from "path";

const USAGE = "usage: npm run plan -- <stack> [--config <file>] [--out <file.json>] [--format json|text]";

function parseArgs(argv: string[]): { stack: string; configFile?: string; out?: string; format: "json" | "text" } {
    let stack: string | undefined;
    let configFile: string | undefined;
    let out: string | undefined;
    let format: "json" | "text" = "json";
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
            return v;
        };
        if (arg === "--config") configFile = value();
        else if (arg === "--out") out = value();
        else if (arg === "--format") {
            const f = value();
            if (f !== "json" && f !== "text") throw new Error(`--format must be json or text, got ${f}\n${USAGE}`);
            format = f;
        } else if (arg === "--help" || arg === "-h") {
            process.stdout.write(`${USAGE}\n`);
            process.exit(0);
        } else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}\n${USAGE}`);
        else if (stack === undefined) stack = arg;
        else throw new Error(`one stack at a time, got ${stack} and ${arg}\n${USAGE}`);
    }
    if (!stack) throw new Error(USAGE);
    return { stack, configFile, out, format };
}

async function main(): Promise<number> {
    let args: ReturnType<typeof parseArgs>;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        return 1;
    }
    try {
        const plan = await planStack(args.stack, { configFile: args.configFile });
        const policy = evaluatePlan(plan, projectPackSettings(path.resolve(__dirname, "..")));
        const text = args.format === "text" ? renderText(plan, policy) : renderJson(plan, policy);
        if (args.out) fs.writeFileSync(args.out, text);
        else process.stdout.write(text);
        return 0;
    } catch (err) {
        if (err instanceof ConfigError || err instanceof UpstreamError) {
            process.stderr.write(`${err.message}\n`);
            return 2;
        }
        process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
        return 1;
    }
}

main().then(code => {
    if (code === 0) process.exitCode = 0; // let stdout drain
    else process.exit(code); // nothing on stdout; do not wait for the SDK's abandoned promises
});
