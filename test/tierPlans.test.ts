/**
 * The tiers at run time, over the plans: one test (or group) per defect of the review, each failing on the code
 * before the fix. Tests over the committed stack files assert invariants; exact values come from fixture configs.
 */
import { strict as assert } from "assert";
import { APP_HOST_LOGS, appHostLogGroupName } from "../components/app/appUserDataConfig";
import * as fs from "fs";
import * as path from "path";
import { Plan, PlannedResource } from "../plan/run";
import { ENVIRONMENT_TAG } from "../stacks/environmentTags";
import { committedConfig, objectKey, problemsOf, withKey, withPath, writeStackFile, REPO } from "./helpers/config";
import { STACKS, ancestors, ofType, planOf, planWithConfig } from "./helpers/plans";

const ENVS = "twine-infra:environments";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ASG = "aws:autoscaling/group:Group";
const SCHEDULE = "aws:autoscaling/schedule:Schedule";

const statementsOf = (policy: unknown) =>
    JSON.parse(String(policy)).Statement as {
        Sid?: string;
        Action: string | string[];
        Resource?: string | string[];
        Condition?: any;
        Principal?: any;
    }[];
const actions = (s: { Action: string | string[] }) => [s.Action].flat();

describe("the tiers at run time (over the plans)", () => {
    describe("1. the app reaches its database as its own user", () => {
        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: each app role may rds-db:connect as app_<env> on its instance or its proxy, and reads no secret`, async () => {
                const plan = await planOf(stack);
                for (const role of ofType(plan, "aws:iam/role:Role").filter(r => /-app$/.test(r.name) && !r.name.includes("packer"))) {
                    const env = role.name.replace(/-app$/, "");
                    const cluster = ofType(plan, "twine:index:AppCluster").find(c => c.name === env)!;
                    const statements = ofType(plan, ROLE_POLICY)
                        .filter(p => p.parent === role.urn || ancestors(plan, p).includes(cluster))
                        .flatMap(p => statementsOf(p.inputs.policy));
                    const connect = statements.filter(s => actions(s).includes("rds-db:connect"));
                    assert.equal(connect.length, 1, `${env}: one rds-db:connect statement`);
                    const [, resourceId, user] =
                        /^arn:aws:rds-db:[a-z0-9-]+:\d{12}:dbuser:((?:db|prx)-[A-Za-z0-9]+)\/(.+)$/.exec(String(connect[0].Resource)) ?? [];
                    assert.equal(user, `app_${env.replace(/-/g, "_")}`);
                    // Through RDS Proxy (prod), the proxy's resource id; else the instance's.
                    const proxied = ofType(plan, "aws:rds/proxy:Proxy").length > 0;
                    assert.match(String(resourceId), proxied ? /^prx-/ : /^db-/, `${env}: by the resource id it connects to`);
                    for (const s of statements)
                        assert.ok(
                            !actions(s).some(a => a.startsWith("secretsmanager:") || a === "kms:Decrypt"),
                            `${env}: ${s.Sid} reads a secret`,
                        );
                }
            });
        }
        it("the master secret is readable through an operators' policy, kms:Decrypt scoped to Secrets Manager", async () => {
            const plan = await planOf("prod");
            const operators = ofType(plan, "aws:iam/policy:Policy").filter(p => p.name.endsWith("-database-operators"));
            assert.equal(operators.length, ofType(plan, "aws:rds/instance:Instance").length);
            for (const policy of operators) {
                const decrypt = statementsOf(policy.inputs.policy).find(s => actions(s).includes("kms:Decrypt"))!;
                assert.match(decrypt.Condition.StringEquals["kms:ViaService"], /^secretsmanager\.[a-z0-9-]+\.amazonaws\.com$/);
                assert.match(
                    decrypt.Condition.StringEquals["kms:EncryptionContext:SecretARN"],
                    /^arn:aws:secretsmanager:.*:secret:rds!db-/,
                );
            }
        });
    });

    for (const stack of STACKS) {
        describe(`${stack}: the audit trail`, () => {
            const baselineOf = async () => {
                const plan = await planOf(stack);
                const named = (type: string, suffix: string) => ofType(plan, type).find(r => r.name.endsWith(suffix))!;
                return {
                    plan,
                    trail: named("aws:cloudtrail/trail:Trail", "-baseline-trail"),
                    key: named("aws:kms/key:Key", "-baseline-trail-key"),
                    bucket: named("aws:s3/bucket:Bucket", "-baseline-trail-logs"),
                    encryption: named(
                        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                        "-baseline-trail-logs",
                    ),
                };
            };
            it("2. CloudTrail may decrypt with the trail key (S3 Bucket Key); the trail waits for the bucket's encryption", async () => {
                const { trail, key, encryption } = await baselineOf();
                const decrypt = statementsOf(key.inputs.policy).find(
                    s => s.Principal?.Service === "cloudtrail.amazonaws.com" && actions(s).includes("kms:Decrypt"),
                );
                assert.ok(decrypt, "a kms:Decrypt statement for cloudtrail.amazonaws.com");
                assert.equal(
                    decrypt!.Condition.StringEquals["aws:SourceArn"],
                    `arn:aws:cloudtrail:${committedConfig(stack)["aws:region"]}:${committedConfig(stack)["twine-infra:accountId"]}:trail/` +
                        trail.inputs.name,
                );
                assert.ok((trail.options.dependsOn as string[]).includes(encryption.urn));
            });
            it("3. the trail key and bucket are retained on destroy", async () => {
                const { key, bucket } = await baselineOf();
                for (const r of [key, bucket]) assert.equal(r.options.retainOnDelete, true, r.name);
            });
            it("4. every bucket logs its access into the account's access-log bucket", async () => {
                const { plan } = await baselineOf();
                const target = ofType(plan, "aws:s3/bucket:Bucket").find(b => b.name.endsWith("-baseline-s3-access-logs"))!;
                assert.ok(target, "an access-log bucket");
                assert.equal(target.options.retainOnDelete, true);
                const sse = ofType(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find(
                    r => r.parent === target.urn,
                )!;
                assert.equal(
                    (sse.inputs.rules as any)[0].applyServerSideEncryptionByDefault.sseAlgorithm,
                    "AES256",
                    "log delivery supports SSE-S3 only",
                );
                const logging = ofType(plan, "aws:s3/bucketLogging:BucketLogging");
                for (const bucket of ofType(plan, "aws:s3/bucket:Bucket").filter(b => b !== target)) {
                    const mine = logging.filter(l => l.parent === bucket.urn);
                    assert.equal(mine.length, 1, `${bucket.name} logs its access`);
                    assert.equal(mine[0].inputs.targetBucket, target.inputs.bucket, bucket.name);
                }
            });
        });
    }

    describe("fair to every tenant", () => {
        const rulesOf = (plan: Plan) => ofType(plan, "aws:wafv2/webAcl:WebAcl").map(acl => acl.inputs.rules as any[]);

        it("5. no address takes more than the minimum fleet absorbs, every request counted; a per-tenant rule blocks in prod", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const plan = await planOf(stack);
                for (const acl of ofType(plan, "aws:wafv2/webAcl:WebAcl")) {
                    const rules = acl.inputs.rules as any[];
                    const group = ofType(plan, ASG).find(g => g.name === acl.name.replace(/-waf$/, "-app"))!;
                    // The default serverRequestsPerSecond (40): the stack files do not set it. The minimum fleet's headroom
                    // above the request target is what it absorbs before a scale-out arrives.
                    const policy = ofType(plan, "aws:autoscaling/policy:Policy").find(
                        p => p.name === acl.name.replace(/-waf$/, "-requests"),
                    );
                    const target = Number((policy!.inputs.targetTrackingConfiguration as any).targetValue) / 60;
                    const headroomPer5Minutes = Number(group.inputs.minSize) * (40 - target) * 300;
                    const ceiling = rules[0].statement.rateBasedStatement;
                    assert.ok(ceiling.limit <= headroomPer5Minutes, `${acl.name}: ${ceiling.limit} within the minimum fleet's headroom`);
                    // Every request counts: no scope-down (none listed) and no key a client could leave out.
                    assert.equal(ceiling.aggregateKeyType, "IP");
                    assert.equal(ceiling.scopeDownStatement, undefined);
                    const tenant = rules.find(r => r.name === "per-tenant-rate-limit");
                    assert.ok(tenant, "a per-tenant rule");
                    assert.ok(tenant.statement.rateBasedStatement.limit <= ceiling.limit / 2, "a key's fair share of the ceiling");
                    assert.equal(tenant.statement.rateBasedStatement.aggregateKeyType, "CUSTOM_KEYS");
                    assert.deepEqual(
                        tenant.action,
                        stack === "prod" ? { block: { customResponse: { responseCode: 429 } } } : { count: {} },
                    );
                    assert.deepEqual(tenant.statement.rateBasedStatement.customKeys.at(-1), { ip: {} }, "a forger spends only its own");
                    assert.equal(tenant.visibilityConfig.cloudwatchMetricsEnabled, true);
                }
            }
        });
        it("5. block mode and the Host key come from config", async () => {
            const config = withPath(committedConfig("prod"), ENVS, "production.app.tenantRateLimit", {
                key: { host: true },
                limitPer5Minutes: 30000,
                action: "block",
            });
            const [rules] = rulesOf(await planWithConfig("prod", writeStackFile(config)));
            const tenant = rules.find(r => r.name === "per-tenant-rate-limit");
            assert.deepEqual(tenant.action, { block: { customResponse: { responseCode: 429 } } });
            assert.equal(tenant.statement.rateBasedStatement.limit, 30000);
            assert.equal(tenant.statement.rateBasedStatement.customKeys[0].header.name, "host");
        });
        it("6. receipts upload: the 8 KB and *_BODY rules count there, and the size limit counts outside them", async () => {
            for (const rules of rulesOf(await planOf("prod"))) {
                const common = rules.find(r => r.name === "AWSManagedRulesCommonRuleSet");
                assert.deepEqual(common.statement.managedRuleGroupStatement.ruleActionOverrides[0], {
                    name: "SizeRestrictions_BODY",
                    actionToUse: { count: {} },
                });
                const size = rules.find(r => r.name === "body-size-outside-uploads");
                assert.deepEqual(size.action, { count: {} }, "counted until the app's routes are confirmed");
                assert.equal(rules.at(-1).name, "body-rules-outside-uploads");
                assert.ok(size.statement.andStatement.statements[1].notStatement, "uploads are exempt");
            }
            const config = withPath(committedConfig("prod"), ENVS, "production.app.uploads", {
                pathPrefixes: ["/receipts", "/attachments"],
                maxBodyBytes: 4096,
            });
            const [rules] = rulesOf(await planWithConfig("prod", writeStackFile(config)));
            const size = rules.find(r => r.name === "body-size-outside-uploads").statement.andStatement.statements;
            assert.equal(size[0].sizeConstraintStatement.size, 4096);
            assert.deepEqual(
                size[1].notStatement.statement.orStatement.statements.map((s: any) => s.byteMatchStatement.searchString),
                ["/receipts", "/attachments"],
            );
        });
        it("7. prod raises its minimum at month end and forecasts; the schedules never touch max or desired; dev has neither", async () => {
            const prod = await planOf("prod");
            const schedules = ofType(prod, SCHEDULE);
            assert.ok(schedules.length >= 4);
            for (const s of schedules) {
                assert.equal(s.inputs.maxSize, -1, `${s.name}: left out, the provider sends MaxSize 0`);
                assert.equal(s.inputs.desiredCapacity, -1, `${s.name}: left out, the provider sends DesiredCapacity 0`);
                assert.match(String(s.inputs.recurrence), /^0 \d{1,2} [\d,-]+ [\d,*]+ \*$/);
            }
            const predictive = ofType(prod, "aws:autoscaling/policy:Policy").filter(p => p.inputs.policyType === "PredictiveScaling");
            assert.equal(predictive.length, ofType(prod, ASG).length);
            const dev = await planOf("dev");
            assert.equal(ofType(dev, SCHEDULE).length, 0);
            assert.equal(ofType(dev, "aws:autoscaling/policy:Policy").filter(p => p.inputs.policyType === "PredictiveScaling").length, 0);
        });
        it("7. the month-end window comes from config", async () => {
            const config = withPath(committedConfig("dev"), ENVS, "integration.app.monthEnd", {
                enabled: true,
                minSize: 3,
                timeZone: "Europe/Paris",
                lastWorkingDays: 1,
                firstWorkingDays: 0,
            });
            const schedules = ofType(await planWithConfig("dev", writeStackFile(config)), SCHEDULE);
            assert.deepEqual(
                schedules.map(s => [s.inputs.scheduledActionName, s.inputs.recurrence, s.inputs.minSize, s.inputs.timeZone]).sort(),
                [
                    ["month-end-raise-30-day", "0 6 28-30 4,6,9,11 *", 3, "Europe/Paris"],
                    ["month-end-raise-31-day", "0 6 29-31 1,3,5,7,8,10,12 *", 3, "Europe/Paris"],
                    ["month-end-raise-february", "0 6 26-29 2 *", 3, "Europe/Paris"],
                    ["month-end-restore", "0 0 1 * *", 1, "Europe/Paris"],
                ],
            );
        });
        it("8. the warm pool is sized as configured: the cap is always sent, and one below maxSize is accepted", async () => {
            for (const asg of ofType(await planOf("prod"), ASG)) {
                const pool = asg.inputs.warmPool as Record<string, number>;
                assert.ok(pool.maxGroupPreparedCapacity >= pool.minSize, "never left to max - desired");
            }
            const config = withPath(committedConfig("prod"), ENVS, "production.app.warmPool", { minSize: 2, maxPreparedCapacity: 2 });
            const [asg] = ofType(await planWithConfig("prod", writeStackFile(config)), ASG);
            assert.deepEqual([(asg.inputs.warmPool as any).minSize, (asg.inputs.warmPool as any).maxGroupPreparedCapacity], [2, 2]);
        });
    });

    describe("9. the rest of the review", () => {
        it("capacityRebalance is off: there is no Spot", async () => {
            for (const stack of ["dev", "prod"] as const)
                for (const asg of ofType(await planOf(stack), ASG)) assert.equal(asg.inputs.capacityRebalance, false);
        });
        it("load balancers are IPv4-only and their groups open no IPv6 range", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const plan = await planOf(stack);
                for (const alb of ofType(plan, "aws:lb/loadBalancer:LoadBalancer")) assert.equal(alb.inputs.ipAddressType, "ipv4");
                assert.equal(
                    ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r => r.inputs.cidrIpv6 === "::/0")
                        .length,
                    0,
                );
            }
        });
        it("refuses an environment whose load balancer name AWS would reject", () => {
            const config = withPath(committedConfig("dev"), ENVS, "internal", {});
            const problems = problemsOf("dev", config);
            assert.ok(
                problems.some(p => /^twine-infra:environments\.internal.*"internal-"/.test(p) && /Fix: /.test(p)),
                problems.join("\n"),
            );
        });
        it("the CloudWatch agent's log groups exist before any server, one set per environment, with a retention", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const plan = await planOf(stack);
                for (const cluster of ofType(plan, "twine:index:AppCluster")) {
                    const expected = APP_HOST_LOGS.map(stream => appHostLogGroupName(cluster.name, stream)).sort();
                    const groups = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").filter(g => expected.includes(String(g.inputs.name)));
                    assert.deepEqual(groups.map(g => g.inputs.name).sort(), expected, cluster.name);
                    for (const g of groups) assert.ok(Number(g.inputs.retentionInDays) > 0, `${g.inputs.name} keeps logs forever`);
                }
            }
        });
        it("refuses two environments answering on one name", () => {
            const dev = committedConfig("dev");
            const config = withPath(withPath(dev, ENVS, "integration.app.hostNames", ["app"]), ENVS, "test.app", {
                hostNames: ["app", "test"],
            });
            const problems = problemsOf("dev", config);
            assert.ok(
                problems.some(p => /app \(subzone\) is claimed by integration and test/.test(p)),
                problems.join("\n"),
            );
        });
        for (const name of ["prod", "production"]) {
            it(`refuses an environment named ${name} in the dev stack`, () => {
                const problems = problemsOf("dev", withPath(committedConfig("dev"), ENVS, name, {}));
                assert.ok(
                    problems.some(p => p.startsWith(`twine-infra:environments.${name}`) && /dev's defaults/.test(p)),
                    problems.join("\n"),
                );
            });
        }
        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: every resource of an environment that takes tags carries ${ENVIRONMENT_TAG}`, async () => {
                const plan = await planOf(stack);
                const envs = Object.keys(objectKey(committedConfig(stack), ENVS) ?? {});
                // The environment a resource belongs to: the first of it and its ancestors named after one.
                const environmentOf = (r: PlannedResource) =>
                    [r, ...ancestors(plan, r)]
                        .map(a => envs.find(e => a.name === e || a.name.startsWith(`${e}-`)))
                        .find(e => e !== undefined);
                let checked = 0;
                for (const r of plan.resources.filter(r => r.type.startsWith("aws:") && r.type !== ASG)) {
                    const env = environmentOf(r);
                    if (!env || !takesTags(r.type)) continue;
                    checked++;
                    assert.equal((r.inputs.tags as Record<string, string> | undefined)?.[ENVIRONMENT_TAG], env, `${r.type} ${r.name}`);
                }
                assert.ok(checked > 20, `only ${checked} resources checked`);
            });
        }
    });

    describe("10. one stack per account", () => {
        it("refuses a second dev stack in the dev account, naming the other stack file", async () => {
            const file = writeStackFile(committedConfig("dev"));
            await assert.rejects(planWithConfig("dev-alice", file), (err: Error) => {
                assert.match(err.message, /twine-infra:accountId = "\d{12}": Pulumi\.dev\.yaml also deploys into this account/);
                assert.match(err.message, /Fix: give each stack its own account/);
                return true;
            });
        });
        it("adopts the account's existing OIDC providers instead of creating them", async () => {
            const prod = committedConfig("prod");
            const account = prod["twine-infra:accountId"];
            const config = withKey(prod, "twine-infra:deployments", {
                ...objectKey(prod, "twine-infra:deployments"),
                existingGithubOidcProviderArn: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
                existingPulumiOidcProviderArn: `arn:aws:iam::${account}:oidc-provider/api.pulumi.com/oidc`,
            });
            const plan = await planWithConfig("prod", writeStackFile(config));
            assert.equal(ofType(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
            const preview = ofType(plan, "aws:iam/role:Role").find(r => r.name.endsWith("-deployments-preview"))!;
            assert.match(String(preview.inputs.assumeRolePolicy), /oidc-provider\/token\.actions\.githubusercontent\.com/);
        });
    });
});

/** Whether the provider's arguments for a resource type include a `tags` map (read from @pulumi/aws's typings). */
function takesTags(type: string): boolean {
    const [, mod, file, cls] = /^aws:([^/]+)\/([^:]+):(.+)$/.exec(type) ?? [];
    const typings = path.join(REPO, "node_modules", "@pulumi", "aws", mod, `${file}.d.ts`);
    if (!fs.existsSync(typings)) return false;
    const args = new RegExp(`export interface ${cls}Args \\{([\\s\\S]*?)\\n\\}`).exec(fs.readFileSync(typings, "utf8"));
    return !!args && /\n {4}tags\?:/.test(args[1]);
}
