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
import { fairShareLimitPer5Minutes, ipLimitPer5Minutes, tenantRequestsPerSecond } from "../components/app/fairShareConfig";
import { capacityAdvisories, capacityOf, guardrailProfiles, lockedOut } from "../plan/capacity/guardrail";
import { ASSUMED_TIMINGS, FleetModel, LoadProfile, MAX_LATENCY_INFLATION, simulate, TIMINGS } from "../plan/capacity/model";
import { renderCapacityText } from "../scripts/capacity";
import { readProfile } from "../plan/capacity/profile";
import { InputError } from "../plan/inputError";
import { committedConfig, REPO, withPath, writeStackFile } from "./helpers/config";
import { committedPlanOf, planOf, planWithConfig } from "./helpers/plans";

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
const SMALL: FleetInput = {
    minSize: 2,
    extra: 4,
    serverRequestsPerSecond: 40,
    requestsPerTarget: 900,
    warmPoolSize: 1,
    limit: 10_000,
    block: true,
};
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

    describe("limits that follow the largest fleet", () => {
        it("never lock out a tenant whose demand fits the fleet's maximum, from one address or many, either scope", () => {
            fc.assert(
                fc.property(
                    fleetArb,
                    fc.double({ min: 0.01, max: 1, noNaN: true }),
                    fc.integer({ min: 1, max: 30 }),
                    fc.integer({ min: 0, max: 600 }),
                    fc.boolean(),
                    fc.boolean(),
                    (f, fraction, addresses, rampSeconds, perAddress, duringMonthEnd) => {
                        const base = fleetOf(f);
                        const derived: FleetModel = {
                            ...base,
                            ipLimitPer5Minutes: ipLimitPer5Minutes(base),
                            tenantLimit: { limitPer5Minutes: fairShareLimitPer5Minutes(base), block: true, perAddress },
                        };
                        // Any demand up to its fair share (a quarter) of what the largest fleet serves, from a normal tenth of it.
                        const peak = (fraction * base.maxSize * base.serverRequestsPerSecond) / 4;
                        const profile: LoadProfile = {
                            ...PROFILE,
                            duringMonthEnd,
                            rush: { requestsPerSecond: peak / 10, multiplier: 10, startSecond: 60, rampSeconds, addresses },
                        };
                        const result = simulate(derived, profile);
                        assert.equal(result.throttledRequests, 0, `${JSON.stringify(derived)} refused a rush of ${peak} requests/s`);
                    },
                ),
                { numRuns: 150 },
            );
        });

        it("refuse, and the guardrail names, a rush beyond the fair share, which a fixed lower limit would lock out", () => {
            const base = fleetOf(SMALL);
            const derived: FleetModel = {
                ...base,
                ipLimitPer5Minutes: ipLimitPer5Minutes(base),
                tenantLimit: { limitPer5Minutes: fairShareLimitPer5Minutes(base), block: true, perAddress: true },
            };
            const fits = tenantRequestsPerSecond(base);
            const over = simulate(derived, { ...PROFILE, rush: { ...PROFILE.rush, requestsPerSecond: (2 * fits) / 10 } });
            assert.ok(over.throttledRequests > 0 && !lockedOut(over), "twice the fair share does not fit: refused, not a lockout");
            const fixed = simulate(
                { ...derived, ipLimitPer5Minutes: Math.floor(fits * 300 * 0.9) },
                { ...PROFILE, rush: { ...PROFILE.rush, requestsPerSecond: fits / 10 } },
            );
            assert.ok(lockedOut(fixed), "a limit below the fair share locks out a tenant that fits");
        });
    });

    it("holds a server added from the warm pool on the boot hook before its health checks", () => {
        const fleet = fleetOf({ ...SMALL, extra: 20 }, { tenantLimit: undefined });
        const steps = simulate(fleet, PROFILE).steps;
        const asked = steps.findIndex(s => s.desired > steps[0].desired);
        const joined = steps.findIndex(s => s.inService > steps[0].inService);
        assert.ok(asked > 0 && joined > asked);
        const wait = TIMINGS.warmStart + TIMINGS.bootHookCompletion + TIMINGS.healthCheck;
        assert.equal(steps[joined].t - steps[asked].t, Math.ceil(wait / PROFILE.stepSeconds) * PROFILE.stepSeconds);
    });

    describe("the committed prod configuration", () => {
        it("serves the rushing tenant, protects the others: the default rush from 1 address or 25, the one-address rush", async () => {
            const results = capacityOf(await committedPlanOf("prod"), committedConfig("prod"), undefined, guardrailProfiles);
            assert.equal(results.length, 6);
            const oneAddress = results.filter(r => r.profile.startsWith("one-address rush"));
            assert.deepEqual(
                oneAddress.map(r => [r.rushPeakRequestsPerSecond, /inside/.test(r.profile)]),
                [
                    [200, true],
                    [200, false],
                ],
            );
            for (const result of results) {
                assert.ok(result.latencyInflation <= MAX_LATENCY_INFLATION, `${result.profile}: inflation ${result.latencyInflation}`);
                assert.ok(result.rushPeakRequestsPerSecond <= result.rushFairShareRequestsPerSecond, `${result.profile} fits`);
                assert.ok(!lockedOut(result), `${result.profile}: ${result.throttledRequests} refused`);
                assert.ok(result.dbConnectionLimit === null || result.peakDbConnections <= result.dbConnectionLimit);
            }
            assert.equal(capacityAdvisories(await committedPlanOf("prod"), committedConfig("prod")).length, 0);
        });

        it("GIVEN limits from the minimum fleet (75, 37.5 per s) THEN the guardrail names the one-address rush locked out", async () => {
            const config = withPath(
                withPath(committedConfig("prod"), ENVS, "production.app.rateLimitPer5Minutes", 22_500),
                ENVS,
                "production.app.tenantRateLimit",
                { limitPer5Minutes: 11_250 },
            );
            const advisories = capacityAdvisories(await planWithConfig("prod", writeStackFile(config)), config);
            const locked = advisories.filter(a => a.rule === "capacity-tenant-locked-out");
            assert.ok(
                locked.some(a =>
                    /one-address rush, outside the month-end window has the rushing tenant of production refused 740000 /.test(a.message),
                ),
                advisories.map(a => a.message).join("\n"),
            );
            assert.ok(locked.every(a => a.level === "advisory" && a.urn !== null));
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

        it("GIVEN the rush outside the month-end window, from many addresses THEN the guardrail sees what the window hid", async () => {
            // The fixture's prod tracks 1,000 requests per target: at the rush's start the fleet has too little headroom.
            const names = guardrailProfiles(readProfile()).map(p => p.name);
            assert.ok(
                names.some(n => /outside the month-end window, from 25 addresses/.test(n)),
                names.join("; "),
            );
            const advisories = capacityAdvisories(await planOf("prod"), committedConfig("prod"));
            assert.ok(
                advisories.some(a =>
                    /outside the month-end window, from 25 addresses slows the other tenants of production/.test(a.message),
                ),
                advisories.map(a => a.message).join("\n"),
            );
            assert.ok(advisories.every(a => a.level === "advisory"));
            // Inside the window the floor carries it: the figure the default profile alone showed.
            assert.ok(advisories.every(a => !/inside the month-end window/.test(a.message)));
        });

        it("GIVEN prod with the old request target (1,000 per target) THEN the plan carries the advisory", async () => {
            const config = withPath(committedConfig("prod"), ENVS, "production.app.scaling", {
                requestsPerTarget: 1000,
                cpuUtilizationPercent: 60,
            });
            const file = writeStackFile(config);
            const advisories = capacityAdvisories(await planWithConfig("prod", file), config);
            assert.ok(advisories.length >= 1);
            assert.equal(advisories[0].level, "advisory");
            assert.match(advisories[0].message, /slows the other tenants of production by/);
        });

        it("a tenant behind many addresses is bounded by a signed key, not by tenant and address", async () => {
            const [fleet] = fleetsOf(await planOf("prod"), () => ({ serverRequestsPerSecond: 40 }));
            // 400 requests/s over 25 addresses: 16 from each, above the tenant's fair share (240) in total.
            const found = guardrailProfiles(readProfile()).find(p => p.rush.addresses === 25 && !p.duringMonthEnd)!;
            const spread = { ...found, rush: { ...found.rush, multiplier: 20 } };
            const perAddress = simulate({ ...fleet, tenantLimit: { ...fleet.tenantLimit!, perAddress: true } }, spread);
            const signed = simulate({ ...fleet, tenantLimit: { ...fleet.tenantLimit!, perAddress: false } }, spread);
            assert.equal(perAddress.throttledRequests, 0, "25 addresses, each under the limit: the tenant's total is unbounded");
            assert.ok(signed.throttledRequests > 0);
            assert.ok(signed.latencyInflation < perAddress.latencyInflation);
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
        it("prints the timings it assumes without an AWS source beside its results, as the docs mark them", () => {
            const text = renderCapacityText([simulate(fleetOf({ ...SMALL }), PROFILE)]);
            const docs = fs.readFileSync(path.join(REPO, "docs", "app-tier.md"), "utf8");
            for (const key of ["warmStart", "coldStart", "bootHookCompletion", "standardMetricDelay"] as const) {
                assert.ok(ASSUMED_TIMINGS.includes(key), key);
                assert.match(text, new RegExp(`^Assumed, no AWS source \\(seconds\\): .*\\b${key} ${TIMINGS[key]}\\b`, "m"));
            }
            assert.ok((docs.match(/\*\*assumption\*\*/g) ?? []).length >= ASSUMED_TIMINGS.length, "each assumed timing marked in the docs");
        });
        it("prints the rushing tenant's refused requests against what it sent, and says when it was locked out", () => {
            const fleet = fleetOf({ ...SMALL }, { ipLimitPer5Minutes: 1000, tenantLimit: undefined });
            // 50 requests/s at its peak, within its fair share of 6 servers at 40 (60), against a ceiling of 3.3 per address.
            const text = renderCapacityText([simulate(fleet, { ...PROFILE, rush: { ...PROFILE.rush, requestsPerSecond: 5 } })]);
            assert.match(text, /rushing tenant throttled: +[\d,]+ of [\d,]+ requests \(peak 50 requests\/s, fair share 60\) +\(locked out/);
        });
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
