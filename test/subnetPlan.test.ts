import { strict as assert } from "assert";
import * as fc from "fast-check";
import { cidrContains, cidrsOverlap, formatCidr, mustParseCidr } from "../components/network/cidr";
import { SubnetPlanRequest, defaultTierPrefixes, planSubnets, subnetPlanProblems } from "../components/network/subnetPlan";

const TIERS = ["public", "private", "data"] as const;

function defaultRequest(vpcCidr: string, azCount: number, azSlots = 4): SubnetPlanRequest {
    const prefixes = defaultTierPrefixes(mustParseCidr(vpcCidr).prefix);
    return { vpcCidr, azCount, azSlots, tiers: TIERS.map(name => ({ name, prefix: prefixes[name] })) };
}

/** Random valid requests: a VPC from /16 to /24 somewhere in 10/8, 1-4 AZs, 1-4 tiers of sizes that may or may not fit. */
const requests = fc
    .record({
        second: fc.integer({ min: 0, max: 255 }),
        vpcPrefix: fc.integer({ min: 16, max: 24 }),
        azCount: fc.integer({ min: 1, max: 4 }),
        tierBits: fc.array(fc.integer({ min: 2, max: 8 }), { minLength: 1, maxLength: 4 }),
    })
    .map(({ second, vpcPrefix, azCount, tierBits }) => {
        const base = mustParseCidr(`10.${second}.0.0/16`).base;
        return {
            vpcCidr: formatCidr({ base, prefix: vpcPrefix }),
            azCount,
            azSlots: 4,
            tiers: tierBits.map((bits, i) => ({ name: `tier${i}`, prefix: Math.min(vpcPrefix + bits, 28) })),
        } satisfies SubnetPlanRequest;
    });

describe("subnet planner", () => {
    it("lays out the default tiers of a /16 across two AZs", () => {
        // GIVEN the dev VPC  WHEN planned  THEN each tier gets its own aligned block with one subnet per AZ
        const plan = planSubnets(defaultRequest("10.20.0.0/16", 2));
        assert.deepEqual(
            plan.tiers.map(t => [t.name, t.block, t.subnets]),
            [
                ["public", "10.20.0.0/19", ["10.20.0.0/21", "10.20.8.0/21"]],
                ["private", "10.20.128.0/17", ["10.20.128.0/19", "10.20.160.0/19"]],
                ["data", "10.20.32.0/19", ["10.20.32.0/21", "10.20.40.0/21"]],
            ],
        );
    });

    it("fits the small bastion VPC at AWS's smallest subnet size", () => {
        const plan = planSubnets(defaultRequest("10.10.0.0/24", 2));
        assert.deepEqual(
            plan.tiers.map(t => t.subnets),
            [
                ["10.10.0.0/28", "10.10.0.16/28"],
                ["10.10.0.128/27", "10.10.0.160/27"],
                ["10.10.0.64/28", "10.10.0.80/28"],
            ],
        );
    });

    it("says how much space is missing when the VPC is too small", () => {
        const problems = subnetPlanProblems({
            vpcCidr: "10.0.0.0/26",
            azCount: 2,
            azSlots: 4,
            tiers: [
                { name: "public", prefix: 28 },
                { name: "private", prefix: 28 },
            ],
        });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /tier "private" needs a \/26 block .* VPC 10\.0\.0\.0\/26 has 64 addresses and the tiers require 128/);
        assert.throws(
            () =>
                planSubnets({
                    vpcCidr: "10.0.0.0/26",
                    azCount: 2,
                    azSlots: 4,
                    tiers: [
                        { name: "a", prefix: 28 },
                        { name: "b", prefix: 28 },
                    ],
                }),
            /Invalid subnet plan/,
        );
    });

    it("refuses subnets smaller than AWS allows, slots that are not a power of two, and duplicate tiers", () => {
        assert.match(
            subnetPlanProblems({ vpcCidr: "10.0.0.0/16", azCount: 2, azSlots: 4, tiers: [{ name: "x", prefix: 29 }] })[0],
            /at most \/28/,
        );
        assert.match(
            subnetPlanProblems({ vpcCidr: "10.0.0.0/16", azCount: 2, azSlots: 3, tiers: [{ name: "x", prefix: 24 }] })[0],
            /power of two/,
        );
        assert.match(
            subnetPlanProblems({ vpcCidr: "10.0.0.0/16", azCount: 3, azSlots: 2, tiers: [{ name: "x", prefix: 24 }] })[0],
            /at least azCount/,
        );
        assert.match(
            subnetPlanProblems({
                vpcCidr: "10.0.0.0/16",
                azCount: 2,
                azSlots: 4,
                tiers: [
                    { name: "x", prefix: 24 },
                    { name: "x", prefix: 24 },
                ],
            })[0],
            /listed twice/,
        );
    });

    it("property: subnets never overlap and all lie inside the VPC", () => {
        fc.assert(
            fc.property(requests, request => {
                if (subnetPlanProblems(request).length > 0) return; // does not fit: covered by the next property
                const vpc = mustParseCidr(request.vpcCidr);
                const subnets = planSubnets(request).tiers.flatMap(t => t.subnets.map(mustParseCidr));
                assert.equal(subnets.length, request.azCount * request.tiers.length);
                subnets.forEach((s, i) => {
                    assert.ok(cidrContains(vpc, s), `${formatCidr(s)} outside ${request.vpcCidr}`);
                    subnets.slice(i + 1).forEach(t => assert.ok(!cidrsOverlap(s, t), `${formatCidr(s)} overlaps ${formatCidr(t)}`));
                });
            }),
            { numRuns: 500 },
        );
    });

    it("property: a request either plans or explains why not, never both", () => {
        fc.assert(
            fc.property(requests, request => {
                const problems = subnetPlanProblems(request);
                if (problems.length === 0) assert.doesNotThrow(() => planSubnets(request));
                else assert.throws(() => planSubnets(request), /Invalid subnet plan/);
            }),
            { numRuns: 300 },
        );
    });

    it("property: appending a tier moves no existing subnet", () => {
        fc.assert(
            fc.property(requests, fc.integer({ min: 2, max: 8 }), (request, bits) => {
                if (subnetPlanProblems(request).length > 0) return;
                const vpcPrefix = mustParseCidr(request.vpcCidr).prefix;
                const grown = { ...request, tiers: [...request.tiers, { name: "extra", prefix: Math.min(vpcPrefix + bits, 28) }] };
                if (subnetPlanProblems(grown).length > 0) return;
                assert.deepEqual(planSubnets(grown).tiers.slice(0, request.tiers.length), planSubnets(request).tiers);
            }),
            { numRuns: 500 },
        );
    });

    it("property: adding an AZ within the reserved slots moves no existing subnet", () => {
        fc.assert(
            fc.property(requests, request => {
                if (request.azCount >= request.azSlots || subnetPlanProblems(request).length > 0) return;
                const before = planSubnets(request).tiers;
                const after = planSubnets({ ...request, azCount: request.azCount + 1 }).tiers;
                before.forEach((tier, i) => assert.deepEqual(after[i].subnets.slice(0, request.azCount), tier.subnets));
            }),
            { numRuns: 500 },
        );
    });
});
