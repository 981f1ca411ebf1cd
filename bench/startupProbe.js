/**
 * Start-up probe: runs the program the way `pulumi preview`/`pulumi up` do — through the Node.js language host's
 * own entry (@pulumi/pulumi/cmd/run), which registers ts-node from tsconfig.json and PULUMI_NODEJS_* variables —
 * but against a mock resource monitor instead of the engine. Prints, in ms since the parent spawned it, when the
 * program registered its first resource and when it finished, whether the host's ts-node type-checks and whether
 * it transpiles through swc.
 *
 * Plain JavaScript on purpose: a TypeScript probe would need ts-node registered before the host registers it.
 * Not measured (no CLI here): the CLI's own start, the gRPC connection to the engine, provider plugin start-up.
 *
 * Environment (set by scripts/bench.ts): PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS as the CLI sets them,
 * PULUMI_NODEJS_TYPESCRIPT, optionally PULUMI_NODEJS_TRANSPILE_ONLY, TWINE_PROBE_PROJECT, TWINE_PROBE_STACK,
 * TWINE_PROBE_ACCOUNT, TWINE_PROBE_REGION, TWINE_PROBE_UPSTREAM (JSON: stack name -> outputs),
 * TWINE_PROBE_SPAWNED_AT (Date.now() in the parent).
 */
"use strict";
const spawnedAt = Number(process.env.TWINE_PROBE_SPAWNED_AT || Date.now());
const since = () => Date.now() - spawnedAt;

const pulumi = require("@pulumi/pulumi");
const env = process.env;
const account = { accountId: env.TWINE_PROBE_ACCOUNT || "000000000000", region: env.TWINE_PROBE_REGION || "us-east-1" };
const upstream = JSON.parse(env.TWINE_PROBE_UPSTREAM || "{}");
let firstRegistration;
let registrations = 0;

/** Just enough answers for the program to run; correctness is the offline plan's job, not this probe's. */
const mocks = {
    newResource(args) {
        if (args.type !== "pulumi:pulumi:Stack" && firstRegistration === undefined) firstRegistration = since();
        registrations++;
        if (args.type === "pulumi:pulumi:StackReference") {
            const outputs = upstream[args.inputs.name];
            if (!outputs) throw new Error(`no outputs for ${args.inputs.name}`);
            return { id: args.inputs.name, state: { name: args.inputs.name, outputs, secretOutputNames: [] } };
        }
        const id = `${args.name}-0123456789abcdef`;
        return { id, state: { ...args.inputs, arn: `arn:aws:probe:${account.region}:${account.accountId}:${id}` } };
    },
    call(args) {
        const letters = "abcdef".split("");
        switch (args.token) {
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return {
                    names: letters.map(l => `${account.region}${l}`),
                    zoneIds: letters.map((_l, i) => `az${i + 1}`),
                    id: account.region,
                };
            case "aws:ec2/getAmi:getAmi":
                return { id: "ami-0123456789abcdef0", imageId: "ami-0123456789abcdef0" };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: account.accountId, id: account.accountId };
            default:
                return { id: args.token, name: account.region, region: account.region, partition: "aws" };
        }
    },
};

// The mock monitor stands in for the engine; "--monitor=mock" makes the host use it rather than dial gRPC.
pulumi.runtime.setMocks(mocks, env.TWINE_PROBE_PROJECT, env.TWINE_PROBE_STACK, true);

// When the event loop empties the program has finished and every registration has settled: report then, before
// the host's own exit handler asks the (absent) engine to shut down.
process.once("beforeExit", code => {
    // The ts-node instance the host registered, whether it type-checks, and whether swc transpiles.
    const tsNode = process[Symbol.for("ts-node.register.instance")];
    const result = {
        firstRegistrationMs: firstRegistration,
        doneMs: since(),
        registrations,
        typeCheck: tsNode ? !tsNode.options.transpileOnly : null,
        swc: tsNode ? tsNode.options.swc === true : null,
    };
    const failed = code !== 0 || firstRegistration === undefined || pulumi.log.hasErrors();
    if (failed) process.stderr.write("The program failed under the start-up probe's mocks (see above); its timings would mean nothing.\n");
    else process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(failed ? 1 : 0);
});

// The host's real entry, as the CLI starts it (minus the CLI's own flags it does not need here).
process.argv = [
    process.argv[0],
    require.resolve("@pulumi/pulumi/cmd/run"),
    "--monitor=mock",
    `--project=${env.TWINE_PROBE_PROJECT}`,
    `--stack=${env.TWINE_PROBE_STACK}`,
    "--dry-run",
    ".",
];
require("@pulumi/pulumi/cmd/run");
