/**
 * `plan --diff`: what changes between two plans of a stack: the fixture prod (test/fixtures) with the network
 * pinned to three AZs and a NAT gateway per AZ, then cut to two AZs. The command-line cases use the committed
 * files and assert only what holds for any of them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffPlans, inputChanges } from "../plan/diff";
import { renderDiffText, renderJson } from "../plan/render";
import { Plan } from "../plan/run";
import { committedConfig, fixtureConfig, withPath, writeStackFile } from "./helpers/config";
import { fixturePlanOf, planFixtureWith, planWithConfig, runCli } from "./helpers/plans";

const NET = "twine-infra:network";
const ENVS = "twine-infra:environments";

/** prod with `azCount` AZs, one NAT gateway each, and every environment's search spread over as many AZs. */
function prodWithAzs(azCount: number, base: Record<string, string> = fixtureConfig("prod")): Record<string, string> {
    let config = withPath(withPath(base, NET, "azCount", azCount), NET, "natStrategy", "perAz");
    // The pinned zones follow the count: the first azCount ids.
    config = withPath(config, NET, "zoneIds", ["euw1-az1", "euw1-az2", "euw1-az3"].slice(0, azCount));
    for (const env of Object.keys(JSON.parse(config[ENVS]))) {
        config = withPath(withPath(config, ENVS, `${env}.search.availabilityZones`, azCount), ENVS, `${env}.search.instanceCount`, azCount);
    }
    return config;
}

describe("plan --diff", () => {
    let three: Plan;
    let two: Plan;
    before(async () => {
        three = await planFixtureWith("prod", writeStackFile(prodWithAzs(3)));
        two = await planFixtureWith("prod", writeStackFile(prodWithAzs(2)));
    });

    it("names the subnets and the NAT gateway of the AZ that prod's azCount 3 -> 2 removes, with the cost delta", () => {
        const diff = diffPlans(three, two, "three AZs");
        const thirdAz = [
            ...new Set(three.resources.filter(r => r.type === "aws:ec2/subnet:Subnet").map(r => String(r.inputs.availabilityZone))),
        ].sort()[2];
        const leaving = three.resources.filter(r => r.type === "aws:ec2/subnet:Subnet" && r.inputs.availabilityZone === thirdAz);
        assert.equal(leaving.length, 3, "public, private and data subnets in the third AZ");
        const deleted = new Set(diff.changes.filter(c => c.action === "delete").map(c => c.urn));
        for (const subnet of leaving) assert.ok(deleted.has(subnet.urn), `${subnet.name} is not deleted`);
        const nats = three.resources.filter(r => r.type === "aws:ec2/natGateway:NatGateway");
        const natOfThirdAz = nats.filter(n => leaving.some(s => s.urn === n.parent));
        assert.equal(natOfThirdAz.length, 1, "one NAT gateway in the third AZ's public subnet");
        assert.ok(deleted.has(natOfThirdAz[0].urn), "the third NAT gateway is not deleted");
        assert.equal(diff.changes.filter(c => c.action === "delete" && c.type === "aws:ec2/natGateway:NatGateway").length, 1);

        const asg = diff.changes.find(c => c.type === "aws:autoscaling/group:Group");
        assert.equal(asg?.action, "update");
        assert.ok(
            asg.changes.some(ch => ch.path === "vpcZoneIdentifiers"),
            "the group's subnets change in place",
        );

        const text = renderDiffText(diff);
        for (const subnet of leaving) assert.match(text, new RegExp(`- +delete +${subnet.name} \\(aws:ec2/subnet:Subnet\\)`));
        assert.match(text, new RegExp(`- +delete +${natOfThirdAz[0].name} \\(aws:ec2/natGateway:NatGateway\\)`));
        assert.ok(diff.cost.delta < 0, `one NAT gateway, one address and a search node fewer cost less: ${diff.cost.delta}`);
        assert.match(text, /Estimated fixed monthly cost: \$[\d,.]+ -> \$[\d,.]+ \(-\$[\d,.]+\)/);
        assert.match(
            text,
            new RegExp(`\\nPlan: ${diff.summary.add} to add, ${diff.summary.change} to change, ${diff.summary.destroy} to destroy\\.\\n$`),
        );
        assert.ok(diff.summary.destroy >= leaving.length + 1);
    });

    it("calls a change of an input that forces a new resource a replacement, counted as one to add and one to destroy", () => {
        const subnet = three.resources.find(r => r.type === "aws:ec2/subnet:Subnet")!;
        const moved: Plan = {
            ...three,
            resources: three.resources.map(r => (r === subnet ? { ...r, inputs: { ...r.inputs, cidrBlock: "10.99.0.0/24" } } : r)),
        };
        const diff = diffPlans(three, moved, "a moved subnet");
        assert.deepEqual(
            diff.changes.map(c => [c.action, c.name, c.changes.map(ch => [ch.path, ch.forcesReplacement])]),
            [["replace", subnet.name, [["cidrBlock", true]]]],
        );
        assert.deepEqual(diff.summary, { add: 1, change: 0, destroy: 1 });
    });

    it("calls out a protected resource the change would delete", async () => {
        const dns = await fixturePlanOf("dns");
        const zone = dns.resources.find(r => r.type === "aws:route53/zone:Zone" && r.options.protect)!;
        const diff = diffPlans(dns, { ...dns, resources: dns.resources.filter(r => r !== zone) }, "without the zone");
        assert.equal(diff.changes.find(c => c.urn === zone.urn)?.protected, true);
        assert.match(
            renderDiffText(diff),
            new RegExp(
                `delete +${zone.name} .*PROTECTED: pulumi up refuses to delete it[\\s\\S]*Protected resources ` +
                    `this change would delete or replace .*${zone.name}`,
            ),
        );
    });

    it("lists changed inputs as leaf paths", () => {
        assert.deepEqual(
            inputChanges({ a: 1, tags: { Name: "x", Team: "y" }, list: [1, 2] }, { a: 1, tags: { Name: "z", Team: "y" }, list: [1, 3] }),
            [
                { path: "list[1]", old: 2, new: 3 },
                { path: "tags.Name", old: "x", new: "z" },
            ],
        );
    });

    it("prints the diff as JSON on the command line, against a plan file", async function () {
        this.timeout(600_000); // three plans of prod and its upstream stacks, two of them in a child process
        // The committed prod, at three AZs and then two (upstream stacks are the committed ones on the command line).
        const old = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-diff-")), "prod-3az.json");
        fs.writeFileSync(old, renderJson(await planWithConfig("prod", writeStackFile(prodWithAzs(3, committedConfig("prod"))))));
        const result = runCli(
            "prod",
            "--config",
            writeStackFile(prodWithAzs(2, committedConfig("prod"))),
            "--diff",
            old,
            "--format",
            "json",
        );
        assert.equal(result.status, 0, result.stderr);
        const diff = JSON.parse(result.stdout) as ReturnType<typeof diffPlans>;
        assert.ok(diff.changes.some(c => c.action === "delete" && c.type === "aws:ec2/natGateway:NatGateway"));
        assert.equal(diff.summary.destroy, diff.changes.filter(c => c.action === "delete" || c.action === "replace").length);
        assert.ok(diff.cost.delta < 0);
    });

    it("plans a git revision with that revision's own code to diff against", function () {
        this.timeout(600_000); // two child processes, each a whole plan
        const result = runCli("dns", "--diff", "HEAD");
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /^Changes to dns against revision HEAD:\n/);
        assert.match(result.stdout, /\nPlan: \d+ to add, \d+ to change, \d+ to destroy\.\n$/);
    });

    it("refuses a --diff that is neither a plan file nor a revision", () => {
        const result = runCli("dns", "--diff", "no-such-revision-or-file");
        assert.equal(result.status, 2, result.stderr);
        assert.match(result.stderr, /no-such-revision-or-file: --diff: is neither a plan file nor a git revision .*Fix: /);
    });
});
