/**
 * The capacity model: its properties over random fleets, the committed prod configuration under the default
 * month-end rush (an invariant: the other tenants are protected), the configuration it replaced, the advisory
 * guardrail, malformed profiles, and the command's JSON and SVG.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fleetsOf } from "../plan/capacity/fromPlan";
import { capacityAdvisories, capacityOf } from "../plan/capacity/guardrail";
import { FleetModel, LoadProfile, MAX_LATENCY_INFLATION, simulate } from "../plan/capacity/model";
import { readProfile } from "../plan/capacity/profile";
import { InputError } from "../plan/inputError";
import { committedConfig, REPO, withPath, writeStackFile } from "./helpers/config";
import { planOf, planWithConfig } from "./helpers/plans";

const ENVS = "twine-infra:environments";
const PROFILE: LoadProfile = {
    name: "test rush",
    durationSeconds: 1800,
    stepSeconds: 10,
    duringMonthEnd: false,
    others: { tenants: 30, requestsPerSecond: 2 },
    rush: { requestsPerSecond: 10, multiplier: 10, startSecond: 60, rampSeconds: 120, addresses: 1 },
};

const fleetArb = fc.record({
    minSize: fc.integer({ min: 1, max: 6 }),
    extra: fc.integer({ min: 0, max: 20 }),
    serverRequestsPerSecond: fc.integer({ min: 10, max: 80 }),
    requestsPerTarget: fc.integer({ min: 300, max: 2000 }),
    warmPoolSize: fc.integer({ min: 0, max: 6 }),
    limit: fc.integer({ min: 1000, max: 200_000 }),
    block: fc.boolean(),
});
type FleetInput = {
    minSize: number;
    extra: number;
    serverRequestsPerSecond: number;
    requestsPerTarget: number;
    warmPoolSize: number;
    limit: number;
    block: boolean;
};
const fleetOf = (f: FleetInput, over: Partial<FleetModel> = {}): FleetModel => ({
    environment: "e",
    instanceType: "m7i.large",
    minSize: f.minSize,
    maxSize: f.minSize + f.extra,
    serverRequestsPerSecond: f.serverRequestsPerSecond,
    targetTracking: { requestsPerTarget: f.requestsPerTarget, periodSeconds: 60 },
    warmPoolSize: f.warmPoolSize,
    tenantLimit: { limitPer5Minutes: f.limit, block: f.block, perAddress: true },
    ipLimitPer5Minutes: 100_000,
    ...over,
});
const totalCapacity = (f: FleetModel) => simulate(f, PROFILE).steps.reduce((s, x) => s + x.capacity, 0);

describe("capacity model", () => {
    describe("properties", () => {
        it("a larger warm pool is never slower to meet demand", () => {
            fc.assert(
                fc.property(fleetArb, fc.integer({ min: 1, max: 6 }), (f, more) => {
                    const small = simulate(fleetOf(f), PROFILE);
                    const large = simulate(fleetOf(f, { warmPoolSize: f.warmPoolSize + more }), PROFILE);
                    assert.ok(large.saturatedMinutes <= small.saturatedMinutes + 1e-9);
                    if (small.secondsToMeetDemand !== null)
                        assert.ok(large.secondsToMeetDemand !== null && large.secondsToMeetDemand <= small.secondsToMeetDemand);
                }),
                { numRuns: 100 },
            );
        });
        it("a higher maximum never gives less capacity", () => {
            fc.assert(
                fc.property(fleetArb, fc.integer({ min: 1, max: 10 }), (f, more) => {
                    const base = fleetOf(f);
                    assert.ok(totalCapacity({ ...base, maxSize: base.maxSize + more }) >= totalCapacity(base));
                }),
                { numRuns: 100 },
            );
        });
        it("a tighter per-tenant limit never hurts the other tenants more", () => {
            fc.assert(
                fc.property(fleetArb, fc.integer({ min: 1, max: 100_000 }), (f, tighter) => {
                    const loose = simulate(fleetOf({ ...f, block: true }), PROFILE);
                    const tight = simulate(fleetOf({ ...f, block: true, limit: Math.max(10, f.limit - tighter) }), PROFILE);
                    assert.ok(
                        tight.latencyInflation <= loose.latencyInflation + 1e-9,
                        `${tight.latencyInflation} > ${loose.latencyInflation}`,
                    );
                }),
                { numRuns: 100 },
            );
        });
    });

    describe("the committed prod configuration", () => {
        it("protects the other tenants in the default month-end rush", async () => {
            const [result] = capacityOf(await planOf("prod"), committedConfig("prod"));
            assert.ok(result.latencyInflation <= MAX_LATENCY_INFLATION, `inflation ${result.latencyInflation}`);
            assert.ok(result.dbConnectionLimit === null || result.peakDbConnections <= result.dbConnectionLimit);
            assert.equal(capacityAdvisories(await planOf("prod"), committedConfig("prod")).length, 0);
        });

        it("the configuration it replaced (floor twice the minimum, target tracking alone, tenant rule counting) would not", async () => {
            const [fleet] = fleetsOf(await planOf("prod"), () => ({ serverRequestsPerSecond: 40 }));
            const before: FleetModel = {
                ...fleet,
                monthEndMinSize: 2 * fleet.minSize,
                stepScaling: undefined,
                tenantLimit: fleet.tenantLimit && { ...fleet.tenantLimit, block: false },
            };
            assert.ok(simulate(before, readProfile()).latencyInflation > MAX_LATENCY_INFLATION);
        });

        it("GIVEN prod with the old month-end floor and no step scaling THEN the plan carries the advisory", async () => {
            const config = withPath(committedConfig("prod"), ENVS, "production.app.monthEnd", { minSize: 4 });
            const file = writeStackFile(config);
            const advisories = capacityAdvisories(await planWithConfig("prod", file), config);
            assert.equal(advisories.length, 1);
            assert.equal(advisories[0].level, "advisory");
            assert.match(advisories[0].message, /slows the other tenants of production by/);
        });
    });

    describe("load profiles", () => {
        const write = (text: string) => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-profile-")), "rush.yaml");
            fs.writeFileSync(file, text);
            return file;
        };
        it("refuses a malformed profile with the file, the line, the key and the fix", () => {
            const good = fs.readFileSync(path.join(REPO, "plan", "capacity", "month-end-rush.yaml"), "utf8");
            const file = write(good.replace("stepSeconds: 10", "stepSeconds: 600").replace("addresses: 1", "adresses: 1"));
            assert.throws(
                () => readProfile(file),
                (err: unknown) => {
                    assert.ok(err instanceof InputError);
                    assert.match(err.message, /rush\.yaml:\d+: stepSeconds = 600: .*Fix: use a step of 1 to 60 seconds/);
                    assert.match(err.message, /rush: .*adresses.*Fix:/s);
                    return true;
                },
            );
            assert.throws(() => readProfile(write("name: [unclosed")), /not YAML/);
        });
    });

    describe("the command", () => {
        it("prints JSON for machines and draws an SVG", () => {
            const svg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-capacity-")), "prod.svg");
            const result = spawnSync(
                "node",
                [path.join(REPO, "scripts", "twine-infra.js"), "capacity", "prod", "--format", "json", "--svg", svg],
                {
                    encoding: "utf8",
                    cwd: REPO,
                },
            );
            assert.equal(result.status, 0, result.stderr);
            const [prod] = JSON.parse(result.stdout);
            assert.equal(prod.environment, "production");
            for (const key of [
                "secondsToMeetDemand",
                "saturatedMinutes",
                "throttledRequests",
                "latencyInflation",
                "peakDbConnections",
                "cost",
            ])
                assert.ok(key in prod, key);
            assert.match(fs.readFileSync(svg, "utf8"), /^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
        });
        it("refuses a missing profile before planning, exit 2", () => {
            const result = spawnSync("node", [path.join(REPO, "scripts", "twine-infra.js"), "capacity", "prod", "--profile", "nope.yaml"], {
                encoding: "utf8",
                cwd: REPO,
            });
            assert.equal(result.status, 2);
            assert.match(result.stderr, /nope\.yaml: --profile: the file does not exist\. Fix: check the path/);
        });
    });
});
