/**
 * The floor of the plan benchmark: the least a Pulumi program of that size can cost offline. A plain Node script
 * (no ts-node, no TypeScript, no source maps) that loads @pulumi/pulumi and @pulumi/aws, calls setMocks once with
 * mocks that echo their inputs, and registers as many plain resources (one provider, then IAM roles) as the plans
 * it stands beside hold in all. A role has 15 output properties, the SDK's cost per resource grows with them, and
 * the plans' AWS resources have 14 on average (a bucket has 28: it would flatter the plan). Whatever a plan costs
 * above this is transpiling, our program and the plan's own bookkeeping.
 *
 * Usage: node bench/floor.js <resources>   (scripts/bench.ts passes the resources a plan evaluates, upstream included)
 */
"use strict";
const aws = require("@pulumi/aws");
const pulumi = require("@pulumi/pulumi");
// Internal to the SDK, as in plan/run.ts: every pending registration has settled.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings");

const resources = Number(process.argv[2]);
if (!Number.isInteger(resources) || resources < 2) {
    process.stderr.write(`usage: node bench/floor.js <resources> (a whole number, at least 2; got ${process.argv[2]})\n`);
    process.exit(1);
}

const mocks = {
    newResource: args => ({ id: `${args.name}-id`, state: args.inputs }),
    call: args => args.inputs,
};

async function main() {
    await pulumi.runtime.setMocks(mocks, "floor", "floor", false);
    await pulumi.runtime.runInPulumiStack(async () => {
        // The stack resource is registered by runInPulumiStack itself; a provider and plain roles make up the rest.
        const provider = new aws.Provider("floor", { region: "eu-west-1" });
        const assumeRolePolicy = JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        for (let i = 0; i < resources - 2; i++) new aws.iam.Role(`floor-${i}`, { assumeRolePolicy }, { provider });
        return {};
    });
    await waitForRPCs();
}

main().catch(err => {
    process.stderr.write(`${(err && err.stack) || String(err)}\n`);
    process.exit(1);
});
