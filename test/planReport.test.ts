/**
 * What the plan reports besides its resources: the per-environment summary, the monthly cost estimate with its
 * price table, and the policy findings in the exit status. Values are pinned in edited copies of the fixture
 * stacks (test/fixtures); the command-line cases use the committed files and assert what holds for any of them.
 */
import { strict as assert } from "assert";
import { estimateCost, renderCost } from "../plan/cost";
import { HOURS_PER_MONTH, PRICES, priceOf } from "../plan/prices";
import { renderText } from "../plan/render";
import { Plan } from "../plan/run";
import { STACK_WIDE, summarizePlan } from "../plan/summary";
import { committedConfig, fixtureConfig, withPath, writeStackFile } from "./helpers/config";
import { planFixtureWith, runCli } from "./helpers/plans";

const NET = "twine-infra:network";
const ENVS = "twine-infra:environments";

/** dev with its network and the integration environment's tiers pinned. */
function pinnedDev(): Record<string, string> {
    let config = withPath(fixtureConfig("dev"), NET, "cidr", "10.20.0.0/16");
    config = withPath(withPath(config, NET, "azCount", 2), NET, "natStrategy", "single");
    config = withPath(config, ENVS, "integration.app", { instanceType: "t3.medium", minSize: 2, maxSize: 5 });
    config = withPath(config, ENVS, "integration.database.instanceClass", "db.t4g.medium");
    config = withPath(config, ENVS, "integration.database.multiAz", false);
    config = withPath(config, ENVS, "integration.database.allocatedStorageGiB", 20);
    return withPath(
        withPath(config, ENVS, "integration.search.instanceType", "t3.medium.search"),
        ENVS,
        "integration.search.instanceCount",
        1,
    );
}

const price = (item: string) => priceOf(item, "eu-west-1")!.usd;

describe("plan reports", () => {
    let dev: Plan;
    before(async () => {
        dev = await planFixtureWith("dev", writeStackFile(pinnedDev()));
    });

    describe("summary per environment", () => {
        it("gives the network, and each environment's hosts, app, database and search sizes", () => {
            const summary = summarizePlan(dev);
            assert.deepEqual(summary.network, { vpcCidr: "10.20.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"], natGateways: 1 });
            const integration = summary.environments.find(e => e.name === "integration")!;
            assert.deepEqual(integration.app, { instanceType: "t3.medium", minSize: 2, maxSize: 5, warmPool: 0 });
            assert.deepEqual(integration.database, { instanceClass: "db.t4g.medium", multiAz: false, storageGiB: 20 });
            assert.deepEqual(integration.search, { instanceType: "t3.medium.search", instanceCount: 1, dedicatedMasters: 0 });
            const subzone = String(dev.outputs.subzoneName);
            assert.ok(
                integration.hostNames.length > 0 && integration.hostNames.every(h => h.endsWith(`.${subzone}`)),
                String(integration.hostNames),
            );
        });

        it("opens the text output with it, groups resources by environment and folds long outputs", () => {
            const text = renderText(dev, [], estimateCost(dev));
            assert.match(
                text,
                /^Stack dev: \d+ resources\n {2}network: VPC 10\.20\.0\.0\/16, 2 AZs \(eu-west-1a, eu-west-1b\), 1 NAT gateway\n/,
            );
            assert.match(
                text,
                new RegExp(
                    "\\n {2}environment integration \\(\\d+ resources\\)\\n {4}hosts: {4}.+\\n" +
                        " {4}app: {6}t3\\.medium, 2 to 5 servers, no warm pool\\n" +
                        " {4}database: db\\.t4g\\.medium, single AZ, 20 GiB\\n",
                ),
            );
            assert.match(
                text,
                new RegExp(
                    "\\nResources of the whole stack \\(\\d+\\):\\n[\\s\\S]*" +
                        "\\nResources of environment integration \\(\\d+\\):\\n(  .*\\n)*  integration \\(twine:index:AppCluster\\)\\n",
                ),
            );
            assert.match(text, /\nEstimated fixed monthly cost of dev /);
            const outputs = text.slice(text.indexOf("\nOutputs"));
            for (const line of outputs.split("\n")) assert.ok(line.length <= 140, `an output line is not folded: ${line}`);
        });
    });

    describe("monthly cost", () => {
        it("prices the app servers at their minimum, the NAT gateway, the database and the search domain from the table", () => {
            const cost = estimateCost(dev);
            const of = (what: RegExp, group: string) => cost.lines.filter(l => l.group === group && what.test(l.what));
            const line = (what: RegExp, group: string) => {
                const found = of(what, group);
                assert.equal(found.length, 1, `${what} in ${group}: ${JSON.stringify(cost.lines.filter(l => l.group === group))}`);
                return found[0].usdPerMonth;
            };
            const cents = (n: number) => Math.round(n * 100) / 100;
            assert.equal(line(/^2 x t3\.medium/, "integration"), cents(2 * HOURS_PER_MONTH * price("ec2:t3.medium")));
            assert.equal(line(/^NAT gateway$/, STACK_WIDE), cents(HOURS_PER_MONTH * price("natGateway")));
            assert.equal(line(/^db\.t4g\.medium, single AZ$/, "integration"), cents(HOURS_PER_MONTH * price("rds:postgres:db.t4g.medium")));
            assert.equal(line(/^20 GiB storage, single AZ$/, "integration"), cents(20 * price("rds:gp3")));
            assert.equal(
                line(/^1 x t3\.medium\.search data nodes$/, "integration"),
                cents(HOURS_PER_MONTH * price("opensearch:t3.medium.search")),
            );
            assert.equal(line(/^application load balancer$/, "integration"), cents(HOURS_PER_MONTH * price("alb")));
            const total = cost.lines.reduce((n, l) => n + l.usdPerMonth, 0);
            assert.ok(Math.abs(cost.usdPerMonth - total) < 0.01);
            assert.ok(Math.abs(cost.groups.reduce((n, g) => n + g.usdPerMonth, 0) - total) < 0.05);
            assert.match(renderCost(cost).join("\n"), /leaves out traffic .*requests .*storage growth/);
        });

        it("says what it could not price instead of guessing", () => {
            const asg = dev.resources.find(r => r.type === "aws:ec2/launchTemplate:LaunchTemplate")!;
            const odd: Plan = {
                ...dev,
                resources: dev.resources.map(r => (r === asg ? { ...r, inputs: { ...r.inputs, instanceType: "x9.huge" } } : r)),
            };
            assert.deepEqual(estimateCost(odd).unpriced, ["ec2:x9.huge in eu-west-1"]);
        });

        it("keeps a source, a date and a region for every price", () => {
            for (const p of PRICES) {
                assert.match(p.source, /^https:\/\/aws\.amazon\.com\//, p.item);
                assert.match(p.date, /^\d{4}-\d{2}$/, p.item);
                assert.match(p.region, /^[a-z]{2}-[a-z]+-\d$/, p.item);
                assert.ok(p.usd > 0, p.item);
            }
            assert.equal(new Set(PRICES.map(p => `${p.item} ${p.region}`)).size, PRICES.length, "a price is listed twice");
        });

        it("prints the estimate with --cost", () => {
            const result = runCli("dns", "--cost");
            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stdout, /^Estimated fixed monthly cost of dns \(eu-west-1, .*\): \$[\d,.]+\n/);
        });
    });

    describe("policy in the exit status", () => {
        it("exits 3 on a mandatory violation, printing the plan and listing the violations by short name, mandatory first", () => {
            // A provider pinned to an account none of the project's stack files names breaks a mandatory rule.
            const known = ["dns", "bastion", "dev", "prod"].map(s => committedConfig(s)["twine-infra:accountId"]);
            const stranger = ["555555555555", "666666666666"].find(a => !known.includes(a))!;
            const result = runCli("dns", "--config", writeStackFile({ ...committedConfig("dns"), "twine-infra:accountId": stranger }));
            assert.equal(result.status, 3, result.stderr);
            const plan = JSON.parse(result.stdout) as { policy: { level: string; rule: string }[] };
            assert.equal(plan.policy[0].level, "mandatory");
            assert.ok(
                plan.policy.some(v => v.level === "advisory"),
                "the stack's advisory findings are gone",
            );
            const levels = plan.policy.map(v => v.level);
            assert.deepEqual(
                levels,
                [...levels].sort((a, b) => (a === b ? 0 : a === "mandatory" ? -1 : 1)),
            );
            assert.match(
                result.stderr,
                new RegExp(
                    "^twine-guardrails: \\d+ mandatory violations? .*\\n" +
                        " {2}twine-provider-pinned-account: dns \\(pulumi:providers:aws\\): pinned to \\d{12}",
                ),
            );
            assert.doesNotMatch(result.stderr, /urn:pulumi:/);
        });
    });
});
