/**
 * npm run bench -- [--runs N] [--startup-runs N] [--skip-slow]
 *
 * Prints (no pass/fail), for every stack file of the project:
 *  - the offline plan's wall time as a fresh process (`npm run plan`: node + ts-node + the program, upstream stacks
 *    included), beside a floor measured in the same rounds: bench/floor.js, a plain Node script that registers as
 *    many plain resources under trivial mocks in one stack run; plan/floor is the figure to drive down. The stack
 *    that evaluates the most is also planned through TypeScript's own transpiler (tsconfig.typescript.json), the
 *    transpiler ts-node used before swc;
 *  - the program's start-up the way `pulumi preview`/`up` run it (bench/startupProbe.js), with the committed
 *    runtime settings (swc), with TypeScript's transpiler, and with ts-node type-checking forced on;
 *  - the type-check and the whole test suite (skip both with --skip-slow);
 *  - the estimated deploy time per stack along its critical path.
 * Runs are interleaved (plan, floor, plan, floor...) so that load from other users of the machine hits both alike;
 * figures are medians with the spread of the runs, and each round's plan/floor ratio is reported too. Progress goes
 * to stderr, the figures to stdout.
 */
import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { criticalPath, formatDuration } from "../bench/criticalPath";
import { ProbeTranspile, cleanEnv, startupProbeEnv } from "../bench/probeEnv";
import { formatSummary, renderTable, summarize } from "../bench/stats";
import { capacityOf } from "../plan/capacity/guardrail";
import { Plan } from "../plan/run";
import { readStackSettings, upstreamStacks } from "../plan/stackFile";

const REPO = path.resolve(__dirname, "..");
const TS_NODE = require.resolve("ts-node/dist/bin");
const USAGE = "usage: npm run bench -- [--runs N] [--startup-runs N] [--skip-slow]";

interface Options {
    readonly runs: number;
    readonly startupRuns: number;
    readonly skipSlow: boolean;
}

function parseArgs(argv: string[]): Options {
    let runs = 5;
    let startupRuns = 3;
    let skipSlow = false;
    for (let i = 0; i < argv.length; i++) {
        const count = () => {
            const n = Number(argv[++i]);
            if (!Number.isInteger(n) || n < 1) throw new Error(`${argv[i - 1]} needs a whole number of runs, got ${argv[i]}\n${USAGE}`);
            return n;
        };
        if (argv[i] === "--runs") runs = count();
        else if (argv[i] === "--startup-runs") startupRuns = count();
        else if (argv[i] === "--skip-slow") skipSlow = true;
        else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    }
    return { runs, startupRuns, skipSlow };
}

/** Progress on stderr, so stdout keeps only the figures: "[plan and floor 3/20] round 1 of 5: prod". */
function progress(step: string, done: number, total: number, what: string): void {
    process.stderr.write(`[${step} ${done}/${total}] ${what}\n`);
}

/** Runs node with the arguments and returns the wall time in ms; fails loudly if the child fails. */
function timedNode(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): { ms: number; result: SpawnSyncReturns<string> } {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd: REPO, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
    return { ms, result };
}

/** Stack files of the project in deploy order: the longest upstream chain first (as its stacks list them), then the rest. */
function stacksInDeployOrder(): string[] {
    const stacks = fs
        .readdirSync(REPO)
        .map(f => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s);
    const ordered: string[] = [];
    for (const stack of [...stacks].sort((a, b) => closure(b).length - closure(a).length || a.localeCompare(b))) {
        for (const s of closure(stack)) if (!ordered.includes(s)) ordered.push(s);
    }
    return ordered;
}

/** The stack and every stack it plans first, upstream first. */
function closure(stack: string, seen: string[] = []): string[] {
    if (seen.includes(stack)) return seen;
    for (const up of upstreamStacks(readStackSettings(REPO, stack))) closure(up.stack, seen);
    if (!seen.includes(stack)) seen.push(stack);
    return seen;
}

function main(): void {
    const options = parseArgs(process.argv.slice(2));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "twine-bench-"));
    const stacks = stacksInDeployOrder();
    const cpus = os.cpus();
    const load = os
        .loadavg()
        .map(l => l.toFixed(2))
        .join(" ");
    console.log(
        `Machine: ${cpus.length} x ${cpus[0]?.model ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
            `Node ${process.version}, load average ${load}`,
    );
    console.log(
        `Runs: ${options.runs} per figure after one warm-up (start-up: ${options.startupRuns}); ` +
            `medians, with the fastest and slowest run in parentheses; progress on stderr.\n`,
    );

    // Warm-up, which also gives the plans the floors and the critical paths are built from.
    const planArgs = (stack: string) => [TS_NODE, "scripts/plan.ts", stack, "--out", path.join(work, `${stack}.json`)];
    const plans = new Map<string, Plan>();
    for (const [i, stack] of stacks.entries()) {
        progress("warm-up", i + 1, stacks.length, `plan ${stack}`);
        timedNode(planArgs(stack));
        plans.set(stack, JSON.parse(fs.readFileSync(path.join(work, `${stack}.json`), "utf8")) as Plan);
    }
    const evaluated = (stack: string) => closure(stack).reduce((n, s) => n + plans.get(s)!.resources.length, 0);
    const floorArgs = (stack: string) => ["bench/floor.js", String(evaluated(stack))];
    // The stack that evaluates the most, planned again through TypeScript's transpiler instead of swc.
    const largest = [...stacks].sort((a, b) => evaluated(b) - evaluated(a))[0];
    const typescriptEnv = cleanEnv({ TS_NODE_PROJECT: "tsconfig.typescript.json" });
    timedNode(floorArgs(largest));
    timedNode(planArgs(largest), typescriptEnv);

    const planMs = new Map<string, number[]>(stacks.map(s => [s, []]));
    const floorMs = new Map<string, number[]>(stacks.map(s => [s, []]));
    const typescriptMs: number[] = [];
    for (let round = 0; round < options.runs; round++) {
        for (const [i, stack] of stacks.entries()) {
            progress(
                "plan and floor",
                round * stacks.length + i + 1,
                options.runs * stacks.length,
                `round ${round + 1} of ${options.runs}: ${stack}`,
            );
            planMs.get(stack)!.push(timedNode(planArgs(stack)).ms);
            floorMs.get(stack)!.push(timedNode(floorArgs(stack)).ms);
        }
        typescriptMs.push(timedNode(planArgs(largest), typescriptEnv).ms);
    }
    const ratio = (plan: number[], floor: number[]) => {
        const perRound = summarize(plan.map((ms, i) => ms / floor[i]));
        return (
            `${(summarize(plan).median / summarize(floor).median).toFixed(2)} (rounds ` +
            `${perRound.min.toFixed(2)}-${perRound.max.toFixed(2)})`
        );
    };
    const rows = [["stack", "resources", "evaluated", "plan (fresh process)", "floor", "plan/floor"]];
    for (const stack of stacks) {
        const plan = planMs.get(stack)!;
        const floor = floorMs.get(stack)!;
        rows.push([
            stack,
            String(plans.get(stack)!.resources.length),
            String(evaluated(stack)),
            formatSummary(summarize(plan)),
            formatSummary(summarize(floor)),
            ratio(plan, floor),
        ]);
    }
    const largestFloor = floorMs.get(largest)!;
    rows.push([
        `${largest}, TypeScript transpiler`,
        "",
        String(evaluated(largest)),
        formatSummary(summarize(typescriptMs)),
        formatSummary(summarize(largestFloor)),
        ratio(typescriptMs, largestFloor),
    ]);
    console.log("Offline plan: `npx twine-infra plan <stack>` as a fresh process (seconds: the median, then the fastest and slowest run)");
    console.log("  resources: what the stack declares; evaluated: those plus the upstream stacks it plans first;");
    console.log("  plan: node + ts-node + the program and its upstream stacks; floor: `node bench/floor.js <evaluated>`, as many plain");
    console.log("  resources under trivial mocks, the least a plan can cost here; plan/floor: the program's own overhead, to drive");
    console.log("  down (ratio of the medians, then the lowest and highest of the rounds)");
    console.log(`${renderTable(rows)}\n`);

    // The capacity model over each plan (the default rush, an hour in 10-second steps), beside the plan's own time.
    const capacityRows = [["stack", "plan (median)", "capacity model (median of the runs, in process)", "environments"]];
    for (const stack of stacks) {
        const config = readStackSettings(REPO, stack).config;
        const times: number[] = [];
        let environments = 0;
        for (let i = 0; i < options.runs; i++) {
            const started = process.hrtime.bigint();
            environments = capacityOf(plans.get(stack)!, config).length;
            times.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        capacityRows.push([
            stack,
            formatSummary(summarize(planMs.get(stack)!)),
            `${summarize(times).median.toFixed(1)} ms`,
            String(environments),
        ]);
    }
    console.log("Capacity model: `npx twine-infra capacity <stack>` adds this to a plan (the plan's figures in seconds, as above)");
    console.log(`${renderTable(capacityRows)}\n`);

    // Start-up as pulumi runs the program, on the stack with the most resources of its own (its own program run only).
    const biggest = [...stacks].sort((a, b) => plans.get(b)!.resources.length - plans.get(a)!.resources.length)[0];
    const settings = readStackSettings(REPO, biggest);
    const upstream = Object.fromEntries(upstreamStacks(settings).map(u => [u.qualifiedName, plans.get(u.stack)!.outputs]));
    type Probe = { firstRegistrationMs: number; doneMs: number };
    const probe = (transpile: ProbeTranspile): Probe => {
        const { result } = timedNode(["bench/startupProbe.js"], startupProbeEnv(settings, upstream, transpile));
        return JSON.parse(result.stdout) as Probe;
    };
    const variants: readonly (readonly [ProbeTranspile, string])[] = [
        ["swc", "as committed (transpile-only, swc)"],
        ["typescript", "transpile-only, TypeScript's transpiler (before swc)"],
        ["typeCheck", "type-checking (before that; PULUMI_NODEJS_TRANSPILE_ONLY=false)"],
    ];
    progress("start-up", 0, options.startupRuns * variants.length, `warm-up of the ${biggest} program`);
    probe("swc"); // warm-up
    const startup = new Map<ProbeTranspile, Probe[]>(variants.map(([v]) => [v, []]));
    for (let round = 0; round < options.startupRuns; round++) {
        for (const [i, [v, label]] of variants.entries()) {
            progress("start-up", round * variants.length + i + 1, options.startupRuns * variants.length, label);
            startup.get(v)!.push(probe(v));
        }
    }
    console.log(
        `Start-up of the ${biggest} program as \`pulumi preview\` runs it (language host entry, ts-node from tsconfig.json, mocked engine)`,
    );
    console.log("  to first resource: from node's start to the program's first registration; to program end: to its last");
    console.log(
        `${renderTable([
            ["ts-node", "to first resource", "to program end"],
            ...variants.map(([v, label]) => [
                label,
                formatSummary(summarize(startup.get(v)!.map(s => s.firstRegistrationMs))),
                formatSummary(summarize(startup.get(v)!.map(s => s.doneMs))),
            ]),
        ])}\n`,
    );

    if (!options.skipSlow) {
        progress("checks", 1, 2, "tsc --noEmit");
        const tsc = timedNode([require.resolve("typescript/bin/tsc"), "--noEmit", "-p", "."]).ms;
        progress("checks", 2, 2, "the test suite (minutes)");
        const mocha = timedNode([require.resolve("mocha/bin/mocha.js"), "test/**/*.test.ts"]).ms;
        console.log("Checks (one run each)");
        console.log(
            `${renderTable([
                ["check", "wall"],
                ["type-check (tsc --noEmit)", formatSummary(summarize([tsc]))],
                ["test suite (mocha, all files)", formatSummary(summarize([mocha]))],
            ])}\n`,
        );
    }

    console.log(
        "Estimated deploy time: the longest chain of creations (bench/creationTimes.ts), resources in a chain wait for the one before;",
    );
    console.log('  each link: name (type, its creation time; "default estimate" where the table has no figure for the type)');
    for (const stack of stacks) {
        const cp = criticalPath(plans.get(stack)!);
        const chain = cp.chain
            .map(
                l => `${l.name} (${l.type.split(":").pop()}, ${formatDuration(l.time.seconds)}${l.time.known ? "" : ", default estimate"})`,
            )
            .join(" -> ");
        console.log(`  ${stack}: ${formatDuration(cp.seconds)}  ${chain}`);
        if (cp.unknownTypes.length > 0)
            console.log(`    no creation time for ${cp.unknownTypes.join(", ")}: add them to bench/creationTimes.ts`);
    }
    fs.rmSync(work, { recursive: true, force: true });
}

try {
    main();
} catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
}
