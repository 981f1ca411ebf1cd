/**
 * RDS Proxy in front of prod's database: a config switch on by default in prod; clients need an IAM token and TLS;
 * the proxy signs in with the app user's own secret (never the master secret) through a role that reads exactly that
 * secret; the app hosts reach the proxy and only the proxy reaches the database; the app is told the proxy's
 * endpoint and may connect on the proxy's prx- id; the connection budget, the connections alarm, the dashboard and
 * the capacity model count what the proxy admits. Identity claims are decided by the IAM simulator over the plans.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { connectionBudget, connectionBudgetProblem, maxConnections } from "../components/data/connectionBudgetConfig";
import { proxyConnectionCeiling, proxyEngineFamily, proxyResourceId, proxySecretStatements } from "../components/data/databaseProxyConfig";
import { AlarmThresholds, dashboardBody, environmentAlarms, EnvironmentWatch } from "../components/operations/alarmConfig";
import { databaseDefaults } from "../config/environments";
import { fleetsOf } from "../plan/capacity/fromPlan";
import { RESOURCE_MOCKS } from "../plan/mocks";
import { Plan, PlannedResource } from "../plan/run";
import { REPO, fixtureConfig, objectKey, problemsOf, withKey, withPath, writeStackFile } from "./helpers/config";
import { IamHarness } from "./helpers/iam";
import { STACKS, ofType, planOf, planWithConfig } from "./helpers/plans";

const PROXY = "aws:rds/proxy:Proxy";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const ENVS = "twine-infra:environments";
const PROD_ACCOUNT = fixtureConfig("prod")["twine-infra:accountId"];

const idOf = (r: PlannedResource, accountId = PROD_ACCOUNT) =>
    RESOURCE_MOCKS[r.type].id(r.name, r.inputs, { accountId, region: "eu-west-1" });
const stateOf = (r: PlannedResource, accountId = PROD_ACCOUNT) => {
    const a = { accountId, region: "eu-west-1" };
    return RESOURCE_MOCKS[r.type].state!(idOf(r, accountId), r.name, r.inputs, a);
};
function named(plan: Plan, type: string, name: string): PlannedResource {
    const found = ofType(plan, type).find(r => r.name === name);
    assert.ok(found, `no ${type} named ${name} in the ${plan.stack} plan`);
    return found;
}

describe("RDS Proxy in front of the database", () => {
    describe("helpers", () => {
        it("takes the proxy's resource id (prx-...) from its ARN, and refuses anything else", () => {
            assert.equal(proxyResourceId("arn:aws:rds:eu-west-1:444444444444:db-proxy:prx-0123456789abcdef0"), "prx-0123456789abcdef0");
            assert.throws(() => proxyResourceId("arn:aws:rds:eu-west-1:444444444444:db:twine-production"), /not an RDS Proxy ARN/);
        });
        it("names the engine family the proxy expects", () => {
            assert.equal(proxyEngineFamily("postgres"), "POSTGRESQL");
            assert.equal(proxyEngineFamily("mysql"), "MYSQL");
        });
        it("budgets what the proxy admits (MaxConnectionsPercent of max_connections), and refuses a fleet over it", () => {
            const max = maxConnections("postgres", "db.m7g.large")!;
            assert.equal(connectionBudget(max, 50), proxyConnectionCeiling(max, 50));
            assert.equal(connectionBudget(max, 50), Math.floor(max / 2));
            // GIVEN 30 servers of 10 connections (300)  THEN straight to the instance they fit 90 %, through a proxy
            // admitting 40 % they do not.
            const fleet = [{ name: "production", minSize: 3, maxSize: 27, warmPool: undefined }];
            assert.equal(connectionBudgetProblem(fleet, 10, "postgres", "db.m7g.large"), undefined);
            assert.match(
                String(connectionBudgetProblem(fleet, 10, "postgres", "db.m7g.large", 40)),
                /exceeds what the proxy admits \(270: 40 %/,
            );
        });
        it("lets the proxy read the secrets it is given, and decrypt them only through Secrets Manager", () => {
            const [read, decrypt] = proxySecretStatements({
                region: "eu-west-1",
                secretArns: ["arn:aws:secretsmanager:eu-west-1:4:secret:a"],
                keyArn: "arn:aws:kms:eu-west-1:4:key/k",
            });
            assert.deepEqual(
                [read.Action, read.Resource],
                ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:4:secret:a"],
            );
            assert.deepEqual(decrypt.Condition?.StringEquals, {
                "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
                "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:eu-west-1:4:secret:a",
            });
        });
    });

    describe("config", () => {
        it("is on by default in prod and off in dev", () => {
            assert.equal(databaseDefaults("prod").proxy, true);
            assert.equal(databaseDefaults("dev").proxy, false);
            assert.equal(databaseDefaults("prod").proxyMaxConnectionsPercent, 90);
        });
        it("refuses a prod fleet whose peak times its pool exceeds what the proxy admits, naming the key to change", () => {
            const config = withPath(fixtureConfig("prod"), ENVS, "production.database.proxyMaxConnectionsPercent", 20);
            const problems = problemsOf("prod", config).join("\n");
            assert.match(problems, /production\.database\.poolSizePerServer/);
            assert.match(problems, /exceeds what the proxy admits \(\d+: 20 % of max_connections/);
            assert.match(problems, /raise database\.proxyMaxConnectionsPercent/);
        });
    });

    it("refuses a proxy in a one-zone network, before any resource exists", () => {
        const config = withPath(
            withKey(fixtureConfig("dev"), "twine-infra:network", {
                ...objectKey(fixtureConfig("dev"), "twine-infra:network"),
                azCount: 1,
                zoneIds: undefined,
            }),
            ENVS,
            "integration.database.proxy",
            true,
        );
        assert.match(
            problemsOf("dev", config).join("\n"),
            /integration\.database\.proxy.*RDS Proxy needs subnets in at least two availability zones/,
        );
    });

    it("behind a shared data tier, gives the proxy each environment's user and admits each environment's app hosts", async () => {
        // GIVEN dev with a proxy on integration's database, and test using integration's data tier
        let config = withPath(fixtureConfig("dev"), ENVS, "integration.database.proxy", true);
        config = withPath(config, ENVS, "test", { shareDataWith: "integration" });
        const plan = await planWithConfig("dev", writeStackFile(config));
        // THEN one proxy, a secret per user, both app groups admitted, and each app connects as itself on the proxy
        const [proxy] = ofType(plan, PROXY);
        assert.deepEqual(
            (proxy.inputs.auths as { description: string }[]).map(a => a.description),
            ["app_integration: IAM token required", "app_test: IAM token required"],
        );
        const devAccount = fixtureConfig("dev")["twine-infra:accountId"];
        const proxySg = named(plan, SG, "integration-database-proxy-sg");
        const admitted = ofType(plan, INGRESS).filter(r => r.inputs.securityGroupId === idOf(proxySg, devAccount));
        assert.deepEqual(
            admitted.map(r => r.inputs.referencedSecurityGroupId).sort(),
            ["integration-app", "test-app"].map(n => idOf(named(plan, SG, n), devAccount)).sort(),
        );
        const prx = proxyResourceId(String(stateOf(proxy, devAccount).arn));
        for (const env of ["integration", "test"]) {
            const policy = JSON.parse(String(named(plan, "aws:iam/rolePolicy:RolePolicy", `${env}-app-database`).inputs.policy));
            assert.equal(policy.Statement[0].Resource, `arn:aws:rds-db:eu-west-1:${devAccount}:dbuser:${prx}/app_${env}`);
        }
    });

    describe("prod's plan", () => {
        it("puts one proxy in front of prod's database, none in dev", async () => {
            const dev = await planOf("dev");
            assert.deepEqual(ofType(dev, PROXY), []);
            const prod = await planOf("prod");
            assert.deepEqual(
                ofType(prod, PROXY).map(p => p.inputs.name),
                ["twine-production"],
            );
        });

        it("requires TLS and an IAM token, and signs in with the app user's own secret, never the master secret", async () => {
            const plan = await planOf("prod");
            const proxy = named(plan, PROXY, "production-database-proxy");
            assert.equal(proxy.inputs.requireTls, true);
            assert.equal(proxy.inputs.engineFamily, "POSTGRESQL");
            assert.equal(proxy.inputs.debugLogging, false);
            const secret = named(plan, "aws:secretsmanager/secret:Secret", "production-database-proxy-app_production");
            // A prefix, not a name: a replacement, or the proxy turned off and on again, would otherwise fail in
            // CreateSecret while the old secret keeps the name through its 30-day recovery window.
            assert.equal(secret.inputs.name, undefined);
            assert.equal(secret.inputs.namePrefix, "twine-production/proxy/app_production-");
            assert.deepEqual(proxy.inputs.auths, [
                { authScheme: "SECRETS", iamAuth: "REQUIRED", secretArn: idOf(secret), description: "app_production: IAM token required" },
            ]);
            // Sealed with the database's own key, and holding no value in the plan (the operator writes it).
            const key = named(plan, "aws:kms/key:Key", "production-database-key");
            assert.equal(secret.inputs.kmsKeyId, stateOf(key).arn ?? idOf(key));
            assert.deepEqual(
                ofType(plan, "aws:secretsmanager/secretVersion:SecretVersion").filter(v => /proxy/.test(v.name)),
                [],
            );
        });

        it("admits the app hosts to the proxy, and only the proxy to the database", async () => {
            const plan = await planOf("prod");
            const proxySg = named(plan, SG, "production-database-proxy-sg");
            const dbSg = named(plan, SG, "production-database-sg");
            const appSg = named(plan, SG, "production-app");
            assert.deepEqual(named(plan, PROXY, "production-database-proxy").inputs.vpcSecurityGroupIds, [idOf(proxySg)]);
            const rulesOn = (type: string, sg: PlannedResource) => ofType(plan, type).filter(r => r.inputs.securityGroupId === idOf(sg));
            const peers = (rules: PlannedResource[]) =>
                rules.map(r => [r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4, r.inputs.fromPort]);
            assert.deepEqual(peers(rulesOn(INGRESS, proxySg)), [[idOf(appSg), 5432]]);
            assert.deepEqual(peers(rulesOn(EGRESS, proxySg)), [[idOf(dbSg), 5432]]);
            assert.ok(!peers(rulesOn(INGRESS, dbSg)).some(([peer]) => peer === idOf(appSg)), "the app hosts do not reach the database");
            assert.ok(
                peers(rulesOn(INGRESS, dbSg)).some(([peer]) => peer === idOf(proxySg)),
                "the proxy does",
            );
            assert.deepEqual(
                peers(rulesOn(EGRESS, appSg)).filter(([, port]) => port === 5432),
                [[idOf(proxySg), 5432]],
            );
        });

        it("registers the instance in the proxy's default target group, with the configured ceiling", async () => {
            const plan = await planOf("prod");
            const group = named(plan, "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "production-database-proxy-targets");
            assert.equal(group.inputs.dbProxyName, "twine-production");
            assert.equal((group.inputs.connectionPoolConfig as { maxConnectionsPercent: number }).maxConnectionsPercent, 90);
            const target = named(plan, "aws:rds/proxyTarget:ProxyTarget", "production-database-proxy-target");
            assert.deepEqual(target.inputs, {
                dbProxyName: "twine-production",
                targetGroupName: "default",
                dbInstanceIdentifier: "twine-production",
            });
            // Registered once the instance exists (and the group is configured); the proxy reads its secret once it
            // starts: the role's policy exists first.
            const instance = named(plan, "aws:rds/instance:Instance", "production-database-instance");
            assert.ok(target.options.dependsOn.includes(instance.urn), "the target waits for the instance");
            assert.ok(target.options.dependsOn.includes(group.urn), "and for the target group");
            const policy = named(plan, "aws:iam/rolePolicy:RolePolicy", "production-database-proxy-secret");
            assert.ok(named(plan, PROXY, "production-database-proxy").options.dependsOn.includes(policy.urn));
        });

        it("tells the app the proxy's endpoint, not the instance's address", async () => {
            const plan = await planOf("prod");
            const endpoint = String(stateOf(named(plan, PROXY, "production-database-proxy")).endpoint);
            assert.match(endpoint, /^twine-production\.proxy-/);
            for (const lt of ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate").filter(t => t.name.startsWith("production"))) {
                const userData = Buffer.from(String(lt.inputs.userData), "base64").toString("utf8");
                assert.match(userData, new RegExp(`DATABASE_HOST="${endpoint.replace(/\./g, "\\.")}"`), lt.name);
            }
        });
    });

    describe("identity, decided by the IAM simulator", () => {
        let harness: Promise<IamHarness> | undefined;
        const iam = () => (harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans)));
        const proxyId = (h: IamHarness) => proxyResourceId(h.arnOf("prod", "production-database-proxy", PROXY));
        const dbUser = (resourceId: string, user: string) => `arn:aws:rds-db:eu-west-1:${PROD_ACCOUNT}:dbuser:${resourceId}/${user}`;

        it("lets the prod app connect through the proxy as app_production, and as nobody else, nowhere else", async () => {
            const h = await iam();
            const app = "production-app";
            const connect = (resource: string) => h.decide({ role: app, action: "rds-db:connect", resource });
            assert.equal(await connect(dbUser(proxyId(h), "app_production")), "Allowed");
            assert.notEqual(await connect(dbUser(proxyId(h), "twine_admin")), "Allowed");
            // Not the instance directly (its db- resource id): the app goes through the proxy.
            const plan = await planOf("prod");
            const instanceId = String(stateOf(named(plan, "aws:rds/instance:Instance", "production-database-instance")).resourceId);
            assert.notEqual(await connect(dbUser(instanceId, "app_production")), "Allowed");
        });

        it("lets the proxy's role read its secret and no other, decrypting only through Secrets Manager", async () => {
            const h = await iam();
            const role = "production-database-proxy-role";
            const secret = h.arnOf("prod", "production-database-proxy-app_production", "aws:secretsmanager/secret:Secret");
            const key = h.arnOf("prod", "production-database-key", "aws:kms/key:Key");
            const master = `arn:aws:secretsmanager:eu-west-1:${PROD_ACCOUNT}:secret:rds!db-0000-abcdef`;
            assert.equal(await h.decide({ role, action: "secretsmanager:GetSecretValue", resource: secret }), "Allowed");
            assert.notEqual(await h.decide({ role, action: "secretsmanager:GetSecretValue", resource: master }), "Allowed");
            assert.notEqual(await h.decide({ role, action: "secretsmanager:PutSecretValue", resource: secret }), "Allowed");
            // The simulator ignores kms:EncryptionContext:<key> (its data names the key as a template), so it cannot
            // allow the Decrypt; it does show that no call outside Secrets Manager may decrypt with the key. The
            // statement's conditions themselves are checked below.
            for (const service of ["s3", "rds"]) {
                const context = { "kms:ViaService": `${service}.eu-west-1.amazonaws.com`, "kms:EncryptionContext:SecretARN": secret };
                assert.notEqual(await h.decide({ role, action: "kms:Decrypt", resource: key, context }), "Allowed", service);
            }
            const plan = await planOf("prod");
            const policy = JSON.parse(
                String(named(plan, "aws:iam/rolePolicy:RolePolicy", "production-database-proxy-secret").inputs.policy),
            );
            const decrypt = policy.Statement.find((st: { Action: string }) => st.Action === "kms:Decrypt");
            assert.deepEqual(
                [decrypt.Resource, decrypt.Condition.StringEquals],
                [key, { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": secret }],
            );
            assert.deepEqual(
                policy.Statement.map((st: { Action: string }) => st.Action),
                ["secretsmanager:GetSecretValue", "kms:Decrypt"],
            );
        });

        it("lets RDS assume the proxy's role for this account only", async () => {
            const h = await iam();
            const role = "production-database-proxy-role";
            const from = (account: string) => ({ service: "rds.amazonaws.com", context: { "aws:SourceAccount": account } });
            assert.equal(await h.assume({ role, from: from(PROD_ACCOUNT) }), "Allowed");
            assert.notEqual(await h.assume({ role, from: from("999999999999") }), "Allowed");
        });
    });

    describe("watching it", () => {
        const thresholds: AlarmThresholds = {
            loadBalancer5xxPerMinute: 10,
            target5xxPerMinute: 10,
            latencyP99Seconds: 2,
            databaseCpuPercent: 80,
            databaseFreeStoragePercent: 10,
            databaseConnectionsPercent: 80,
            searchFreeStoragePercent: 20,
            searchJvmPressurePercent: 85,
            tenantRuleRequests: 1000,
            errorRatePercent: 5,
            errorRateMinRequests: 20,
        };
        const watch = (proxy?: { name: string; maxConnectionsPercent: number }): EnvironmentWatch<string> => ({
            environment: "production",
            loadBalancer: "app/p/1",
            targetGroup: "targetgroup/p/1",
            autoScalingGroup: "production-app",
            groupMaxSize: 24,
            database: {
                identifier: "twine-production",
                engine: "postgres",
                instanceClass: "db.m7g.large",
                allocatedStorageGiB: 100,
                proxy,
            },
            waf: { webAcl: "production", region: "eu-west-1" },
        });

        it("alarms on the proxy's connections as a share of MaxDatabaseConnectionsAllowed, summed over its nodes, every minute", () => {
            const alarm = environmentAlarms(watch({ name: "twine-production", maxConnectionsPercent: 50 }), thresholds).find(
                a => a.key === "db-proxy-connections",
            )!;
            // Proxy metrics are published per node serving the proxy (Sum aggregates them), DatabaseConnections each minute.
            assert.equal(alarm.periodSeconds, 60);
            const proxy = { ProxyName: "twine-production" };
            assert.deepEqual(alarm.math, {
                expression: "100 * open / allowed",
                label: "% of the connections the proxy may open",
                metrics: {
                    open: { namespace: "AWS/RDS", metricName: "DatabaseConnections", dimensions: proxy, statistic: "Sum" },
                    allowed: { namespace: "AWS/RDS", metricName: "MaxDatabaseConnectionsAllowed", dimensions: proxy, statistic: "Sum" },
                },
            });
            assert.equal(alarm.threshold, 80);
            assert.equal(alarm.comparison, "GreaterThanThreshold");
            assert.ok(alarm.datapointsToAlarm! <= alarm.evaluationPeriods && alarm.evaluationPeriods * alarm.periodSeconds <= 600);
        });

        it("keeps watching the instance's own connections behind a proxy (operators and migrations connect beside it)", () => {
            for (const proxy of [undefined, { name: "twine-production", maxConnectionsPercent: 50 }]) {
                const alarm = environmentAlarms(watch(proxy), thresholds).find(a => a.key === "db-connections")!;
                assert.ok(alarm.math === undefined, "the instance's own metric");
                assert.deepEqual(alarm.dimensions, { DBInstanceIdentifier: "twine-production" });
                assert.equal(alarm.metricName, "DatabaseConnections");
                assert.equal(alarm.threshold, Math.floor((maxConnections("postgres", "db.m7g.large", 1)! * 80) / 100));
                assert.equal(alarm.math, undefined);
            }
            assert.equal(
                environmentAlarms(watch(), thresholds).find(a => a.key === "db-proxy-connections"),
                undefined,
            );
        });

        it("draws the proxy's client and database connections on the dashboard, summed over its nodes", () => {
            const w = watch({ name: "twine-production", maxConnectionsPercent: 90 });
            const body = dashboardBody("eu-west-1", w, environmentAlarms(w, thresholds));
            for (const metric of ["ClientConnections", "DatabaseConnections", "MaxDatabaseConnectionsAllowed"])
                assert.match(body, new RegExp(`"AWS/RDS","${metric}","ProxyName","twine-production",\\{"label":"[^"]+","stat":"Sum"`));
        });

        it("prod's plan: the proxy's alarm is metric math over Sum each minute by ProxyName; the instance's stays", async () => {
            const plan = await planOf("prod");
            const alarm = named(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", "production-operations-db-proxy-connections");
            const queries = alarm.inputs.metricQueries as {
                id: string;
                expression?: string;
                returnData: boolean;
                metric?: { metricName: string; dimensions: object; stat: string; period: number };
            }[];
            assert.equal(alarm.inputs.metricName, undefined);
            assert.deepEqual(
                queries.filter(q => q.metric).map(q => [q.id, q.metric!.metricName, q.metric!.stat, q.metric!.period, q.returnData]),
                [
                    ["open", "DatabaseConnections", "Sum", 60, false],
                    ["allowed", "MaxDatabaseConnectionsAllowed", "Sum", 60, false],
                ],
            );
            for (const q of queries.filter(q => q.metric)) assert.deepEqual(q.metric!.dimensions, { ProxyName: "twine-production" });
            assert.deepEqual(
                queries.filter(q => q.returnData).map(q => q.expression),
                ["100 * open / allowed"],
            );
            assert.equal(alarm.inputs.datapointsToAlarm, 8);
            const instance = named(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", "production-operations-db-connections");
            assert.deepEqual(instance.inputs.dimensions, { DBInstanceIdentifier: "twine-production" });
        });

        it("the capacity model's database limit is what the proxy admits", async () => {
            const [fleet] = fleetsOf(await planOf("prod"), () => ({ serverRequestsPerSecond: 40 }));
            assert.equal(fleet.database?.proxy, true);
            assert.equal(fleet.database?.maxConnections, proxyConnectionCeiling(maxConnections("postgres", "db.m7g.large")!, 90));
        });
    });

    describe("the bootstrap in docs/data-tier.md", () => {
        // Run with aws and psql recording their arguments and stdin, and jq (the real one) recording its arguments:
        // any user of the host sees a process's arguments (ps, /proc/<pid>/cmdline), so the password must reach each
        // program on its stdin. That `--secret-string file:///dev/stdin` reads the JSON from stdin was seen with the
        // AWS CLI against moto_server: the secret then held the password.
        it("passes the password to psql, jq and the AWS CLI on stdin, never on a command line, and stores it as the proxy reads it", () => {
            const doc = fs.readFileSync(path.join(REPO, "docs", "data-tier.md"), "utf8");
            const [snippet] = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map(m => m[1]).filter(b => b.includes("put-secret-value"));
            assert.ok(snippet, "no sh block with put-secret-value in docs/data-tier.md");
            const jq = spawnSync("sh", ["-c", "command -v jq"], { encoding: "utf8" }).stdout.trim();
            assert.ok(jq, "jq is not installed (scripts/setup.sh installs it)");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-secret-"));
            const password = "Zq8dPproxyAppUserPassw0rdNotInArgv1234";
            const secretArn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:twine-production/proxy/app_production-0001-AbCdEf";
            const stub = (name: string, body: string) =>
                fs.writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "${dir}/argv"\n${body}\n`, {
                    mode: 0o755,
                });
            stub(
                "aws",
                `case "$*" in *get-random-password*) echo ${password};; *list-secrets*) echo ${secretArn};; ` +
                    `*file:///dev/stdin*) cat > "${dir}/secret";; esac`,
            );
            stub("psql", `cat > "${dir}/psql"`);
            stub("jq", `exec ${jq} "$@"`);
            try {
                const run = spawnSync("bash", ["-euo", "pipefail", "-c", snippet], {
                    env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir },
                    encoding: "utf8",
                });
                assert.equal(run.status, 0, run.stderr);
                const argv = fs.readFileSync(path.join(dir, "argv"), "utf8");
                // The live secret of the prefix (its name ends in a suffix Pulumi picks), found by ListSecrets.
                assert.match(argv, /^aws secretsmanager list-secrets --filters Key=name,Values=twine-production\/proxy\/app_production- /m);
                assert.ok(argv.includes(`aws secretsmanager put-secret-value --secret-id ${secretArn} `), argv);
                assert.ok(!argv.includes(password), `the password is on a command line:\n${argv}`);
                assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "secret"), "utf8")), {
                    username: "app_production",
                    password,
                });
                assert.match(
                    fs.readFileSync(path.join(dir, "psql"), "utf8"),
                    new RegExp(`CREATE USER app_production PASSWORD '${password}'`),
                );
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("turning the proxy on where the app serves: the first, targeted up creates the proxy alone, nothing the app needs", async () => {
            const doc = fs.readFileSync(path.join(REPO, "docs", "data-tier.md"), "utf8");
            const pattern = /select\(\.op == "create"\) \| \.urn' \| grep -E '([^']+)'/.exec(doc)?.[1];
            assert.ok(pattern, "no targeted first step (pulumi preview ... | grep -E '<pattern>') in docs/data-tier.md");
            // GIVEN prod served without a proxy, and the change that turns it on
            const on = await planWithConfig("prod", writeStackFile(fixtureConfig("prod")));
            const off = await planWithConfig(
                "prod",
                writeStackFile(withPath(fixtureConfig("prod"), ENVS, "production.database.proxy", false)),
            );
            const before = new Set(off.resources.map(r => r.urn));
            const created = on.resources.filter(r => !before.has(r.urn));
            const createdUrns = new Set(created.map(r => r.urn));
            const targeted = created.filter(r => new RegExp(pattern).test(r.urn));
            const targetedUrns = new Set(targeted.map(r => r.urn));
            // THEN the targets are the proxy's component with everything in it, and the database's rule admitting it
            const component = created.find(r => r.type === "twine:index:DatabaseProxy")!;
            assert.ok(component, "the change creates no proxy component");
            const inside = (r: PlannedResource): boolean =>
                r.urn === component.urn || (!!r.parent && inside(on.resources.find(p => p.urn === r.parent)!));
            assert.deepEqual(
                targeted.map(r => r.urn).sort(),
                created
                    .filter(r => inside(r) || r.name === "production-database-from-proxy")
                    .map(r => r.urn)
                    .sort(),
            );
            // and none of them waits on something else the change creates (a targeted up would refuse it)
            for (const r of targeted) {
                const options = (r as unknown as { options?: { dependsOn?: string[] } }).options;
                const deps = [
                    r.parent,
                    ...(options?.dependsOn ?? []),
                    ...Object.values(
                        (r as unknown as { propertyDependencies?: Record<string, string[]> }).propertyDependencies ?? {},
                    ).flat(),
                ];
                for (const dep of deps)
                    if (dep && createdUrns.has(dep)) assert.ok(targetedUrns.has(dep), `${r.name} needs ${dep}, not targeted`);
            }
            // and the app side (its rules, grants, launch template) is left to the second up
            assert.ok(
                targeted.every(r => !/-app-/.test(r.name)),
                targeted.map(r => r.name).join(),
            );
        });
    });
});
