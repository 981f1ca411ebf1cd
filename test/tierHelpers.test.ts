import { strict as assert } from "assert";
import fc from "fast-check";
import { loadBalancerNameProblems, stacksSharingAnAccount } from "../components/account/awsNameConfig";
import { appConnectStatement, dbUserArn, secretReadStatements } from "../components/data/databaseAccessPolicy";
import { MinSizeAction, monthEdgeWorkingDays, monthEndActions, monthEndWindowProblems } from "../components/app/monthEndScheduleConfig";
import { warmPoolArgs, warmPoolProblems, warmPoolSize } from "../components/app/warmPoolConfig";
import {
    BODY_RULES,
    TENANT_OVER_LIMIT_LABEL,
    oversizeBodyStatement,
    webAclRuleProblems,
    webAclRules,
} from "../components/app/webAclConfig";
import {
    FAIR_SHARE,
    fairShareLimitPer5Minutes,
    ipLimitPer5Minutes,
    tenantRequestsPerSecond,
    WAF_ESTIMATE_MARGIN,
} from "../components/app/fairShareConfig";
import { allowancePer5Minutes } from "../components/app/highVolumeSourceConfig";
import { appTierProblems, withAppTierDefaults } from "../config/appTier";

/** Expands one cron field ("1-4", "26-31", "1,3,5", "*") into the values it matches. */
function cronField(field: string, lo: number, hi: number): Set<number> {
    const out = new Set<number>();
    for (const part of field.split(",")) {
        if (part === "*") for (let v = lo; v <= hi; v++) out.add(v);
        else {
            const [a, b] = part.split("-").map(Number);
            for (let v = a; v <= (b ?? a); v++) out.add(v);
        }
    }
    return out;
}

/** Whether a five-field cron (minute 0 only, day-of-week *) fires at this local day and hour. */
function fires(action: MinSizeAction, month: number, day: number, hour: number): boolean {
    const [minute, hours, days, months, weekdays] = action.recurrence.split(" ");
    assert.equal(minute, "0");
    assert.equal(weekdays, "*", "a restricted day-of-week would be OR-ed with the day of month by cron");
    return cronField(hours, 0, 23).has(hour) && cronField(days, 1, 31).has(day) && cronField(months, 1, 12).has(month);
}

describe("tier helpers", () => {
    describe("WAF rules", () => {
        const base = { rateLimitPer5Minutes: 100_000, managedRuleGroups: ["AWSManagedRulesCommonRuleSet"], metricPrefix: "x" };

        it("counts the common rule set's 8 KB body rule instead of blocking every receipt upload", () => {
            const [, common] = webAclRules(base);
            assert.equal(common.name, "AWSManagedRulesCommonRuleSet");
            assert.deepEqual((common.statement as any).managedRuleGroupStatement.ruleActionOverrides, [
                { name: "SizeRestrictions_BODY", actionToUse: { count: {} } },
            ]);
        });

        it("keys the per-tenant rule on the Host header, counting by default with metrics and a label", () => {
            const rules = webAclRules({
                ...base,
                tenantRateLimit: { key: { host: true }, scope: "signed", limitPer5Minutes: 20_000, action: "count" },
            });
            const tenant = rules.find(r => r.name === "per-tenant-rate-limit")!;
            assert.deepEqual(
                rules.map(r => r.name),
                ["per-client-rate-limit", "per-tenant-rate-limit", "AWSManagedRulesCommonRuleSet"],
            );
            assert.deepEqual(
                rules.map(r => r.priority),
                [0, 1, 2],
            );
            assert.deepEqual(tenant.action, { count: {} });
            assert.deepEqual(tenant.ruleLabels, [{ name: TENANT_OVER_LIMIT_LABEL }]);
            assert.deepEqual((tenant.statement as any).rateBasedStatement, {
                limit: 20_000,
                aggregateKeyType: "CUSTOM_KEYS",
                evaluationWindowSec: 300,
                customKeys: [{ header: { name: "host", textTransformations: [{ priority: 0, type: "LOWERCASE" }] } }],
            });
            assert.equal((tenant.visibilityConfig as any).cloudwatchMetricsEnabled, true);
        });

        it("can key on a header or a cookie, and block with 429 when asked", () => {
            const header = webAclRules({
                ...base,
                tenantRateLimit: { key: { header: "X-Twine-Tenant" }, scope: "signed", limitPer5Minutes: 50, action: "block" },
            })[1];
            assert.deepEqual((header.statement as any).rateBasedStatement.customKeys, [
                { header: { name: "x-twine-tenant", textTransformations: [{ priority: 0, type: "NONE" }] } },
            ]);
            assert.deepEqual(header.action, { block: { customResponse: { responseCode: 429 } } });
            const cookie = webAclRules({
                ...base,
                tenantRateLimit: { key: { cookie: "twine_tenant" }, scope: "signed", limitPer5Minutes: 50, action: "count" },
            })[1];
            assert.deepEqual((cookie.statement as any).rateBasedStatement.customKeys, [
                { cookie: { name: "twine_tenant", textTransformations: [{ priority: 0, type: "NONE" }] } },
            ]);
        });

        it("limits bodies on every path but the upload prefixes, within three levels of nesting", () => {
            const one = oversizeBodyStatement({ maxBytes: 8192, uploadPathPrefixes: ["/api/receipts"], blockedPathPrefixes: [] }) as any;
            assert.equal(one.andStatement.statements[0].sizeConstraintStatement.size, 8192);
            assert.equal(one.andStatement.statements[0].sizeConstraintStatement.fieldToMatch.body.oversizeHandling, "MATCH");
            assert.equal(one.andStatement.statements[1].notStatement.statement.byteMatchStatement.searchString, "/api/receipts");
            const two = oversizeBodyStatement({
                maxBytes: 4096,
                uploadPathPrefixes: ["/api/receipts", "/api/attachments"],
                blockedPathPrefixes: [],
            }) as any;
            assert.equal(two.andStatement.statements[1].notStatement.statement.orStatement.statements.length, 2);
            const none = oversizeBodyStatement({ maxBytes: 4096, uploadPathPrefixes: [], blockedPathPrefixes: [] }) as any;
            assert.ok(none.sizeConstraintStatement);
        });

        it("keys the per-tenant counter by tenant and client IP, so a forged tenant header spends only the forger's budget", () => {
            const prod = withAppTierDefaults("prod", "production");
            const tenant = webAclRules({ ...base, tenantRateLimit: prod.tenantRateLimit }).find(r => r.name === "per-tenant-rate-limit")!;
            const keys = (tenant.statement as any).rateBasedStatement.customKeys;
            assert.deepEqual(keys, [
                { header: { name: "x-twine-tenant", textTransformations: [{ priority: 0, type: "NONE" }] } },
                { ip: {} },
            ]);
            // Blocking in prod by default, at the fair share of the per-address ceiling (fairShareConfig.ts).
            assert.deepEqual(tenant.action, { block: { customResponse: { responseCode: 429 } } });
            const share = fairShareLimitPer5Minutes({ ...prod, requestsPerTarget: prod.scaling.requestsPerTarget });
            assert.equal((tenant.statement as any).rateBasedStatement.limit, share);
            assert.equal(withAppTierDefaults("dev", "integration").tenantRateLimit!.action, "count");
        });

        it("derives the per-address ceiling from what the minimum fleet absorbs before a scale-out, less WAF's margin", () => {
            for (const role of ["dev", "prod"] as const) {
                const app = withAppTierDefaults(role, "e");
                const headroom = app.minSize * (app.serverRequestsPerSecond - app.scaling.requestsPerTarget! / 60);
                assert.ok(
                    app.rateLimitPer5Minutes <= headroom * (1 - WAF_ESTIMATE_MARGIN) * 300,
                    `${role}: within the headroom, less the margin`,
                );
                assert.ok(app.rateLimitPer5Minutes > headroom * (1 - WAF_ESTIMATE_MARGIN) * 300 - 1);
                assert.ok(app.tenantRateLimit!.limitPer5Minutes <= app.rateLimitPer5Minutes * FAIR_SHARE, `${role}: a key's fair share`);
                // The largest fleet does not raise them: WAF cannot tell a one-NAT company from an abuser at one address.
                const larger = withAppTierDefaults(role, "e", { maxSize: app.maxSize * 4 });
                assert.equal(larger.rateLimitPer5Minutes, app.rateLimitPer5Minutes);
                const floor = withAppTierDefaults(role, "e", { minSize: app.minSize + 1, maxSize: app.maxSize + 1 });
                assert.ok(floor.rateLimitPer5Minutes > app.rateLimitPer5Minutes, `${role}: a larger floor absorbs more`);
            }
            assert.equal(ipLimitPer5Minutes({ minSize: 3, serverRequestsPerSecond: 40, requestsPerTarget: 900 }), 3 * 25 * 0.8 * 300);
            assert.equal(
                fairShareLimitPer5Minutes({ minSize: 3, serverRequestsPerSecond: 40, requestsPerTarget: 900 }),
                3 * 25 * 0.4 * 300,
            );
            assert.equal(tenantRequestsPerSecond({ minSize: 3, serverRequestsPerSecond: 40, requestsPerTarget: 900 }), 30);
            // An estimate: rounded down, and never below WAF's floor of 10.
            assert.equal(fairShareLimitPer5Minutes({ minSize: 1, serverRequestsPerSecond: 0.26 }), 31);
            assert.equal(ipLimitPer5Minutes({ minSize: 1, serverRequestsPerSecond: 0.01 }), 10);
        });

        it("the per-address ceiling binds every request, with or without a tenant header", () => {
            const prod = withAppTierDefaults("prod", "production");
            const rules = webAclRules({ ...base, rateLimitPer5Minutes: prod.rateLimitPer5Minutes, tenantRateLimit: prod.tenantRateLimit });
            const ceiling = (rules[0].statement as any).rateBasedStatement;
            assert.equal(rules[0].name, "per-client-rate-limit");
            // IP aggregation with no scope-down: every request counts (the tenant rule omits those missing its key).
            assert.deepEqual(ceiling, { limit: prod.rateLimitPer5Minutes, aggregateKeyType: "IP", evaluationWindowSec: 300 });
            assert.deepEqual(rules[0].action, { block: {} });
        });

        it("a listed high-volume source has its own allowance; the ceiling and the tenant rule leave its addresses out", () => {
            const prod = withAppTierDefaults("prod", "production");
            const rules = webAclRules({
                ...base,
                rateLimitPer5Minutes: prod.rateLimitPer5Minutes,
                tenantRateLimit: prod.tenantRateLimit,
                highVolumeSources: [
                    { name: "acme", ipSetArn: "arn:acme", limitPer5Minutes: 60_000 },
                    { name: "globex", ipSetArn: "arn:globex", limitPer5Minutes: 30_000 },
                ],
            });
            assert.deepEqual(
                rules.slice(0, 4).map(r => r.name),
                ["per-client-rate-limit", "high-volume-acme", "high-volume-globex", "per-tenant-rate-limit"],
            );
            const unlisted = {
                notStatement: {
                    statement: {
                        orStatement: {
                            statements: [
                                { ipSetReferenceStatement: { arn: "arn:acme" } },
                                { ipSetReferenceStatement: { arn: "arn:globex" } },
                            ],
                        },
                    },
                },
            };
            assert.deepEqual((rules[0].statement as any).rateBasedStatement.scopeDownStatement, unlisted);
            assert.deepEqual((rules[3].statement as any).rateBasedStatement.scopeDownStatement, unlisted);
            // One counter over the source's addresses together, at its allowance.
            assert.deepEqual((rules[1].statement as any).rateBasedStatement, {
                limit: 60_000,
                aggregateKeyType: "CONSTANT",
                evaluationWindowSec: 300,
                scopeDownStatement: { ipSetReferenceStatement: { arn: "arn:acme" } },
            });
            assert.deepEqual(rules[1].action, { block: {} });
            assert.equal(allowancePer5Minutes({ name: "acme", cidrs: ["203.0.113.7/32"], requestsPerSecond: 200 }), 60_000);
        });

        it("refuses high-volume sources with bad CIDRs, or allowances the largest fleet cannot serve beside the others", () => {
            const input = (highVolumeSources: { name: string; cidrs: string[]; requestsPerSecond: number }[]) =>
                appTierProblems("prod", "production", { highVolumeSources }).filter(p => p[0].join(".") === "app.highVolumeSources");
            assert.deepEqual(input([{ name: "acme", cidrs: ["203.0.113.7/32", "198.51.100.0/24"], requestsPerSecond: 200 }]), []);
            const bad = input([
                { name: "acme", cidrs: ["203.0.113.7", "198.51.100.1/24", "300.1.1.1/32"], requestsPerSecond: 200 },
                { name: "acme", cidrs: [], requestsPerSecond: 100 },
            ]).map(p => p[2]);
            for (const expected of [
                /"203\.0\.113\.7" is not an IPv4 CIDR/,
                /"198\.51\.100\.1\/24" has host bits set/,
                /"300\.1\.1\.1\/32"/,
            ]) {
                assert.ok(
                    bad.some(m => expected.test(m)),
                    `${expected}: ${bad.join("; ")}`,
                );
            }
            assert.ok(bad.some(m => /listed twice/.test(m)) && bad.some(m => /lists no cidrs/.test(m)));
            // Prod's largest fleet: 24 x 40 = 960 requests/s; the others keep half, so the listed ones share 480.
            const over = input([
                { name: "acme", cidrs: ["203.0.113.7/32"], requestsPerSecond: 300 },
                { name: "globex", cidrs: ["198.51.100.9/32"], requestsPerSecond: 200 },
            ]).map(p => p[2]);
            assert.equal(over.length, 1);
            assert.match(over[0], /the allowances add up to 500 requests\/s, more than the 480 the largest fleet serves/);
        });

        it("a signed key is one counter per value: no IP in the key", () => {
            const rules = webAclRules({
                ...base,
                tenantRateLimit: { key: { cookie: "twine_tenant" }, scope: "signed", limitPer5Minutes: 50, action: "block" },
            });
            assert.equal((rules[1].statement as any).rateBasedStatement.customKeys.length, 1);
        });

        it("counts every managed *_BODY rule on the upload paths and blocks what they match everywhere else", () => {
            const rules = webAclRules({
                ...base,
                managedRuleGroups: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"],
                bodySizeLimit: { maxBytes: 8192, uploadPathPrefixes: ["/api/receipts"], blockedPathPrefixes: [] },
            });
            const overrides = (name: string) =>
                (rules.find(r => r.name === name)!.statement as any).managedRuleGroupStatement.ruleActionOverrides.map((o: any) => o.name);
            assert.deepEqual(overrides("AWSManagedRulesCommonRuleSet"), [
                "SizeRestrictions_BODY",
                "CrossSiteScripting_BODY",
                "GenericLFI_BODY",
                "GenericRFI_BODY",
                "EC2MetaDataSSRF_BODY",
            ]);
            assert.deepEqual(overrides("AWSManagedRulesKnownBadInputsRuleSet"), ["JavaDeserializationRCE_BODY", "Log4JRCE_BODY"]);
            assert.deepEqual(overrides("AWSManagedRulesSQLiRuleSet"), ["SQLi_BODY", "SQLiExtendedPatterns_BODY"]);
            const last = rules.at(-1)!;
            assert.equal(last.name, "body-rules-outside-uploads");
            assert.deepEqual(last.action, { block: {} });
            const [matched, notUpload] = (last.statement as any).andStatement.statements;
            const labels: string[] = matched.orStatement.statements.map((s: any) => s.labelMatchStatement.key);
            assert.equal(labels.length, 8);
            for (const label of [
                "awswaf:managed:aws:core-rule-set:GenericRFI_Body",
                "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body",
                "awswaf:managed:aws:known-bad-inputs:Log4JRCE_Body",
                "awswaf:managed:aws:sql-database:SQLiExtendedPatterns_Body",
            ])
                assert.ok(labels.includes(label), label);
            // Each counted rule's label is its rule name with the part after the last _ in AWS's casing.
            for (const [group, body] of Object.entries(BODY_RULES))
                for (const { rule, label } of body) assert.ok(label.endsWith(`:${rule.replace(/_BODY$/, "_Body")}`), `${group} ${rule}`);
            assert.equal(notUpload.notStatement.statement.byteMatchStatement.searchString, "/api/receipts");
        });

        it("counts oversize bodies until routes are confirmed, then blocks them on the confirmed paths only", () => {
            const size = (blockedPathPrefixes: string[]) =>
                webAclRules({
                    ...base,
                    bodySizeLimit: { maxBytes: 8192, uploadPathPrefixes: ["/api/receipts"], blockedPathPrefixes },
                }).find(r => r.name === "body-size-outside-uploads")!;
            assert.deepEqual(size([]).action, { count: {} });
            const confirmed = size(["/api/expenses"]);
            assert.deepEqual(confirmed.action, { block: {} });
            assert.equal((confirmed.statement as any).andStatement.statements[1].byteMatchStatement.searchString, "/api/expenses");
            assert.match(
                webAclRuleProblems({
                    ...base,
                    bodySizeLimit: { maxBytes: 8192, uploadPathPrefixes: ["/api/receipts"], blockedPathPrefixes: ["/api"] },
                }).join("\n"),
                /blocked path "\/api" overlaps the upload path "\/api\/receipts"/,
            );
        });

        it("refuses limits WAF or an ALB cannot apply, quoting them", () => {
            const problems = webAclRuleProblems({
                ...base,
                rateLimitPer5Minutes: 5,
                tenantRateLimit: { key: { header: "bad header" }, scope: "signed", limitPer5Minutes: 1, action: "count" },
                bodySizeLimit: { maxBytes: 20_000, uploadPathPrefixes: ["api"], blockedPathPrefixes: [] },
            });
            assert.equal(problems.length, 5, problems.join("\n"));
            assert.match(problems.join("\n"), /maxBytes \(20000\) must be 1 to 8192/);
            assert.throws(() => webAclRules({ ...base, rateLimitPer5Minutes: 5 }), /rateLimitPer5Minutes \(5\)/);
        });
    });

    describe("month-end schedule", () => {
        const window = { lastWorkingDays: 2, firstWorkingDays: 1, minSize: 9, timeZone: "Europe/Paris", startHour: 6, endHour: 20 };

        it("raises the minimum on every one of the last and first working days, 2025 to 2075, during working hours", () => {
            fc.assert(
                fc.property(
                    fc.integer({ min: 1, max: 5 }),
                    fc.integer({ min: 0, max: 5 }),
                    fc.integer({ min: 2025, max: 2075 }),
                    fc.integer({ min: 1, max: 12 }),
                    (last, first, year, month) => {
                        const actions = monthEndActions({ ...window, lastWorkingDays: last, firstWorkingDays: first }, 3);
                        const need = monthEdgeWorkingDays(year, month, last, first);
                        const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
                        // Walk the month hour by hour from a restored state, applying the actions that fire.
                        let min = 3;
                        const raisedAtNoon = new Set<number>();
                        const nextMonth = month === 12 ? 1 : month + 1;
                        const daysNext = [...Array(8).keys()].map(d => d + 1);
                        const walk = (m: number, days: number[], record: (day: number) => void) => {
                            for (const day of days) {
                                for (let hour = 0; hour < 24; hour++) {
                                    for (const a of actions) if (fires(a, m, day, hour)) min = a.minSize;
                                    if (hour === 12 && min === 9) record(day);
                                }
                            }
                        };
                        walk(
                            month,
                            [...Array(length).keys()].map(d => d + 1),
                            day => raisedAtNoon.add(day),
                        );
                        const raisedNext = new Set<number>();
                        walk(nextMonth, daysNext, day => raisedNext.add(day));
                        for (const day of need.last)
                            assert.ok(raisedAtNoon.has(day), `${year}-${month}-${day} is one of the last ${last} working days`);
                        const needNext = monthEdgeWorkingDays(month === 12 ? year + 1 : year, nextMonth, last, first).first;
                        for (const day of needNext)
                            assert.ok(raisedNext.has(day), `day ${day} of the next month is one of its first ${first} working days`);
                        // And it comes back down: by the 8th of the next month the minimum is the group's own.
                        assert.equal(min, 3);
                    },
                ),
                { numRuns: 150 },
            );
        });

        it("writes stable names and plain five-field crons in the configured hours", () => {
            const actions = monthEndActions(window, 3);
            assert.deepEqual(
                actions.map(a => [a.name, a.recurrence, a.minSize]),
                [
                    ["month-end-raise-31-day", "0 6 28-31 1,3,5,7,8,10,12 *", 9],
                    ["month-end-raise-30-day", "0 6 27-30 4,6,9,11 *", 9],
                    ["month-end-raise-february", "0 6 25-29 2 *", 9],
                    ["month-start-raise", "0 6 1-3 * *", 9],
                    ["month-end-restore", "0 20 3 * *", 3],
                ],
            );
        });

        it("refuses windows that cannot work, quoting the values", () => {
            const problems = monthEndWindowProblems(
                { ...window, lastWorkingDays: 0, minSize: 3, timeZone: "Europe/Pariss", endHour: 5 },
                { minSize: 3, maxSize: 24 },
            );
            assert.equal(problems.length, 4, problems.join("\n"));
            assert.match(problems.join("\n"), /timeZone "Europe\/Pariss" is not an IANA time zone/);
            assert.deepEqual(monthEndWindowProblems(window, { minSize: 3, maxSize: 24 }), []);
        });
    });

    describe("warm pool", () => {
        it("without a cap AWS keeps max - desired servers: 21 for a 3-to-24 group", () => {
            assert.equal(warmPoolSize({ minSize: 2 }, { maxSize: 24, desired: 3 }), 21);
            assert.equal(warmPoolSize({ minSize: 2, maxGroupPreparedCapacity: -1 }, { maxSize: 24, desired: 3 }), 21);
        });
        it("always sends the cap, so the pool holds what is configured at any group size", () => {
            const args = warmPoolArgs({ minSize: 2 });
            assert.deepEqual(args, {
                poolState: "Stopped",
                minSize: 2,
                maxGroupPreparedCapacity: 2,
                instanceReusePolicy: { reuseOnScaleIn: true },
            });
            for (const desired of [3, 10, 24]) assert.equal(warmPoolSize(args, { maxSize: 24, desired }), 2);
            // A larger cap gives a pool that shrinks as the group grows, never below minSize.
            const dynamic = warmPoolArgs({ minSize: 2, maxPreparedCapacity: 10 });
            assert.deepEqual(
                [3, 8, 20].map(desired => warmPoolSize(dynamic, { maxSize: 24, desired })),
                [7, 2, 2],
            );
        });
        it("accepts a cap below maxSize and refuses one that could never hold the minimum", () => {
            assert.deepEqual(warmPoolProblems({ minSize: 2, maxPreparedCapacity: 2 }, { maxSize: 24 }), []);
            assert.match(warmPoolProblems({ minSize: 3, maxPreparedCapacity: 2 }, { maxSize: 24 })[0], /below warmPool\.minSize \(3\)/);
            assert.match(warmPoolProblems({ minSize: 2, maxPreparedCapacity: 40 }, { maxSize: 24 })[0], /can never use/);
        });
    });

    describe("AWS names", () => {
        it("refuses a load balancer name that would begin with internal-", () => {
            assert.match(loadBalancerNameProblems("internal-alb")[0], /begin with "internal-"/);
            assert.match(loadBalancerNameProblems("internal-tools-alb")[0], /begin with "internal-"/);
            assert.deepEqual(loadBalancerNameProblems("internals-alb"), []);
            assert.deepEqual(loadBalancerNameProblems("internal-app", "target group"), []);
            assert.match(loadBalancerNameProblems("a-very-long-environment-alb")[0], /pass 32 characters/);
        });
        it("finds stacks that deploy into one account", () => {
            const groups = stacksSharingAnAccount([
                { stack: "dev", accountId: "333333333333", region: "eu-west-1" },
                { stack: "prod", accountId: "444444444444", region: "eu-west-1" },
                { stack: "dev-alice", accountId: "333333333333", region: "eu-west-1" },
            ]);
            assert.deepEqual(
                groups.map(g => g.map(s => s.stack)),
                [["dev", "dev-alice"]],
            );
        });
    });

    describe("database access", () => {
        it("lets the app connect as its own user only, by the instance's resource id", () => {
            const args = { region: "eu-west-1", accountId: "333333333333", resourceId: "db-ABCDEFGHIJKL", user: "twine_app" };
            assert.equal(dbUserArn(args), "arn:aws:rds-db:eu-west-1:333333333333:dbuser:db-ABCDEFGHIJKL/twine_app");
            assert.deepEqual(appConnectStatement(args).Action, "rds-db:connect");
        });
        it("reads a secret with kms:Decrypt scoped to Secrets Manager and that secret", () => {
            const [read, decrypt] = secretReadStatements({
                region: "eu-west-1",
                secretArn: "arn:aws:secretsmanager:eu-west-1:3:secret:s",
                keyArn: "arn:aws:kms:eu-west-1:3:key/k",
            });
            assert.equal(read.Resource, "arn:aws:secretsmanager:eu-west-1:3:secret:s");
            assert.deepEqual(decrypt.Condition, {
                StringEquals: {
                    "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
                    "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:eu-west-1:3:secret:s",
                },
            });
        });
    });
});
