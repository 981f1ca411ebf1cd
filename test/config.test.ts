import { strict as assert } from "assert";
import { envCrossStackProblems, parseStackConfig } from "../config";
import { fixtureConfig, problemsOf, withKey, withPath } from "./helpers/config";

const NET = "twine-infra:network";
const ENVS = "twine-infra:environments";

describe("stack config", () => {
    describe("the committed stack files", () => {
        for (const stack of ["dns", "bastion", "dev", "prod"]) {
            it(`${stack} parses, with defaults applied`, () => {
                const config = parseStackConfig(stack, fixtureConfig(stack));
                assert.equal(config.accountRole, stack);
                assert.match(config.accountId, /^\d{12}$/);
                if ("network" in config) {
                    assert.ok(config.network.azSlots >= config.network.azCount);
                    assert.ok(config.network.subnetPrefixes.private > 16);
                }
            });
        }
        it("picks the NAT strategy per account: none for the bastion, single in dev, one per AZ in prod", () => {
            const nat = (stack: string) =>
                (parseStackConfig(stack, fixtureConfig(stack)) as { network: { natStrategy: string } }).network.natStrategy;
            assert.deepEqual(["bastion", "dev", "prod"].map(nat), ["none", "single", "perAz"]);
        });
    });

    /**
     * Each row breaks one rule. THEN the whole config is rejected with a problem that names the key, and says
     * why and how to fix it.
     */
    const dev = fixtureConfig("dev");
    const prod = fixtureConfig("prod");
    const bastion = fixtureConfig("bastion");
    const dns = fixtureConfig("dns");
    const badConfigs: { name: string; stack: string; config: Record<string, string>; key: string; why: RegExp }[] = [
        {
            name: "missing accountRole",
            stack: "dev",
            config: withKey(dev, "twine-infra:accountRole", undefined),
            key: "twine-infra:accountRole",
            why: /one of dns, bastion, dev, prod/,
        },
        {
            name: "unknown accountRole",
            stack: "dev",
            config: withKey(dev, "twine-infra:accountRole", "staging"),
            key: "twine-infra:accountRole",
            why: /"staging"/,
        },
        {
            name: "account id of 11 digits",
            stack: "dev",
            config: withKey(dev, "twine-infra:accountId", "12345678901"),
            key: "twine-infra:accountId",
            why: /exactly 12 digits/,
        },
        {
            name: "account id with letters",
            stack: "prod",
            config: withKey(prod, "twine-infra:accountId", "12345678901a"),
            key: "twine-infra:accountId",
            why: /exactly 12 digits/,
        },
        {
            name: "missing accountId",
            stack: "dns",
            config: withKey(dns, "twine-infra:accountId", undefined),
            key: "twine-infra:accountId",
            why: /required but missing/,
        },
        {
            name: "missing region",
            stack: "dev",
            config: withKey(dev, "aws:region", undefined),
            key: "aws:region",
            why: /required but missing/,
        },
        {
            name: "unknown region",
            stack: "dev",
            config: withKey(dev, "aws:region", "eu-westeros-1"),
            key: "aws:region",
            why: /not a region this project knows/,
        },
        {
            name: "malformed VPC CIDR",
            stack: "dev",
            config: withPath(dev, NET, "cidr", "10.20.0.0/33"),
            key: "twine-infra:network.cidr",
            why: /prefix length above 32/,
        },
        {
            name: "VPC CIDR with host bits",
            stack: "dev",
            config: withPath(dev, NET, "cidr", "10.20.1.0/16"),
            key: "twine-infra:network.cidr",
            why: /host bits set/,
        },
        {
            name: "public VPC CIDR",
            stack: "dev",
            config: withPath(dev, NET, "cidr", "8.8.0.0/16"),
            key: "twine-infra:network.cidr",
            why: /RFC 1918/,
        },
        {
            name: "VPC larger than AWS allows",
            stack: "dev",
            config: withPath(dev, NET, "cidr", "10.0.0.0/8"),
            key: "twine-infra:network.cidr",
            why: /between \/16 and \/28/,
        },
        {
            name: "VPC too small for its subnets",
            stack: "bastion",
            config: withPath(bastion, NET, "cidr", "10.10.0.0/27"),
            key: "twine-infra:network",
            why: /has 32 addresses and the tiers require/,
        },
        {
            name: "more AZs than the region offers",
            stack: "prod",
            config: withPath(prod, NET, "azCount", 4),
            key: "twine-infra:network.azCount",
            why: /eu-west-1 offers 3 availability zones, not 4/,
        },
        { name: "zero AZs", stack: "dev", config: withPath(dev, NET, "azCount", 0), key: "twine-infra:network.azCount", why: /at least 1/ },
        {
            name: "AZ count as a string",
            stack: "dev",
            config: withPath(dev, NET, "azCount", "two"),
            key: "twine-infra:network.azCount",
            why: /expected a number, got a string/,
        },
        {
            name: "unknown NAT strategy",
            stack: "dev",
            config: withPath(dev, NET, "natStrategy", "perAZ"),
            key: "twine-infra:network.natStrategy",
            why: /"none", "single", "perAz"/,
        },
        {
            name: "no NAT for app hosts",
            stack: "prod",
            config: withPath(prod, NET, "natStrategy", "none"),
            key: "twine-infra:network.natStrategy",
            why: /need outbound access/,
        },
        {
            name: "flow-log retention CloudWatch lacks",
            stack: "dev",
            config: withPath(dev, NET, "flowLogs.retentionDays", 45),
            key: "twine-infra:network.flowLogs.retentionDays",
            why: /use one of 1, 3, 5/,
        },
        {
            name: "subnet prefix below AWS's minimum",
            stack: "dev",
            config: withPath(dev, NET, "subnetPrefixes", { public: 29 }),
            key: "twine-infra:network",
            why: /at most \/28/,
        },
        {
            name: "azSlots not a power of two",
            stack: "dev",
            config: withPath(dev, NET, "azSlots", 3),
            key: "twine-infra:network",
            why: /power of two/,
        },
        {
            name: "typo in a network key",
            stack: "dev",
            config: withPath(dev, NET, "natStrategey", "single"),
            key: "twine-infra:network.natStrategey",
            why: /unknown key .*did you mean "natStrategy"/,
        },
        {
            name: "unknown top-level key",
            stack: "dev",
            config: withKey(dev, "twine-infra:netwrok", { cidr: "10.0.0.0/16" }),
            key: "twine-infra:netwrok",
            why: /did you mean "network"/,
        },
        {
            name: "a key another role uses",
            stack: "dns",
            config: withKey(dns, "twine-infra:network", { cidr: "10.0.0.0/16" }),
            key: "twine-infra:network",
            why: /unknown key for a dns stack/,
        },
        {
            name: "missing network section",
            stack: "dev",
            config: withKey(dev, NET, undefined),
            key: "twine-infra:network",
            why: /required but missing/,
        },
        {
            name: "empty apex domain",
            stack: "dns",
            config: withPath(dns, "twine-infra:dns", "apexDomain", ""),
            key: "twine-infra:dns.apexDomain",
            why: /DNS name/,
        },
        {
            name: "apex domain with a trailing dot",
            stack: "dns",
            config: withPath(dns, "twine-infra:dns", "apexDomain", "twinehr.com."),
            key: "twine-infra:dns.apexDomain",
            why: /without a trailing dot/,
        },
        {
            name: "stack reference not fully qualified",
            stack: "dev",
            config: withPath(dev, "twine-infra:stacks", "bastion", "bastion"),
            key: "twine-infra:stacks.bastion",
            why: /organization\/project\/stack/,
        },
        {
            name: "prod without the dev stack",
            stack: "prod",
            config: withPath(prod, "twine-infra:stacks", "dev", undefined),
            key: "twine-infra:stacks.dev",
            why: /tested AMI/,
        },
        {
            name: "dev referencing itself",
            stack: "dev",
            config: withPath(dev, "twine-infra:stacks", "dev", "twine/twine-infra/dev"),
            key: "twine-infra:stacks.dev",
            why: /cannot reference itself/,
        },
        {
            name: "credentials in config",
            stack: "dev",
            config: withKey(dev, "aws:secretKey", "abc"),
            key: "aws:secretKey",
            why: /credentials never live in stack config/,
        },
        {
            name: "another provider's key",
            stack: "dev",
            config: withKey(dev, "aws:profile2", "x"),
            key: "aws:profile2",
            why: /unknown key/,
        },
        {
            name: "malformed tag key",
            stack: "dev",
            config: withKey(dev, "twine-infra:tags", { "bad{key}": "x" }),
            key: "twine-infra:tags",
            why: /not a valid AWS tag key/,
        },
        // The environments key (config/environments.ts)
        {
            name: "search nodes zone awareness cannot spread",
            stack: "prod",
            config: withPath(prod, ENVS, "production.search.instanceCount", 4),
            key: "twine-infra:environments.production.search.instanceCount",
            why: /4 nodes do not divide evenly.*multiple of 3, e.g. 3/,
        },
        {
            name: "more search AZs than the VPC has",
            stack: "dev",
            config: withPath(dev, ENVS, "integration.search.availabilityZones", 3),
            key: "twine-infra:environments.integration.search.availabilityZones",
            why: /data subnets in 2 AZs, not 3/,
        },
        {
            name: "backups kept under 7 days",
            stack: "dev",
            config: withPath(dev, ENVS, "test.database.backupRetentionDays", 3),
            key: "twine-infra:environments.test.database.backupRetentionDays",
            why: /fewer than 7 days of backups/,
        },
        {
            name: "prod backups kept under 14 days",
            stack: "prod",
            config: withPath(prod, ENVS, "production.database.backupRetentionDays", 7),
            key: "twine-infra:environments.production.database.backupRetentionDays",
            why: /at least 14 days/,
        },
        {
            name: "prod database without Multi-AZ",
            stack: "prod",
            config: withPath(prod, ENVS, "production.database.multiAz", false),
            key: "twine-infra:environments.production.database.multiAz",
            why: /standby in a second AZ/,
        },
        {
            name: "prod search without dedicated masters",
            stack: "prod",
            config: withPath(prod, ENVS, "production.search.dedicatedMasterCount", 0),
            key: "twine-infra:environments.production.search.dedicatedMasterCount",
            why: /dedicated masters/,
        },
        {
            name: "prod search in one AZ",
            stack: "prod",
            config: withPath(prod, ENVS, "production.search", { availabilityZones: 1, instanceCount: 2 }),
            key: "twine-infra:environments.production.search.availabilityZones",
            why: /one AZ/,
        },
        {
            name: "malformed engine version",
            stack: "dev",
            config: withPath(dev, ENVS, "integration.database.engineVersion", "v16"),
            key: "twine-infra:environments.integration.database.engineVersion",
            why: /e\.g\. "16"/,
        },
        {
            name: "malformed OpenSearch version",
            stack: "dev",
            config: withPath(dev, ENVS, "integration.search.engineVersion", "2.19"),
            key: "twine-infra:environments.integration.search.engineVersion",
            why: /OpenSearch_<major>\.<minor>/,
        },
        {
            name: "OpenSearch without Snapshot Management",
            stack: "dev",
            config: withPath(dev, ENVS, "integration.search.engineVersion", "OpenSearch_1.3"),
            key: "twine-infra:environments.integration.search.engineVersion",
            why: /needs OpenSearch 2\.5 or later/,
        },
        {
            name: "t2 search nodes",
            stack: "dev",
            config: withPath(dev, ENVS, "test.search.instanceType", "t2.small.search"),
            key: "twine-infra:environments.test.search.instanceType",
            why: /cannot encrypt data at rest/,
        },
        {
            name: "storage ceiling below the allocation",
            stack: "dev",
            config: withPath(dev, ENVS, "test.database.maxAllocatedStorageGiB", 20),
            key: "twine-infra:environments.test.database.maxAllocatedStorageGiB",
            why: /at least 10% above/,
        },
        {
            name: "environment name not a DNS label",
            stack: "dev",
            config: withPath(dev, ENVS, "Staging_1", {}),
            key: "twine-infra:environments",
            why: /lower-case DNS label/,
        },
        {
            name: "sharing with an environment that is not there",
            stack: "dev",
            config: withPath(dev, ENVS, "test", { shareDataWith: "staging" }),
            key: "twine-infra:environments.test.shareDataWith",
            why: /no environment "staging".*use one of integration/,
        },
        {
            name: "sharing in prod",
            stack: "prod",
            config: withPath(prod, ENVS, "canary", { shareDataWith: "production" }),
            key: "twine-infra:environments.canary.shareDataWith",
            why: /never shares/,
        },
        {
            name: "sharing and settings at once",
            stack: "dev",
            config: withPath(dev, ENVS, "test.shareDataWith", "integration"),
            key: "twine-infra:environments.test.database",
            why: /would be ignored/,
        },
        {
            name: "prod defaults in a one-AZ VPC",
            stack: "prod",
            config: withKey(withPath(prod, NET, "azCount", 1), ENVS, undefined),
            key: "twine-infra:environments.production.search.availabilityZones",
            why: /one AZ/,
        },
        {
            name: "typo in a database key",
            stack: "dev",
            config: withPath(dev, ENVS, "test.database.instanceClas", "db.t4g.small"),
            key: "twine-infra:environments.test.database.instanceClas",
            why: /did you mean "instanceClass"/,
        },
        ...bastionAndDnsRows(),
    ];

    describe("rejects bad input with the key, the value, why and the fix", () => {
        for (const row of badConfigs) {
            it(row.name, () => {
                const problems = problemsOf(row.stack, row.config);
                const hit = problems.find(p => p.startsWith(row.key));
                assert.ok(hit, `no problem names ${row.key}; got:\n${problems.join("\n")}`);
                assert.match(hit, row.why);
                assert.match(hit, /Fix: /);
            });
        }
    });

    it("refuses a fleet whose maximum times its pool exceeds the database's connection budget", () => {
        // GIVEN dev's integration environment at 50 servers with the default pool of 10, on db.t4g.medium (4 GiB)
        const config = withPath(dev, "twine-infra:environments", "integration.app", { minSize: 1, maxSize: 50 });
        // WHEN parsed  THEN 55 servers in a refresh, 550 connections, against 90 % of max_connections 337 (3 of 4 GiB)
        const problems = problemsOf("dev", config);
        const hit = problems.find(p => p.includes("poolSizePerServer"));
        assert.ok(hit, problems.join("\n"));
        assert.match(hit, /55 servers at their peak \(app\.maxSize 50 at a refresh's 110 % = 55\) × database\.poolSizePerServer \(10\)/);
        assert.match(hit, / = 550 connections exceeds the database's budget \(303: 90 % of max_connections 337 on db\.t4g\.medium/);
        assert.match(hit, /Fix: lower database\.poolSizePerServer or app\.maxSize/);
    });

    it("budgets from DBInstanceClassMemory, and counts a refresh above maxSize and the warm pool", () => {
        // GIVEN 30 servers × 10 = 300, under 90 % of the class's full memory's 450 (405) but not of what RDS leaves
        const refresh = withPath(dev, "twine-infra:environments", "integration.app", { minSize: 1, maxSize: 30 });
        // WHEN parsed  THEN a refresh's 33 servers (330 connections) exceed the budget of 303
        assert.ok(problemsOf("dev", refresh).some(p => /33 servers at their peak .* = 330 connections .*\(303/.test(p)));
        // GIVEN 27 servers (30 in a refresh: 300, within 303) and a warm pool of 2, which boot and open their pools
        const pool = withPath(dev, "twine-infra:environments", "integration.app", { minSize: 1, maxSize: 27, warmPool: { minSize: 2 } });
        const hit = problemsOf("dev", pool).find(p => p.includes("poolSizePerServer"));
        assert.ok(hit, "the warm pool counts");
        assert.match(hit, /32 servers at their peak \(app\.maxSize 27 at a refresh's 110 % = 30 plus a warm pool of 2\)/);
        const fits = withPath(dev, "twine-infra:environments", "integration.app", { minSize: 1, maxSize: 27 });
        assert.doesNotThrow(() => parseStackConfig("dev", fits));
    });

    it("counts the fleets of the environments that share a database together", () => {
        // GIVEN test on integration's data tier, each fleet at 25 servers: 28 each in a refresh, 560 connections together
        let config = withPath(dev, "twine-infra:environments", "integration.app", { minSize: 1, maxSize: 25 });
        config = withPath(config, "twine-infra:environments", "test", { shareDataWith: "integration", app: { minSize: 1, maxSize: 25 } });
        // WHEN parsed  THEN the owner's budget (303) refuses them together
        const hit = problemsOf("dev", config).find(p => p.includes("poolSizePerServer"));
        assert.ok(hit);
        assert.match(hit, /56 servers at their peak \(integration: app\.maxSize 25 .* = 28; test: app\.maxSize 25 .* = 28, together\)/);
    });

    it("lists every problem at once", () => {
        // GIVEN three independent mistakes  WHEN parsed  THEN one error lists all three
        let config = withKey(dev, "twine-infra:accountId", "123");
        config = withPath(config, NET, "natStrategy", "many");
        config = withKey(config, "twine-infra:extra", "x");
        const problems = problemsOf("dev", config);
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.throws(
            () => parseStackConfig("dev", config),
            (err: Error) => /Invalid configuration for stack "dev" \(3 problems\)/.test(err.message),
        );
    });

    describe("cross-stack rules", () => {
        const bastionVpc = { stack: "bastion", cidr: "10.10.0.0/24", region: "eu-west-1" };
        it("accepts disjoint VPCs in the bastion's region", () => {
            assert.deepEqual(
                envCrossStackProblems({
                    role: "prod",
                    cidr: "10.30.0.0/16",
                    region: "eu-west-1",
                    bastion: bastionVpc,
                    otherEnv: { stack: "dev", cidr: "10.20.0.0/16", region: "eu-west-1" },
                }),
                [],
            );
        });
        it("rejects an env VPC that overlaps the bastion VPC", () => {
            const [p] = envCrossStackProblems({ role: "dev", cidr: "10.10.0.0/16", region: "eu-west-1", bastion: bastionVpc });
            assert.match(p, /^twine-infra:network\.cidr = "10\.10\.0\.0\/16": overlaps the bastion VPC 10\.10\.0\.0\/24.*Fix:/);
        });
        it("rejects a prod VPC that overlaps dev", () => {
            const [p] = envCrossStackProblems({
                role: "prod",
                cidr: "10.20.128.0/17",
                region: "eu-west-1",
                bastion: bastionVpc,
                otherEnv: { stack: "dev", cidr: "10.20.0.0/16", region: "eu-west-1" },
            });
            assert.match(p, /overlaps the dev VPC 10\.20\.0\.0\/16/);
        });
        it("accepts an env that the bastion lists with the same account and block", () => {
            const bastionPeers = { dev: { accountId: "333333333333", cidr: "10.20.0.0/16" } };
            assert.deepEqual(
                envCrossStackProblems({
                    role: "dev",
                    cidr: "10.20.0.0/16",
                    region: "eu-west-1",
                    bastion: bastionVpc,
                    accountId: "333333333333",
                    bastionPeers,
                }),
                [],
            );
        });
        it("rejects an env the bastion does not peer with", () => {
            const [p] = envCrossStackProblems({
                role: "prod",
                cidr: "10.30.0.0/16",
                region: "eu-west-1",
                bastion: bastionVpc,
                accountId: "444444444444",
                bastionPeers: {},
            });
            assert.match(
                p,
                new RegExp(
                    /^twine-infra:accountRole = "prod": the bastion stack lists no prod peer.*/.source +
                        /Fix: add bastionHost\.peers\.prod .*accountId 444444444444, cidr 10\.30\.0\.0\/16/.source,
                ),
            );
        });
        it("rejects a bastion grant to an environment this stack does not have, naming the ones it has", () => {
            const base = { role: "dev" as const, cidr: "10.20.0.0/16", region: "eu-west-1", bastion: bastionVpc };
            const environments = ["integration", "test"];
            assert.deepEqual(envCrossStackProblems({ ...base, grantTargets: ["integration", "test", "jenkins"], environments }), []);
            const [p, ...more] = envCrossStackProblems({ ...base, grantTargets: ["integration", "tset"], environments });
            assert.deepEqual(more, []);
            assert.match(p, /^bastionHost\.peers\.dev\.access\.tset \(bastion stack\): the dev stack has no environment tset/);
            assert.match(p, /targets: integration, test, jenkins\).*Fix: name one of integration, test, jenkins/);
            const [jenkinsInProd] = envCrossStackProblems({
                ...base,
                role: "prod",
                grantTargets: ["jenkins"],
                environments: ["production"],
            });
            assert.match(jenkinsInProd, /the prod stack has no environment jenkins.*targets: production\)/);
        });
        it("rejects an env outside the bastion's region", () => {
            const [p] = envCrossStackProblems({ role: "dev", cidr: "10.20.0.0/16", region: "us-east-1", bastion: bastionVpc });
            assert.match(p, /^aws:region = "us-east-1": the bastion VPC is in eu-west-1.*Fix: deploy the dev stack in eu-west-1/);
        });
    });
});

/** Rows for the bastion host and dns delegation sections, in the same form as the table above. */
function bastionAndDnsRows() {
    const bastion = fixtureConfig("bastion");
    const dns = fixtureConfig("dns");
    const HOST = "twine-infra:bastionHost";
    const DEL = "twine-infra:delegation";
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHBsYWNlaG9sZGVyLWFsaWNlMDAwMDAwMDAwMDAwMDAw alice@example.invalid-placeholder";
    return [
        {
            name: "SSH open to the whole IPv4 Internet",
            stack: "bastion",
            config: withPath(bastion, HOST, "sshAllowedCidrs", ["0.0.0.0/0"]),
            key: "twine-infra:bastionHost.sshAllowedCidrs",
            why: /0\.0\.0\.0\/0 opens the port to the whole Internet.*Fix: list the office or VPN ranges/,
        },
        {
            name: "SSH open to the whole IPv6 Internet",
            stack: "bastion",
            config: withPath(bastion, HOST, "sshAllowedCidrs", ["203.0.113.0/24", "::/0"]),
            key: "twine-infra:bastionHost.sshAllowedCidrs",
            why: /::\/0 opens SSH to the whole IPv6 Internet/,
        },
        {
            name: "an IPv6 SSH range",
            stack: "bastion",
            config: withPath(bastion, HOST, "sshAllowedCidrs", ["2001:db8::/32"]),
            key: "twine-infra:bastionHost.sshAllowedCidrs",
            why: /no IPv6 address/,
        },
        {
            name: "no SSH ranges at all",
            stack: "bastion",
            config: withPath(bastion, HOST, "sshAllowedCidrs", []),
            key: "twine-infra:bastionHost.sshAllowedCidrs",
            why: /at least 1/,
        },
        {
            name: "an arm64 instance type for the x86_64 image",
            stack: "bastion",
            config: withPath(bastion, HOST, "instanceType", "t4g.micro"),
            key: "twine-infra:bastionHost.instanceType",
            why: /Graviton/,
        },
        {
            name: "no users",
            stack: "bastion",
            config: withPath(bastion, HOST, "users", []),
            key: "twine-infra:bastionHost.users",
            why: /at least 1/,
        },
        {
            name: "a reserved login name",
            stack: "bastion",
            config: withPath(bastion, HOST, "users", [{ name: "root", publicKeys: [key] }]),
            key: "twine-infra:bastionHost.users[0].name",
            why: /reserved/,
        },
        {
            name: "a login name with capitals",
            stack: "bastion",
            config: withPath(bastion, HOST, "users", [{ name: "Alice", publicKeys: [key] }]),
            key: "twine-infra:bastionHost.users[0].name",
            why: /not a valid login name/,
        },
        {
            name: "the same user twice",
            stack: "bastion",
            config: withPath(bastion, HOST, "users", [
                { name: "alice", publicKeys: [key] },
                { name: "alice", publicKeys: [key] },
            ]),
            key: "twine-infra:bastionHost.users[1].name",
            why: /listed twice/,
        },
        {
            name: "a truncated public key",
            stack: "bastion",
            config: withPath(bastion, HOST, "users", [{ name: "alice", publicKeys: [key.slice(0, 40)] }]),
            key: "twine-infra:bastionHost.users[0].publicKeys",
            why: /truncated|not a key/,
        },
        {
            name: "a peer stack of another organization than twine-infra:stacks",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.dev.stack", "acme/twine-infra/dev"),
            key: "twine-infra:bastionHost.peers.dev.stack",
            why: /names organization acme, but stacks\.dns \(twine\/twine-infra\/dns\) is of twine.*Fix: write twine\/twine-infra\/dev/,
        },
        {
            name: "a peer stack of another project",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.prod.stack", "twine/other/prod"),
            key: "twine-infra:bastionHost.peers.prod.stack",
            why: /names project other, not this project \(twine-infra\).*Fix: write twine\/twine-infra\/prod/,
        },
        {
            name: "a peer VPC overlapping the bastion's",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.dev.cidr", "10.10.0.0/16"),
            key: "twine-infra:bastionHost.peers.dev.cidr",
            why: /overlaps the bastion VPC 10\.10\.0\.0\/24/,
        },
        {
            name: "two peer VPCs overlapping",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.prod.cidr", "10.20.128.0/17"),
            key: "twine-infra:bastionHost.peers.prod.cidr",
            why: /overlaps the dev VPC 10\.20\.0\.0\/16/,
        },
        {
            name: "a bastion AMI that is not an AMI id",
            stack: "bastion",
            config: withPath(bastion, HOST, "amiId", "ubuntu-24.04"),
            key: "twine-infra:bastionHost.amiId",
            why: /not an AMI id/,
        },
        {
            name: "a grant to someone who is not a bastion user",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.dev.access", { integration: { login: ["zed"] } }),
            key: "twine-infra:bastionHost.peers.dev.access.integration.login[0]",
            why: /zed is not a bastion user\. Fix: add zed to bastionHost\.users/,
        },
        {
            name: "a person in both login and admin",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.prod.access", { production: { login: ["alice"], admin: ["alice"] } }),
            key: "twine-infra:bastionHost.peers.prod.access.production.login",
            why: /keep alice in admin only/,
        },
        {
            name: "tunnels to two environments of one account held by different people",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.dev.access", {
                integration: { tunnel: ["bob"] },
                test: { tunnel: ["alice", "bob"] },
                jenkins: { tunnel: ["alice"] },
            }),
            key: "twine-infra:bastionHost.peers.dev.access.test.tunnel",
            why: /tunnels to integration \(bob\) and test \(alice, bob\) of dev reach both databases.*Fix: list the same people in both/,
        },
        {
            name: "a Jenkins grant in prod",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.prod.access", { jenkins: { tunnel: ["alice"] } }),
            key: "twine-infra:bastionHost.peers.prod.access.jenkins",
            why: /Jenkins runs in the dev account.*Fix: move this grant/,
        },
        {
            name: "a grant list other than login, admin or tunnel",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.dev.access", { integration: { shell: ["alice"] } }),
            key: "twine-infra:bastionHost.peers.dev.access.integration",
            why: /unknown key/,
        },
        {
            name: "a peer other than dev or prod",
            stack: "bastion",
            config: withPath(bastion, HOST, "peers.staging", { accountId: "555555555555", cidr: "10.40.0.0/16" }),
            key: "twine-infra:bastionHost.peers.staging",
            why: /unknown key/,
        },
        {
            name: "bastion without the dns stack",
            stack: "bastion",
            config: withKey(bastion, "twine-infra:stacks", undefined),
            key: "twine-infra:stacks",
            why: /required but missing/,
        },
        {
            name: "missing delegation section",
            stack: "dns",
            config: withKey(dns, DEL, undefined),
            key: "twine-infra:delegation",
            why: /required but missing/,
        },
        {
            name: "a consumer account id of 11 digits",
            stack: "dns",
            config: withPath(dns, DEL, "dev.accountId", "33333333333"),
            key: "twine-infra:delegation.dev.accountId",
            why: /exactly 12 digits/,
        },
        {
            name: "a public name outside the apex",
            stack: "dns",
            config: withPath(dns, DEL, "prod.publicNames", ["app.example.com"]),
            key: "twine-infra:delegation.prod.publicNames[0]",
            why: /not in the apex zone twinehr\.com/,
        },
        {
            name: "the apex itself as a public name",
            stack: "dns",
            config: withPath(dns, DEL, "prod.publicNames", ["twinehr.com"]),
            key: "twine-infra:delegation.prod.publicNames[0]",
            why: /the apex twinehr\.com itself cannot be a prod public name.*Fix: serve prod from a name under the apex/,
        },
        {
            name: "a public name in the dev subzone",
            stack: "dns",
            config: withPath(dns, DEL, "prod.publicNames", ["www.dev.twinehr.com"]),
            key: "twine-infra:delegation.prod.publicNames[0]",
            why: /dev\.twinehr\.com belongs to the dev account/,
        },
        {
            name: "the bastion's name as a public name",
            stack: "dns",
            config: withPath(dns, DEL, "prod.publicNames", ["bastion.twinehr.com"]),
            key: "twine-infra:delegation.prod.publicNames[0]",
            why: /belongs to the bastion account/,
        },
    ];
}
