/**
 * npx twine-infra capacity <stack> [--profile <file>] [--format json|text] [--svg <file>] [--config <file>]
 *
 * Plans the stack offline, then runs the capacity model (plan/capacity) over each environment's fleet and a load
 * profile (default: the month-end rush), and prints what the other tenants would feel. It is a model.
 */
import * as fs from "fs";
import * as path from "path";
import { capacityOf, lockedOut } from "../plan/capacity/guardrail";
import { ASSUMED_TIMINGS, CapacityResult, MAX_LATENCY_INFLATION, TIMINGS } from "../plan/capacity/model";
import { DEFAULT_PROFILE, readProfile } from "../plan/capacity/profile";
import { capacitySvg } from "../plan/capacity/svg";
import { InputError } from "../plan/inputError";
import { planStack } from "../plan/run";
import { readStackSettings } from "../plan/stackFile";

const REPO = path.resolve(__dirname, "..");

export const CAPACITY_USAGE = `usage: npx twine-infra capacity <stack> [options]

Plans <stack> offline, then steps each environment's fleet through a load profile (default: the month-end rush,
${path.relative(REPO, DEFAULT_PROFILE)}) and prints: time until capacity meets demand, minutes any server is
saturated, the rushing tenant's throttled requests, the other tenants' latency inflation, peak database
connections against the limit, and the run's cost. A model, not a measurement: docs/app-tier.md names its sources.

options:
  --profile <file>       a load profile in YAML (the default's format)
  --config <file>        the stack's settings from <file> instead of Pulumi.<stack>.yaml
  --format json|text     json for machines (every step included), text (the default) for people
  --svg <file>           also draw demand against capacity over time (one file; the environment's name is added
                         before .svg when the stack has several)`;

interface Args {
    stack: string;
    profile?: string;
    config?: string;
    format: "json" | "text";
    svg?: string;
}

function parseArgs(argv: readonly string[]): Args | "help" {
    const args: Partial<Args> = { format: "text" };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--"))
                throw new InputError({ file: "(command line)", key: arg, why: "needs a value", fix: CAPACITY_USAGE });
            return v;
        };
        if (arg === "--help" || arg === "-h") return "help";
        else if (arg === "--profile") args.profile = path.resolve(value());
        else if (arg === "--config") args.config = path.resolve(value());
        else if (arg === "--svg") args.svg = path.resolve(value());
        else if (arg === "--format") {
            const f = value();
            if (f !== "json" && f !== "text")
                throw new InputError({
                    file: "(command line)",
                    key: "--format",
                    value: f,
                    why: "must be json or text",
                    fix: "pass --format json or --format text",
                });
            args.format = f;
        } else if (arg.startsWith("-"))
            throw new InputError({ file: "(command line)", key: arg, why: "unknown option", fix: CAPACITY_USAGE });
        else if (!args.stack) args.stack = arg;
        else throw new InputError({ file: "(command line)", key: arg, why: "one stack at a time", fix: CAPACITY_USAGE });
    }
    if (!args.stack) throw new InputError({ file: "(command line)", key: "<stack>", why: "name the stack", fix: CAPACITY_USAGE });
    return args as Args;
}

const met = (seconds: number | null) => (seconds === null ? "not within the run" : `${seconds} s after the rush starts`);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function renderCapacityText(results: readonly CapacityResult[]): string {
    const lines = [
        "Capacity model (a model, not a measurement; docs/app-tier.md names every timing's source)",
        `Assumed, no AWS source (seconds): ${ASSUMED_TIMINGS.map(k => `${k} ${TIMINGS[k]}`).join(", ")}`,
    ];
    for (const r of results) {
        lines.push(
            "",
            `${r.environment}: ${r.profile}`,
            `  capacity meets demand:      ${met(r.secondsToMeetDemand)}`,
            `  minutes saturated:          ${r.saturatedMinutes.toFixed(1)}`,
            `  rushing tenant throttled:   ${r.throttledRequests.toLocaleString("en-US")} of ${r.rushRequests.toLocaleString("en-US")} ` +
                `requests (peak ${r.rushPeakRequestsPerSecond.toFixed(0)} requests/s, the WAF rules admit ` +
                `${r.rushFairShareRequestsPerSecond.toFixed(0)})` +
                (lockedOut(r) ? "  (locked out: its demand is within what the rules admit)" : ""),
            `  others' latency inflation:  ${pct(r.latencyInflation)} mean, ${pct(r.peakLatencyInflation)} worst step` +
                (r.latencyInflation > MAX_LATENCY_INFLATION ? `  (over the ${pct(MAX_LATENCY_INFLATION)} guardrail)` : ""),
            `  peak database connections:  ${r.peakDbConnections}${r.dbConnectionLimit !== null ? ` of ${r.dbConnectionLimit}` : ""}` +
                (r.dbThroughProxy ? " (through RDS Proxy: its MaxConnectionsPercent of max_connections)" : ""),
            `  cost of the run:            ${r.cost === null ? "unpriced instance type" : `$${r.cost.toFixed(2)}`}`,
        );
    }
    return `${lines.join("\n")}\n`;
}

async function run(argv: readonly string[]): Promise<number> {
    const args = parseArgs(argv);
    if (args === "help") {
        process.stdout.write(`${CAPACITY_USAGE}\n`);
        return 0;
    }
    readProfile(args.profile); // a bad profile costs no plan
    const plan = await planStack(args.stack, { configFile: args.config });
    const results = capacityOf(plan, readStackSettings(REPO, args.stack, args.config).config, args.profile);
    if (args.svg) {
        for (const r of results) {
            const file = results.length > 1 ? args.svg.replace(/(\.svg)?$/, `-${r.environment}.svg`) : args.svg;
            fs.writeFileSync(file, capacitySvg(r));
        }
    }
    process.stdout.write(args.format === "json" ? `${JSON.stringify(results, null, 2)}\n` : renderCapacityText(results));
    return 0;
}

export function runCapacityCommandLine(argv: readonly string[]): void {
    run(argv)
        .then(code => process.exit(code))
        .catch(err => {
            if (err instanceof InputError || (err as Error)?.name === "ConfigError") process.stderr.write(`${(err as Error).message}\n`);
            else process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
            process.exit(err instanceof InputError || (err as Error)?.name === "ConfigError" ? 2 : 1);
        });
}
