/**
 * The floor of the plan benchmark: a bare program that loads the same SDK classes as a plan and registers, under
 * the same mocks, as many plain resources as the plan did, in as many stack runs (the stack and its upstreams).
 * Whatever the real plan costs above this is our own program's overhead.
 *
 * Usage: ts-node --transpile-only bench/floor.ts <spec.json>   (spec: FloorSpec, written by scripts/bench.ts)
 */
import * as fs from "fs";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { isLogical } from "../plan/replay";

export interface FloorRun {
    readonly stack: string;
    readonly accountId: string;
    readonly region: string;
    /** Resources the stack's plan registered, the stack resource included. */
    readonly count: number;
    /** Resource types of the plan: their SDK classes are loaded, as the program loads them. */
    readonly types: readonly string[];
}

export interface FloorSpec {
    readonly project: string;
    /** Upstream stacks first, as the plan runs them. */
    readonly runs: readonly FloorRun[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

/** Touches the SDK class of a type token (aws:ec2/vpc:Vpc -> require("@pulumi/aws").ec2.Vpc), loading its module. */
function loadClass(type: string): void {
    const [pkg, modulePath, name] = type.split(":");
    if (!name || pkg === "pulumi" || isLogical(type)) return;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdk = require(`@pulumi/${pkg}`);
        const mod = modulePath.split("/")[0];
        void (mod === "index" ? sdk : sdk[mod])?.[name];
    } catch {
        // a package this machine lacks: nothing to load
    }
}

async function floorRun(project: string, run: FloorRun): Promise<void> {
    await pulumi.runtime.setMocks(new PlanMocks({ accountId: run.accountId, region: run.region }, new Map()), project, run.stack, false);
    await pulumi.runtime.runInPulumiStack(async () => {
        run.types.forEach(loadClass);
        // The stack resource is registered by runInPulumiStack itself; a provider and plain buckets make up the rest.
        const provider = new aws.Provider(`${run.stack}-floor`, { region: run.region as aws.Region, allowedAccountIds: [run.accountId] });
        for (let i = 0; i < run.count - 2; i++) new aws.s3.Bucket(`${run.stack}-floor-${i}`, {}, { provider });
        return {};
    });
    await waitForRPCs();
}

async function main(): Promise<void> {
    const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as FloorSpec;
    for (const run of spec.runs) await floorRun(spec.project, run);
}

main().catch(err => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
});
