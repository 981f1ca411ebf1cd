import { strict as assert } from "assert";
import { parse } from "yaml";
import { hostAccess } from "../components/access/accessCloudConfig";
import { appClusterArgProblems } from "../components/app/appCluster";
import { renderAppUserData, renderSettingsFile } from "../components/app/appUserDataConfig";
import { ELB_LOG_DELIVERY_SERVICE, accessLogBucketPolicy } from "../components/app/accessLogPolicy";
import { webAclRules } from "../components/app/webAclConfig";
import { appTierProblems, withAppTierDefaults } from "../config/appTier";

describe("app tier helpers", () => {
    describe("user data", () => {
        it("writes only the settings file and a restart: no package installs at boot", () => {
            const userData = renderAppUserData({ TWINE_ENVIRONMENT: "integration", DATABASE_HOST: "db.internal" });
            assert.match(userData, /^#cloud-config\n/);
            assert.match(userData, /DATABASE_HOST="db\.internal"\n {6}TWINE_ENVIRONMENT="integration"/);
            assert.doesNotMatch(userData, /apt|packages:|pip|curl|wget/);
        });
        it("adds the environment's access before the restart, and still installs nothing", () => {
            const logins = [{ name: "bob", publicKeys: ["ssh-ed25519 AAAAbob"], sudo: false }];
            const userData = parse(
                renderAppUserData(
                    { TWINE_ENVIRONMENT: "integration" },
                    hostAccess({ logins, bastionIp: "10.10.0.10", role: "integration app servers" }),
                ),
            );
            assert.deepEqual(
                userData.users.map((u: { name: string }) => u.name),
                ["bob"],
            );
            assert.deepEqual(
                userData.write_files.map((f: { path: string }) => f.path),
                [
                    "/etc/ssh/authorized_keys/bob",
                    "/etc/ssh/sshd_config.d/10-twine-access.conf",
                    "/etc/nftables.conf",
                    "/etc/systemd/system/ssh.socket.d/10-twine-firewall.conf",
                    "/etc/systemd/system/ssh.service.d/10-twine-firewall.conf",
                    "/etc/systemd/system/nftables.service.d/10-twine-own-table.conf",
                    "/etc/twine/environment",
                ],
            );
            assert.deepEqual(userData.runcmd.at(-1), ["systemctl", "restart", "twine.service"]);
            assert.equal(userData.packages, undefined);
        });
        it("is the same whatever order the settings come in", () => {
            assert.equal(renderSettingsFile({ B: "2", A: "1" }), renderSettingsFile({ A: "1", B: "2" }));
        });
        it("escapes shell-significant characters and refuses multi-line values and bad keys", () => {
            assert.equal(renderSettingsFile({ X: 'a"b$c\\d`e' }), 'X="a\\"b\\$c\\\\d\\`e"\n');
            assert.throws(() => renderSettingsFile({ X: "a\nb" }), /single-line/);
            assert.throws(() => renderSettingsFile({ "bad-key": "x" }), /bad-key/);
        });
    });

    describe("access-log bucket policy", () => {
        it("lets the regional ELB account write under our prefix only, and denies plain HTTP", () => {
            const policy = accessLogBucketPolicy({
                bucketArn: "arn:aws:s3:::logs",
                prefix: "integration",
                region: "eu-west-1",
                accountId: "333333333333",
            });
            const [allow, deny] = policy.Statement;
            assert.deepEqual(allow.Principal, { AWS: "arn:aws:iam::156460612806:root" });
            assert.equal(allow.Action, "s3:PutObject");
            assert.equal(allow.Resource, "arn:aws:s3:::logs/integration/AWSLogs/333333333333/*");
            assert.equal(deny.Effect, "Deny");
            assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
        });
        it("uses the log-delivery service in regions without a regional ELB account", () => {
            const policy = accessLogBucketPolicy({
                bucketArn: "arn:aws:s3:::logs",
                prefix: "p",
                region: "ap-southeast-4",
                accountId: "333333333333",
            });
            assert.deepEqual(policy.Statement[0].Principal, { Service: ELB_LOG_DELIVERY_SERVICE });
        });
    });

    describe("WAF rules", () => {
        it("puts the per-client rate limit first, then the managed groups in order", () => {
            const rules = webAclRules({ rateLimitPer5Minutes: 500, managedRuleGroups: ["A", "B"], metricPrefix: "x" });
            assert.deepEqual(
                rules.map(r => [r.priority, r.name]),
                [
                    [0, "per-client-rate-limit"],
                    [1, "A"],
                    [2, "B"],
                ],
            );
            assert.deepEqual(rules[0].statement, { rateBasedStatement: { limit: 500, aggregateKeyType: "IP", evaluationWindowSec: 300 } });
            assert.deepEqual(rules[0].action, { block: {} });
        });
    });

    describe("AppCluster argument checks", () => {
        const good = {
            minSize: 1,
            maxSize: 3,
            desiredCapacity: 1,
            healthCheckPath: "/healthz",
            hostNames: [{ name: "a.example.com", zoneId: "Z1" }],
            scaling: { cpuUtilizationPercent: 60 },
            appPort: 8080,
        };
        it("accepts sane arguments", () => assert.deepEqual(appClusterArgProblems(good), []));
        it("lists every problem, quoting the values", () => {
            const problems = appClusterArgProblems({
                ...good,
                minSize: 4,
                healthCheckPath: "healthz",
                hostNames: [],
                scaling: {},
                appPort: 80,
            });
            assert.equal(problems.length, 5, problems.join("\n"));
            assert.match(problems[0], /minSize \(4\) <= desiredCapacity \(1\) <= maxSize \(3\)/);
        });
    });

    describe("app tier config", () => {
        it("defaults: a small dev tier, a redundant prod tier with a warm pool", () => {
            const dev = withAppTierDefaults("dev", "integration");
            assert.deepEqual([dev.hostNames, dev.minSize, dev.maxSize, dev.warmPool], [["integration"], 1, 3, undefined]);
            const prod = withAppTierDefaults("prod", "production");
            assert.deepEqual([prod.minSize, prod.warmPool], [3, { minSize: 2 }]);
        });
        it("checks min <= desired <= max, scaling targets, public names and prod redundancy", () => {
            const messages = (role: "dev" | "prod", input: object) =>
                appTierProblems(role, "e", input).map(([path, , m]) => `${path.join(".")}: ${m}`);
            assert.match(messages("dev", { minSize: 3, maxSize: 2 })[0], /^app\.minSize: minSize \(3\) should be <= maxSize \(2\)\. Fix:/);
            assert.match(messages("dev", { desiredCapacity: 9 })[0], /^app\.desiredCapacity: desiredCapacity \(9\) must lie between/);
            assert.match(messages("dev", { scaling: {} })[0], /^app\.scaling: .*at least one target/);
            assert.match(messages("dev", { publicNames: ["app"] })[0], /^app\.publicNames: only prod/);
            assert.match(messages("prod", { minSize: 1 })[0], /^app\.minSize: production needs at least two servers/);
            assert.deepEqual(messages("prod", {}), []);
        });
    });
});
