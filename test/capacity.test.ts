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
import { ipLimitPer5Minutes } from "../components/app/fairShareConfig";
import { capacityAdvisories, capacityOf, guardrailProfiles, lockedOut } from "../plan/capacity/guardrail";
import { ASSUMED_TIMINGS, FleetModel, LoadProfile, MAX_LATENCY_INFLATION, simulate, TIMINGS, wafLimitsFor } from "../plan/capacity/model";
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

    describe("the WAF rules in the model (an exact 5-minute count, acting after a delay)", () => {
        it("a rush within what the rules admit for it is not refused, from one address or many, with or without a tenant header", () => {
            fc.assert(
                fc.property(
                    fleetArb,
                    fc.double({ min: 0.01, max: 1, noNaN: true }),
                    fc.integer({ min: 1, max: 30 }),
                    fc.integer({ min: 0, max: 600 }),
                    fc.boolean(),
                    fc.boolean(),
                    fc.boolean(),
                    (f, fraction, addresses, rampSeconds, perAddress, tenantHeader, duringMonthEnd) => {
                        const base = fleetOf(f);
                        const fleet: FleetModel = {
                            ...base,
                            ipLimitPer5Minutes: ipLimitPer5Minutes({ ...base, requestsPerTarget: f.requestsPerTarget }),
                            tenantLimit: { limitPer5Minutes: f.limit, block: true, perAddress },
                        };
                        const rush = { requestsPerSecond: 1, multiplier: 1, startSecond: 60, rampSeconds, addresses, tenantHeader };
                        const peak = fraction * wafLimitsFor(fleet, { ...PROFILE, rush }).admitsPerSecond;
                        const profile: LoadProfile = {
                            ...PROFILE,
                            duringMonthEnd,
                            rush: { ...rush, requestsPerSecond: peak / 10, multiplier: 10 },
                        };
                        const result = simulate(fleet, profile);
                        assert.equal(result.throttledRequests, 0, `${JSON.stringify(fleet)} refused a rush of ${peak} requests/s`);
                        assert.ok(!lockedOut(result));
                    },
                ),
                { numRuns: 150 },
            );
        });

        it("the tenant rule omits requests without its key; the per-address ceiling still counts them", () => {
            const rush = { ...PROFILE.rush, requestsPerSecond: 10, multiplier: 10 }; // 100 requests/s, 30,000 per 5 minutes
            const fleet = fleetOf(SMALL, { ipLimitPer5Minutes: 100_000 }); // tenant key limit 10,000
            assert.ok(simulate(fleet, { ...PROFILE, rush }).throttledRequests > 0, "with the header: over its key limit");
            const headerless = { ...PROFILE, rush: { ...rush, tenantHeader: false } };
            assert.equal(simulate(fleet, headerless).throttledRequests, 0, "without it the tenant rule does not see it");
            assert.ok(simulate({ ...fleet, ipLimitPer5Minutes: 20_000 }, headerless).throttledRequests > 0, "the ceiling does");
        });

        it("a listed source is bounded by its allowance over all its addresses, not by the ceiling or the tenant rule", () => {
            const fleet = fleetOf(SMALL, { ipLimitPer5Minutes: 9_000, highVolumeSources: [{ name: "acme", limitPer5Minutes: 36_000 }] });
            const rush = { ...PROFILE.rush, requestsPerSecond: 10, multiplier: 10, addresses: 4, source: "acme" };
            const served = simulate(fleet, { ...PROFILE, rush: { ...rush, multiplier: 12 } }); // 120 requests/s: its allowance
            assert.equal(served.throttledRequests, 0);
            assert.equal(served.rushFairShareRequestsPerSecond, 120);
            // 4 addresses at 40 requests/s each: each under any per-address limit, together over the allowance.
            const over = simulate(fleet, { ...PROFILE, rush: { ...rush, multiplier: 16 } });
            assert.ok(over.throttledRequests > 0 && !lockedOut(over));
            assert.throws(() => simulate(fleet, { ...PROFILE, rush: { ...rush, source: "globex" } }), /"globex" is not listed/);
        });

        it("WAF acting later admits more of a rush over its limit, and the others feel it", () => {
            const fleet = fleetOf({ ...SMALL, extra: 0, warmPoolSize: 0 }, { ipLimitPer5Minutes: 6_000, tenantLimit: undefined });
            const rush = { ...PROFILE.rush, requestsPerSecond: 10, multiplier: 20 };
            const fast = simulate(fleet, { ...PROFILE, rush, wafDetectionSeconds: 30 });
            const slow = simulate(fleet, { ...PROFILE, rush, wafDetectionSeconds: 120 });
            assert.ok(slow.throttledRequests < fast.throttledRequests, `${slow.throttledRequests} >= ${fast.throttledRequests}`);
            assert.ok(slow.latencyInflation > fast.latencyInflation);
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
        it("protects the others in every guardrail rush, at both WAF delays, and serves what the rules admit", async () => {
            const plan = await committedPlanOf("prod");
            const results = capacityOf(plan, committedConfig("prod"), undefined, guardrailProfiles);
            const [fleet] = fleetsOf(plan, () => ({ serverRequestsPerSecond: 40 }));
            const kinds = [
                "month-end rush, from 1 address",
                "month-end rush, from 25 addresses",
                "one address without a tenant header at the per-address ceiling",
                "a tenant at its key limit",
                "unlisted one-address company",
            ];
            assert.equal(results.length, kinds.length * 2 * 2, results.map(r => r.profile).join("; "));
            for (const kind of kinds) {
                for (const window of ["inside", "outside"]) {
                    for (const delay of [30, 120]) {
                        const name = `${kind}, ${window} the month-end window, WAF acting after ${delay} s`;
                        assert.ok(
                            results.some(r => r.profile === name),
                            name,
                        );
                    }
                }
            }
            for (const result of results) {
                assert.ok(result.latencyInflation <= MAX_LATENCY_INFLATION, `${result.profile}: inflation ${result.latencyInflation}`);
                assert.ok(!lockedOut(result), `${result.profile}: ${result.throttledRequests} refused`);
                assert.ok(result.dbConnectionLimit === null || result.peakDbConnections <= result.dbConnectionLimit);
            }
            const at = (kind: string) => results.filter(r => r.profile.startsWith(kind));
            for (const r of at("one address without a tenant header")) {
                assert.equal(r.rushPeakRequestsPerSecond, fleet.ipLimitPer5Minutes / 300);
                assert.equal(r.throttledRequests, 0);
            }
            for (const r of at("a tenant at its key limit"))
                assert.equal(r.rushPeakRequestsPerSecond, fleet.tenantLimit!.limitPer5Minutes / 300);
            // The unlisted company is refused (reported by the capacity command), and the others do not feel it.
            for (const r of at("unlisted one-address company")) assert.ok(r.throttledRequests > 0.9 * r.rushRequests);
            assert.equal(capacityAdvisories(plan, committedConfig("prod")).length, 0);
        });

        it("GIVEN limits from the largest fleet (480, 240 per s) THEN one address without a tenant header slows the others", async () => {
            const config = withPath(
                withPath(committedConfig("prod"), ENVS, "production.app.rateLimitPer5Minutes", 144_000),
                ENVS,
                "production.app.tenantRateLimit",
                { limitPer5Minutes: 72_000 },
            );
            const advisories = capacityAdvisories(await planWithConfig("prod", writeStackFile(config)), config);
            const slowed = advisories.filter(a => a.rule === "capacity-month-end-rush").map(a => a.message);
            for (const window of ["inside", "outside"]) {
                const rush = `one address without a tenant header at the per-address ceiling, ${window} the month-end window`;
                assert.ok(
                    slowed.some(m => m.includes(rush)),
                    slowed.join("\n"),
                );
            }
            assert.ok(
                slowed.some(m => m.includes("a tenant at its key limit, outside the month-end window")),
                slowed.join("\n"),
            );
            assert.ok(advisories.every(a => a.level === "advisory" && a.urn !== null));
        });

        it("GIVEN a listed high-volume source THEN its rush at its allowance is served and the others are protected", async () => {
            const config = withPath(committedConfig("prod"), ENVS, "production.app.highVolumeSources", [
                { name: "acme", cidrs: ["203.0.113.7/32"], requestsPerSecond: 150 },
            ]);
            const plan = await planWithConfig("prod", writeStackFile(config));
            const sets = plan.resources.filter(r => r.type === "aws:wafv2/ipSet:IpSet");
            assert.deepEqual(
                sets.map(r => r.inputs.addresses),
                [["203.0.113.7/32"]],
            );
            const results = capacityOf(plan, config, undefined, guardrailProfiles).filter(r => r.profile.includes("source acme"));
            assert.equal(results.length, 4);
            for (const r of results) {
                assert.equal(r.rushPeakRequestsPerSecond, 150);
                assert.equal(r.throttledRequests, 0, r.profile);
                assert.ok(r.latencyInflation <= MAX_LATENCY_INFLATION, `${r.profile}: ${r.latencyInflation}`);
            }
            assert.deepEqual(capacityAdvisories(plan, config), []);
        });

        it("the configuration it replaced (floor twice the minimum, target tracking alone, tenant rule counting) would not", async () => {
            const [fleet] = fleetsOf(await planOf("prod"), () => ({ serverRequestsPerSecond: 40 }));
            const before: FleetModel = {
                ...fleet,
                monthEndMinSize: 2 * fleet.minSize,
                stepScaling: undefined,
                tenantLimit: fleet.tenantLimit && { ...fleet.tenantLimit, block: false },
            };
            // The default rush from many addresses: no per-address ceiling bounds it.
            const spread = { ...readProfile(), rush: { ...readProfile().rush, addresses: 25 } };
            assert.ok(simulate(before, spread).latencyInflation > MAX_LATENCY_INFLATION);
        });

        it("GIVEN the rush outside the month-end window, from many addresses THEN the guardrail sees what the window hid", async () => {
            // The fixture's prod tracks 1,000 requests per target: at the rush's start the fleet has too little headroom.
            const [fixture] = fleetsOf(await planOf("prod"), () => ({ serverRequestsPerSecond: 40 }));
            const names = guardrailProfiles(readProfile(), fixture).map(p => p.name);
            assert.ok(
                names.some(n => /from 25 addresses, outside the month-end window/.test(n)),
                names.join("; "),
            );
            const advisories = capacityAdvisories(await planOf("prod"), committedConfig("prod"));
            assert.ok(
                advisories.some(a =>
                    /from 25 addresses, outside the month-end window, WAF acting after 30 s slows the other tenants of production/.test(
                        a.message,
                    ),
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
            const found = guardrailProfiles(readProfile(), fleet).find(p => p.rush.addresses === 25 && !p.duringMonthEnd)!;
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
            // 50 requests/s at its peak, against a ceiling of 3.3 per address: refused, and reported.
            const refused = simulate(fleet, { ...PROFILE, rush: { ...PROFILE.rush, requestsPerSecond: 5 } });
            const text = renderCapacityText([refused]);
            assert.match(text, /rushing tenant throttled: +82,275 of 84,375 requests \(peak 50 requests\/s, the WAF rules admit 3\)\n/);
            // WAF's estimate is not the model's exact count: a rush within what the rules admit that was refused is named.
            const locked = renderCapacityText([{ ...refused, rushFairShareRequestsPerSecond: 60 }]);
            assert.match(locked, /\(peak 50 requests\/s, the WAF rules admit 60\) +\(locked out/);
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
