/**
 * The bad-input suite: broken stack configs run through the real program under the offline plan, as
 * `pulumi preview` would run them. Each must fail with one error that names the key and says how to fix it,
 * before the program declares anything: nothing but the stack and its StackReferences may be registered.
 * (test/config.test.ts checks the parser on its own; this suite checks the whole path, and cross-stack rules.)
 */
import { strict as assert } from "assert";
import { ConfigError } from "../config";
import { lastRunRegistrations } from "../plan/run";
import { UpstreamError } from "../stacks/upstream";
import { fixtureConfig, withKey, withPath, writeStackFile } from "./helpers/config";
import { planWithConfig, runCli } from "./helpers/plans";

const NET = "twine-infra:network";
const STACKS_KEY = "twine-infra:stacks";
const BASELINE = "twine-infra:baseline";
const dns = fixtureConfig("dns");
const bastion = fixtureConfig("bastion");
const dev = fixtureConfig("dev");
const prod = fixtureConfig("prod");

interface BadInput {
    readonly name: string;
    readonly stack: "dns" | "bastion" | "dev" | "prod";
    readonly config: Record<string, string>;
    /** The key the message must name, as printed ("twine-infra:network.cidr", "aws:region"). */
    readonly key: string;
    readonly why: RegExp;
    /** Cross-stack problems found once upstream outputs are read (ConfigError or UpstreamError). */
    readonly upstream?: boolean;
}

const BAD: BadInput[] = [
    // identity of the stack
    {
        name: "accountRole for another account kind",
        stack: "dev",
        config: withKey(dev, "twine-infra:accountRole", "qa"),
        key: "twine-infra:accountRole",
        why: /"qa"/,
    },
    {
        name: "accountId with a dash",
        stack: "prod",
        config: withKey(prod, "twine-infra:accountId", "4444-4444-4444"),
        key: "twine-infra:accountId",
        why: /12 digits/,
    },
    {
        name: "accountId with a digit missing",
        stack: "bastion",
        config: withKey(bastion, "twine-infra:accountId", "22222222222"),
        key: "twine-infra:accountId",
        why: /12 digits, and this has 11: a digit is missing\. Fix: copy the id from the account/,
    },
    {
        name: "no region",
        stack: "bastion",
        config: withKey(bastion, "aws:region", undefined),
        key: "aws:region",
        why: /required but missing/,
    },
    {
        name: "region name with a typo",
        stack: "dns",
        config: withKey(dns, "aws:region", "eu-west1"),
        key: "aws:region",
        why: /not a region this project knows/,
    },
    {
        name: "static credentials in the stack file",
        stack: "prod",
        config: withKey(prod, "aws:accessKey", "AKIAEXAMPLE"),
        key: "aws:accessKey",
        why: /credentials never live in stack config/,
    },
    {
        name: "assumeRole set on the default provider",
        stack: "dev",
        config: withKey(dev, "aws:assumeRole", { roleArn: "arn:aws:iam::333333333333:role/x" }),
        key: "aws:assumeRole",
        why: /credentials/,
    },
    {
        name: "a setting of a provider this program does not use",
        stack: "dns",
        config: withKey(dns, "gcp:project", "twine"),
        key: "gcp:project",
        why: /unknown key/,
    },
    {
        name: "tag value longer than AWS allows",
        stack: "dev",
        config: withKey(dev, "twine-infra:tags", { CostCentre: "x".repeat(257) }),
        key: "twine-infra:tags.CostCentre",
        why: /at most 256/,
    },
    {
        name: "environment name of 200 characters",
        stack: "dev",
        config: withKey(dev, "twine-infra:environments", { ["a".repeat(200)]: {} }),
        key: "twine-infra:environments.",
        why: /an environment name is at most 20 characters\. Fix: use a shorter name/,
    },
    // network
    {
        name: "VPC CIDR that is not an address",
        stack: "bastion",
        config: withPath(bastion, NET, "cidr", "10.10.0/24"),
        key: "twine-infra:network.cidr",
        why: /Fix: write a network address/,
    },
    {
        name: "VPC CIDR in public space",
        stack: "prod",
        config: withPath(prod, NET, "cidr", "100.64.0.0/16"),
        key: "twine-infra:network.cidr",
        why: /RFC 1918/,
    },
    {
        name: "VPC CIDR /15, beyond AWS's /16 limit",
        stack: "dev",
        config: withPath(dev, NET, "cidr", "10.20.0.0/15"),
        key: "twine-infra:network.cidr",
        why: /between \/16 and \/28/,
    },
    {
        name: "VPC too small for three tiers",
        stack: "dev",
        config: withPath(dev, NET, "cidr", "10.20.0.0/26"),
        key: "twine-infra:network",
        why: /tiers require/,
    },
    {
        name: "four AZs in a three-AZ region",
        stack: "dev",
        config: withPath(dev, NET, "azCount", 4),
        key: "twine-infra:network.azCount",
        why: /offers 3 availability zones/,
    },
    { name: "seven AZs", stack: "prod", config: withPath(prod, NET, "azCount", 7), key: "twine-infra:network.azCount", why: /at most 6/ },
    {
        name: "fractional AZ count",
        stack: "dev",
        config: withPath(dev, NET, "azCount", 1.5),
        key: "twine-infra:network.azCount",
        why: new RegExp(
            "expected a whole number, got a fractional number\\. Fix: set a whole number at twine-infra:network\\.azCount " +
                "in Pulumi\\.dev\\.yaml, or pulumi config set --path network\\.azCount",
        ),
    },
    {
        name: "NAT strategy in the wrong case",
        stack: "prod",
        config: withPath(prod, NET, "natStrategy", "PerAz"),
        key: "twine-infra:network.natStrategy",
        why: /"perAz"/,
    },
    {
        name: "dev without outbound access",
        stack: "dev",
        config: withPath(dev, NET, "natStrategy", "none"),
        key: "twine-infra:network.natStrategy",
        why: /need outbound access/,
    },
    {
        name: "flow-log traffic type CloudWatch does not know",
        stack: "bastion",
        config: withPath(bastion, NET, "flowLogs.trafficType", "DENY"),
        key: "twine-infra:network.flowLogs.trafficType",
        why: /"ALL", "ACCEPT", "REJECT"/,
    },
    {
        name: "flow-log retention of 100 days",
        stack: "prod",
        config: withPath(prod, NET, "flowLogs.retentionDays", 100),
        key: "twine-infra:network.flowLogs.retentionDays",
        why: /CloudWatch Logs does not offer/,
    },
    {
        name: "private subnets smaller than AWS allows",
        stack: "dev",
        config: withPath(dev, NET, "subnetPrefixes", { private: 30 }),
        key: "twine-infra:network",
        why: /tier "private": subnet prefix \/30 .* at most \/28/,
    },
    {
        name: "fewer AZ slots than AZs",
        stack: "prod",
        config: withPath(prod, NET, "azSlots", 2),
        key: "twine-infra:network",
        why: /azSlots \(2\) must be a power of two and at least azCount \(3\)/,
    },
    {
        name: "misspelt flowLogs",
        stack: "dev",
        config: withPath(dev, NET, "flowlogs", { retentionDays: 30 }),
        key: "twine-infra:network.flowlogs",
        why: /did you mean "flowLogs"/,
    },
    {
        name: "network section on the dns stack",
        stack: "dns",
        config: withKey(dns, NET, { cidr: "10.0.0.0/16" }),
        key: "twine-infra:network",
        why: /unknown key for a dns stack/,
    },
    {
        name: "bastion without a network",
        stack: "bastion",
        config: withKey(bastion, NET, undefined),
        key: "twine-infra:network",
        why: /required but missing/,
    },
    // dns
    {
        name: "apex domain in capitals",
        stack: "dns",
        config: withPath(dns, "twine-infra:dns", "apexDomain", "TwineHR.com"),
        key: "twine-infra:dns.apexDomain",
        why: /lower-case DNS name/,
    },
    {
        name: "apex domain without a TLD",
        stack: "dns",
        config: withPath(dns, "twine-infra:dns", "apexDomain", "twinehr"),
        key: "twine-infra:dns.apexDomain",
        why: /DNS name/,
    },
    {
        name: "dns stack without its zone",
        stack: "dns",
        config: withKey(dns, "twine-infra:dns", undefined),
        key: "twine-infra:dns",
        why: /required but missing/,
    },
    // upstream stacks
    {
        name: "upstream stack given by its short name",
        stack: "prod",
        config: withPath(prod, STACKS_KEY, "dns", "dns"),
        key: "twine-infra:stacks.dns",
        why: /organization\/project\/stack/,
    },
    {
        name: "prod that forgot dev",
        stack: "prod",
        config: withPath(prod, STACKS_KEY, "dev", undefined),
        key: "twine-infra:stacks.dev",
        why: /tested AMI/,
    },
    {
        name: "an upstream this design does not have",
        stack: "dev",
        config: withPath(dev, STACKS_KEY, "jenkins", "twine/ci/jenkins"),
        key: "twine-infra:stacks.jenkins",
        why: /unknown key for a dev stack/,
    },
    {
        name: "env stack without its stacks section",
        stack: "dev",
        config: withKey(dev, STACKS_KEY, undefined),
        key: "twine-infra:stacks",
        why: /required but missing/,
    },
    // account baseline
    {
        name: "GuardDuty switch as a string",
        stack: "dev",
        config: withKey(dev, BASELINE, { guardDuty: "yes" }),
        key: "twine-infra:baseline.guardDuty",
        why: /expected true or false, got a string/,
    },
    {
        name: "trail kept 30 days",
        stack: "dns",
        config: withKey(dns, BASELINE, { trailRetentionDays: 30 }),
        key: "twine-infra:baseline.trailRetentionDays",
        why: /at least 90/,
    },
    {
        name: "prod trail kept less than a year",
        stack: "prod",
        config: withKey(prod, BASELINE, { trailRetentionDays: 180 }),
        key: "twine-infra:baseline.trailRetentionDays",
        why: /at least 365 days/,
    },
    {
        name: "unknown baseline setting",
        stack: "bastion",
        config: withKey(bastion, BASELINE, { cloudTrail: false }),
        key: "twine-infra:baseline.cloudTrail",
        why: /unknown key/,
    },
    // cross-stack mistakes, found once the upstream outputs are read
    {
        name: "dev VPC overlapping the bastion VPC",
        stack: "dev",
        config: withPath(dev, NET, "cidr", "10.10.0.0/16"),
        key: "twine-infra:network.cidr",
        why: /overlaps the bastion VPC 10\.10\.0\.0\/24/,
        upstream: true,
    },
    {
        name: "prod VPC overlapping dev",
        stack: "prod",
        config: withPath(prod, NET, "cidr", "10.20.0.0/16"),
        key: "twine-infra:network.cidr",
        why: /overlaps the dev VPC 10\.20\.0\.0\/16/,
        upstream: true,
    },
    {
        name: "prod VPC containing the bastion VPC",
        stack: "prod",
        config: withPath(prod, NET, "cidr", "10.10.0.0/16"),
        key: "twine-infra:network.cidr",
        why: /"10\.10\.0\.0\/16": overlaps the bastion VPC 10\.10\.0\.0\/24/,
        upstream: true,
    },
    {
        name: "dev in another region than the bastion",
        stack: "dev",
        config: withKey(dev, "aws:region", "us-east-1"),
        key: "aws:region",
        why: /bastion VPC is in eu-west-1.*Fix: deploy the dev stack in eu-west-1/,
        upstream: true,
    },
    {
        name: "stacks.bastion pointing at the dns stack",
        stack: "dev",
        config: withPath(dev, STACKS_KEY, "bastion", "twine/twine-infra/dns"),
        key: "stacks.bastion",
        why: /Deploy the bastion stack \(twine\/twine-infra\/dns\) first: outputs vpcId/,
        upstream: true,
    },
    {
        name: "stacks.dns pointing at the bastion stack",
        stack: "prod",
        config: withPath(prod, STACKS_KEY, "dns", "twine/twine-infra/bastion"),
        key: "stacks.dns",
        why: /Deploy the dns stack \(twine\/twine-infra\/bastion\) first: outputs zoneName/,
        upstream: true,
    },
    // alarms
    {
        name: "an alarm subscription over plain http",
        stack: "prod",
        config: withPath(prod, "twine-infra:environments", "production.alarms.subscriptions", [{ https: "http://pager.example.com/hook" }]),
        key: "twine-infra:environments.production.alarms.subscriptions",
        why: /not an HTTPS URL/,
    },
    {
        name: "an alarm subscription that is no e-mail address",
        stack: "dev",
        config: withPath(dev, "twine-infra:environments", "integration.alarms.subscriptions", [{ email: "oncall at example.com" }]),
        key: "twine-infra:environments.integration.alarms.subscriptions",
        why: /not an e-mail address/,
    },
    {
        name: "a prod environment whose alarms page nobody",
        stack: "prod",
        config: withPath(prod, "twine-infra:environments", "production.alarms.subscriptions", []),
        key: "twine-infra:environments.production.alarms.subscriptions",
        why: /would reach nobody/,
    },
    {
        name: "a paging webhook in plain config",
        stack: "prod",
        config: withKey(prod, "twine-infra:pagingWebhook", "https://events.pager.example/integration/0123456789abcdef/enqueue"),
        key: "twine-infra:pagingWebhook",
        why: /lands in git/,
    },
    {
        name: "a percentage threshold above 100",
        stack: "prod",
        config: withPath(prod, "twine-infra:environments", "production.alarms.databaseCpuPercent", 150),
        key: "twine-infra:environments.production.alarms.databaseCpuPercent",
        why: /150/,
    },
    {
        name: "a connections alarm on a database class whose max_connections is unknown",
        stack: "prod",
        config: withPath(prod, "twine-infra:environments", "production.database.instanceClass", "db.x2g.large"),
        key: "twine-infra:environments.production.alarms.databaseMaxConnections",
        why: /db\.x2g\.large, which is not in the built-in table/,
    },
];

/** What a failed run may have registered: the stack itself and read-only StackReferences, nothing else. */
const ALLOWED = /^pulumi:pulumi:(Stack|StackReference)::/;

describe("bad input: broken stack configs through the offline plan", () => {
    it("covers at least 30 broken configs, each named once", () => {
        assert.ok(BAD.length >= 30, `${BAD.length} rows`);
        assert.equal(new Set(BAD.map(b => b.name)).size, BAD.length);
    });

    for (const row of BAD) {
        it(`${row.stack}: ${row.name}`, async () => {
            let error: unknown;
            try {
                await planWithConfig(row.stack, writeStackFile(row.config));
            } catch (err) {
                error = err;
            }
            assert.ok(error, "the plan succeeded");
            const expected = row.upstream ? /ConfigError|UpstreamError/ : /ConfigError/;
            assert.ok(
                error instanceof ConfigError || (row.upstream && error instanceof UpstreamError),
                `expected a validation error, got ${String(error)}`,
            );
            assert.match((error as Error).name, expected);
            const message = (error as Error).message;
            const line = message.split("\n").find(l => l.includes(row.key));
            assert.ok(line, `no line names ${row.key}:\n${message}`);
            assert.match(message, row.why);
            assert.match(line, /Fix: /, `the line for ${row.key} gives no fix: ${line}`);

            const run = lastRunRegistrations();
            assert.equal(run?.stack, row.stack, "the failing run was not the target stack's");
            const declared = run!.registered.filter(key => !ALLOWED.test(key));
            assert.deepEqual(declared, [], "resources were registered before the error");
        });
    }

    it("reports an overlapping CIDR in the same round as a type error", async () => {
        const bastionCidr = String(JSON.parse(bastion[NET]).cidr);
        const config = withPath(withPath(dev, NET, "cidr", bastionCidr), NET, "azCount", "two");
        const error = await planWithConfig("dev", writeStackFile(config)).then(
            () => assert.fail("the plan succeeded"),
            (err: unknown) => err,
        );
        assert.ok(error instanceof ConfigError, String(error));
        assert.ok(
            error.problems.some(p => /^twine-infra:network\.azCount = "two": expected a number/.test(p)),
            error.message,
        );
        assert.ok(
            error.problems.some(p =>
                new RegExp(`^twine-infra:network\\.cidr = "${bastionCidr.replace(/\./g, "\\.")}": overlaps the bastion VPC`).test(p),
            ),
            error.message,
        );
    });

    describe("on the command line: exit 2, the message on stderr, nothing on stdout", () => {
        for (const name of [
            "VPC CIDR in public space",
            "dev VPC overlapping the bastion VPC",
            "stacks.bastion pointing at the dns stack",
        ]) {
            it(name, () => {
                const row = BAD.find(b => b.name === name)!;
                const result = runCli(row.stack, "--config", writeStackFile(row.config));
                assert.equal(result.status, 2, result.stderr);
                assert.equal(result.stdout, "");
                assert.match(result.stderr, row.why);
                assert.match(result.stderr, /Fix: /);
            });
        }
    });
});
