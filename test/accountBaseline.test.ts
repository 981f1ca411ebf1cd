import { strict as assert } from "assert";
import { baselineNames, trailBucketPolicy, trailKeyPolicy } from "../components/account/accountBaseline";
import { parseStackConfig, withBaselineDefaults } from "../config";
import { deniesInsecureTransport } from "../policy/rules/storage";
import { fixtureConfig, problemsOf, withKey, writeStackFile } from "./helpers/config";
import { FIXTURES, STACKS, ancestors, ofType, planOf, planWithConfig } from "./helpers/plans";
import { evaluatePlan, projectPackSettings } from "../plan/policy";
import { loggingRules } from "../policy/rules/logging";
import { StackRule } from "../policy/rules/types";
import { GUARDDUTY_FEATURES } from "../components/account/accountBaseline";

const names = baselineNames({ accountId: "444444444444", region: "eu-west-1", label: "prod" });

describe("AccountBaseline", () => {
    describe("pure helpers", () => {
        it("derives stable, account-unique names", () => {
            assert.deepEqual(names, {
                trail: "twine-prod",
                trailArn: "arn:aws:cloudtrail:eu-west-1:444444444444:trail/twine-prod",
                bucket: "twine-cloudtrail-444444444444-eu-west-1",
                accessLogBucket: "twine-s3-access-logs-444444444444-eu-west-1",
                analyzer: "twine-prod-account",
                keyAlias: "alias/twine-prod-cloudtrail",
            });
        });
        it("lets only this trail write to the bucket, over TLS only", () => {
            const policy = trailBucketPolicy(names.bucket, "444444444444", names.trailArn);
            assert.ok(deniesInsecureTransport(JSON.stringify(policy)));
            const writes = policy.Statement.filter(s => s.Effect === "Allow");
            assert.deepEqual(
                writes.map(s => s.Principal),
                [{ Service: "cloudtrail.amazonaws.com" }, { Service: "cloudtrail.amazonaws.com" }],
            );
            for (const s of writes) assert.deepEqual(s.Condition, { StringEquals: { "aws:SourceArn": names.trailArn } });
            assert.equal(writes[1].Resource, `arn:aws:s3:::${names.bucket}/AWSLogs/444444444444/*`);
        });
        it("lets CloudTrail encrypt for this trail only, and only this account decrypt", () => {
            const policy = trailKeyPolicy("444444444444", "eu-west-1", names.trailArn);
            const encrypt = policy.Statement.find(s => s.Action === "kms:GenerateDataKey*")!;
            assert.equal((encrypt.Condition!.StringEquals as Record<string, string>)["aws:SourceArn"], names.trailArn);
            const decrypt = policy.Statement.find(s => Array.isArray(s.Action) && s.Action.includes("kms:Decrypt"))!;
            assert.equal((decrypt.Condition!.StringEquals as Record<string, string>)["kms:CallerAccount"], "444444444444");
        });
    });

    describe("config", () => {
        it("turns GuardDuty on by default in prod and bastion only, and keeps trails a year", () => {
            const allOff = Object.fromEntries(GUARDDUTY_FEATURES.map(f => [f, false]));
            assert.deepEqual(
                STACKS.map(s => withBaselineDefaults(s, undefined)),
                STACKS.map(s => ({ guardDuty: s === "prod" || s === "bastion", trailRetentionDays: 365, guardDutyFeatures: allOff })),
            );
            assert.deepEqual(withBaselineDefaults("dev", { guardDuty: true, trailRetentionDays: 90 }), {
                guardDuty: true,
                trailRetentionDays: 90,
                guardDutyFeatures: allOff,
            });
        });
        it("accepts a baseline section in every role", () => {
            for (const stack of STACKS) {
                const config = {
                    ...fixtureConfig(stack),
                    "twine-infra:baseline": JSON.stringify({ guardDuty: true, trailRetentionDays: 400 }),
                };
                assert.equal(parseStackConfig(stack, config).baseline?.trailRetentionDays, 400);
            }
        });
    });

    describe("account singletons an organization already made, and what a destroy leaves on", () => {
        const baselineOf = (stack: "bastion" | "prod", baseline: object) =>
            planWithConfig(stack, writeStackFile(withKey(fixtureConfig(stack), "twine-infra:baseline", baseline)));
        const DETECTOR = "0123456789abcdef0123456789abcdef";
        const ORG_TRAIL = "arn:aws:cloudtrail:us-east-1:111111111111:trail/aws-controltower-BaselineCloudTrail";

        it("states every optional GuardDuty plan, off unless configured (a new detector would turn each one on)", async () => {
            const plan = await baselineOf("prod", { guardDutyFeatures: { RDS_LOGIN_EVENTS: true } });
            const [detector] = ofType(plan, "aws:guardduty/detector:Detector");
            const features = ofType(plan, "aws:guardduty/detectorFeature:DetectorFeature");
            assert.deepEqual(features.map(f => f.inputs.name).sort(), [...GUARDDUTY_FEATURES].sort());
            assert.ok(features.every(f => f.parent === detector.urn));
            assert.deepEqual(
                features.filter(f => f.inputs.status === "ENABLED").map(f => f.inputs.name),
                ["RDS_LOGIN_EVENTS"],
            );
        });

        it("adopts an existing detector by config: creates none, and the pack still counts prod as running GuardDuty", async () => {
            const plan = await baselineOf("prod", { guardDutyDetectorId: DETECTOR });
            assert.equal(ofType(plan, "aws:guardduty/detector:Detector").length, 0);
            assert.equal(ofType(plan, "aws:guardduty/detectorFeature:DetectorFeature").length, 0);
            const violations = evaluatePlan(plan, projectPackSettings(FIXTURES)).filter(v => v.rule === "guardduty-1-enabled");
            assert.deepEqual(violations, []);
            assert.match(
                problemsOf(
                    "prod",
                    withKey(fixtureConfig("prod"), "twine-infra:baseline", { guardDuty: false, guardDutyDetectorId: DETECTOR }),
                )[0],
                /guardDutyDetectorId.*remove one of the two/,
            );
        });

        it("makes its own trail optional under an organization trail: no trail, trail key or trail bucket", async () => {
            const plan = await baselineOf("bastion", { organizationTrailArn: ORG_TRAIL });
            assert.equal(ofType(plan, "aws:cloudtrail/trail:Trail").length, 0);
            assert.ok(!ofType(plan, "aws:kms/key:Key").some(k => k.name === "bastion-baseline-trail-key"));
            assert.ok(!ofType(plan, "aws:s3/bucket:Bucket").some(b => b.name === "bastion-baseline-trail-logs"));
            assert.ok(
                ofType(plan, "aws:s3/bucket:Bucket").some(b => b.name === "bastion-baseline-s3-access-logs"),
                "access logs stay",
            );
            const violations = evaluatePlan(plan, projectPackSettings(FIXTURES)).filter(v => v.rule.startsWith("cloudtrail-"));
            assert.deepEqual(violations, []);
            assert.match(
                problemsOf(
                    "bastion",
                    withKey(fixtureConfig("bastion"), "twine-infra:baseline", { organizationTrailArn: ORG_TRAIL, trailRetentionDays: 400 }),
                )[0],
                /trailRetentionDays.*organization trail/,
            );
        });

        it("takes as an organization trail only one of another account: config refuses the stack's own, and so does the pack", () => {
            const own = "arn:aws:cloudtrail:eu-west-1:222222222222:trail/twine-bastion";
            assert.match(
                problemsOf("bastion", withKey(fixtureConfig("bastion"), "twine-infra:baseline", { organizationTrailArn: own }))[0],
                /baseline\.organizationTrailArn.*own account \(222222222222\)/,
            );
            const rule = loggingRules.find(r => r.name === "cloudtrail-1-multi-region-trail")!;
            assert.equal(rule.kind, "stack");
            const baseline = (organizationTrailArn: string) => ({
                type: "twine:index:AccountBaseline",
                urn: "urn:pulumi:bastion::twine-infra::twine:index:AccountBaseline::bastion-baseline",
                name: "bastion-baseline",
                props: { accountId: "222222222222", organizationTrailArn },
            });
            const check = (r: ReturnType<typeof baseline>) => (rule as StackRule).check([r], { settings: projectPackSettings(FIXTURES) });
            assert.deepEqual(check(baseline(ORG_TRAIL)), []);
            assert.equal(check(baseline(own)).length, 1, "a trail of the stack's own account is no evidence");
        });

        it("keeps the stack's own trail when it is deleted (naming an organization trail, a destroy): the audit log stays on", async () => {
            for (const stack of STACKS) {
                const trails = ofType(await planOf(stack), "aws:cloudtrail/trail:Trail");
                assert.equal(trails.length, 1, stack);
                assert.equal(trails[0].options.retainOnDelete, true, stack);
            }
        });

        for (const stack of STACKS) {
            it(`${stack}: a destroy or replacement switches no account protection off, nor strips a kept bucket`, async () => {
                const plan = await planOf(stack);
                const byName = new Map(plan.resources.map(r => [r.urn, r]));
                const singletons = [
                    "aws:ebs/encryptionByDefault:EncryptionByDefault",
                    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
                    "aws:guardduty/detector:Detector",
                ].flatMap(t => ofType(plan, t));
                const keptBuckets = ofType(plan, "aws:s3/bucket:Bucket").filter(
                    b => b.options.retainOnDelete && ancestors(plan, b).some(a => a.type === "twine:index:AccountBaseline"),
                );
                assert.ok(keptBuckets.length >= 1);
                const children = plan.resources.filter(r => r.parent && keptBuckets.some(b => b.urn === r.parent));
                assert.ok(children.length >= 6, `${children.length} children`);
                const notKept = [...singletons, ...children].filter(r => !r.options.retainOnDelete).map(r => `${r.type} ${r.name}`);
                assert.deepEqual(notKept, []);
                assert.ok(byName.size > 0);
            });
        }
    });

    describe("in the offline plans", () => {
        for (const stack of STACKS) {
            it(`${stack} has the baseline, under its component, with its own provider`, async () => {
                const plan = await planOf(stack);
                const [component] = ofType(plan, "twine:index:AccountBaseline");
                assert.ok(component, "no AccountBaseline");
                for (const type of [
                    "aws:ebs/encryptionByDefault:EncryptionByDefault",
                    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
                    "aws:cloudtrail/trail:Trail",
                    "aws:accessanalyzer/analyzer:Analyzer",
                ]) {
                    const [r] = ofType(plan, type);
                    assert.ok(r, `no ${type}`);
                    assert.ok(ancestors(plan, r).includes(component), `${type} is not under the baseline`);
                    assert.equal(r.provider, ofType(plan, "pulumi:providers:aws").find(p => p.name === stack)!.urn);
                }
                const [trail] = ofType(plan, "aws:cloudtrail/trail:Trail");
                const accountId = fixtureConfig(stack)["twine-infra:accountId"];
                assert.match(String(trail.inputs.kmsKeyId), new RegExp(`^arn:aws:kms:eu-west-1:${accountId}:key/`));
                assert.deepEqual(
                    [trail.inputs.isMultiRegionTrail, trail.inputs.enableLogFileValidation, trail.inputs.includeGlobalServiceEvents],
                    [true, true, true],
                );
                assert.equal(ofType(plan, "aws:guardduty/detector:Detector").length, stack === "prod" || stack === "bastion" ? 1 : 0);
                // Other components add keys and buckets: pick the baseline's own by name.
                const key = ofType(plan, "aws:kms/key:Key").find(k => k.name === `${stack}-baseline-trail-key`)!;
                const bucket = ofType(plan, "aws:s3/bucket:Bucket").find(b => b.name === `${stack}-baseline-trail-logs`)!;
                const prod = stack === "prod";
                assert.deepEqual(
                    [key.options.protect, bucket.options.protect, key.inputs.enableKeyRotation, bucket.inputs.forceDestroy],
                    [prod, prod, true, false],
                );
                const policy = ofType(plan, "aws:s3/bucketPolicy:BucketPolicy").find(p => p.name === `${stack}-baseline-trail-logs`)!;
                assert.equal(policy.inputs.bucket, bucket.inputs.bucket);
            });
        }
    });
});
