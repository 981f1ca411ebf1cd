/**
 * `plan --diff`: what changes between two plans of a stack: the fixture prod (test/fixtures) with the network
 * pinned to three AZs and a NAT gateway per AZ, then cut to two AZs. The command-line cases use the committed
 * files and assert only what holds for any of them.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffHasChanges, diffPlans, inputChanges } from "../plan/diff";
import { planAtRevision, revisionPlanCacheFile } from "../plan/oldPlan";
import { renderDiffText, renderJson } from "../plan/render";
import { Plan, planStack } from "../plan/run";
import { FIXTURES, REPO, committedConfig, fixtureConfig, withPath, writeStackFile } from "./helpers/config";
import { fixturePlanOf, planFixtureWith, planWithConfig, runCli, serialPlan } from "./helpers/plans";

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

describe("plan --diff of a move", () => {
    const STACK_URN = "urn:pulumi:dev::twine-infra::pulumi:pulumi:Stack::twine-infra-dev";
    const resource = (urn: string, type: string, name: string, parent: string | null, inputs = {}, aliases?: object[]) => ({
        urn,
        type,
        name,
        parent,
        provider: null,
        inputs,
        options: { protect: true, retainOnDelete: false, ignoreChanges: [], dependsOn: [], deleteBeforeReplace: false, aliases },
    });
    const planOfResources = (resources: (ReturnType<typeof resource> & { component?: boolean })[]): Plan =>
        ({
            stack: "dev",
            project: "twine-infra",
            outputs: {},
            resources: [resource(STACK_URN, "pulumi:pulumi:Stack", "twine-infra-dev", null), ...resources],
        }) as Plan;

    it("GIVEN a bucket and its policy moved into a component with aliases THEN neither is deleted; a rename without one is", () => {
        const before = planOfResources([
            resource("apt", "twine:index:AptRepo", "dev-apt", STACK_URN),
            resource("bucket", "aws:s3/bucket:Bucket", "dev-apt-bucket", "apt", { bucket: "b" }),
            resource("policy", "aws:s3/bucketPolicy:BucketPolicy", "dev-apt-policy", "bucket", { policy: "p" }),
            resource("queue", "aws:sqs/queue:Queue", "dev-queue", STACK_URN),
        ]);
        const after = planOfResources([
            resource("apt", "twine:index:AptRepo", "dev-apt", STACK_URN),
            { ...resource("component", "twine:index:LogBucket", "dev-apt-bucket", "apt"), component: true },
            resource("bucket2", "aws:s3/bucket:Bucket", "dev-apt-bucket", "component", { bucket: "b" }, [{ parent: "apt" }]),
            resource("policy2", "aws:s3/bucketPolicy:BucketPolicy", "dev-apt-bucket", "bucket2", { policy: "p2" }, [
                { name: "dev-apt-policy" },
            ]),
            resource("queue2", "aws:sqs/queue:Queue", "dev-renamed-queue", STACK_URN),
        ]);
        const diff = diffPlans(before, after, "before the move");
        assert.deepEqual(diff.summary, { add: 1, change: 1, destroy: 1 }, JSON.stringify(diff.changes.map(c => [c.action, c.name])));
        assert.deepEqual(
            diff.changes
                .filter(c => !c.component)
                .map(c => `${c.action} ${c.name}`)
                .sort(),
            ["create dev-renamed-queue", "delete dev-queue", "update dev-apt-bucket"],
        );
        assert.equal(diff.changes.find(c => c.action === "update")!.type, "aws:s3/bucketPolicy:BucketPolicy");
    });
});

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
        assert.ok(
            diff.cost.delta !== null && diff.cost.delta < 0,
            `one NAT gateway, one address and a search node fewer cost less: ${diff.cost.delta}`,
        );
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
        const own = diff.changes.find(c => c.urn === subnet.urn)!;
        assert.deepEqual([own.action, own.changes.map(ch => [ch.path, ch.forcesReplacement])], ["replace", [["cidrBlock", true]]]);
        // What refers to the subnet gets its new id: carried, each change saying why.
        for (const c of diff.changes.filter(x => x !== own))
            assert.ok(
                c.changes.every(ch => ch.why?.startsWith("replaced: ")),
                c.name,
            );
        const replaces = diff.changes.filter(c => c.action === "replace").length;
        assert.ok(replaces > 1 && diff.changes.every(c => !c.component));
        assert.deepEqual(diff.summary, { add: replaces, change: diff.changes.length - replaces, destroy: replaces });
    });

    it("shows a KMS grant whose retireOnDelete changes as a replacement (ForceNew in the provider's kms/grant.go)", async () => {
        const prod = await fixturePlanOf("prod");
        const grant = prod.resources.find(r => r.type === "aws:kms/grant:Grant")!;
        const flipped = { ...grant, inputs: { ...grant.inputs, retireOnDelete: !grant.inputs.retireOnDelete } };
        const diff = diffPlans(prod, { ...prod, resources: prod.resources.map(r => (r === grant ? flipped : r)) }, "a flipped grant");
        assert.equal(diff.changes.find(c => c.urn === grant.urn)?.action, "replace");
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
        assert.ok(diff.cost.delta !== null && diff.cost.delta < 0);
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

describe("plan --diff, what a reviewer needs before pulumi up", () => {
    const HOST = "twine-infra:bastionHost";
    const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHBsYWNlaG9sZGVyLWNhcm9sMDAwMDAwMDAwMDAwMDAw carol@example.invalid";

    it("a new bastion user replaces the host (userDataReplaceOnChange, delete first) and shows the cloud-config diff", async () => {
        const before = await fixturePlanOf("bastion");
        const host = JSON.parse(fixtureConfig("bastion")[HOST]);
        const after = await planFixtureWith(
            "bastion",
            writeStackFile(withPath(fixtureConfig("bastion"), HOST, "users", [...host.users, { name: "carol", publicKeys: [KEY] }])),
        );
        const diff = diffPlans(before, after, "fixtures");
        const instance = diff.changes.find(c => c.type === "aws:ec2/instance:Instance")!;
        assert.equal(instance.action, "replace");
        assert.equal(instance.deleteBeforeReplace, true);
        const userData = instance.changes.find(c => c.path === "userData")!;
        assert.deepEqual([userData.forcesReplacement, userData.why], [true, "userDataReplaceOnChange"]);
        const text = renderDiffText(diff);
        assert.match(text, /\+- +replace +\S+ \(aws:ec2\/instance:Instance\) +\[delete before replace/);
        assert.match(text, /userData \(decoded\): +\(forces replacement: userDataReplaceOnChange\)\n(.*\n)*? +\+ +- name: carol\n/);
        assert.doesNotMatch(text, /userData: "?[A-Za-z0-9+/]{40}/, "no base64 in the diff");
    });

    it("a new instance type names the groups a refresh rolls, their servers and settings; an unpriced cost is unknown", async () => {
        const prod = fixtureConfig("prod");
        const envs = Object.keys(JSON.parse(prod[ENVS]));
        const upsized = envs.reduce((c, env) => withPath(c, ENVS, `${env}.app.instanceType`, "m7i.8xlarge"), prod);
        const before = await fixturePlanOf("prod");
        const diff = diffPlans(before, await planFixtureWith("prod", writeStackFile(upsized)), "fixtures");
        const groups = before.resources.filter(r => r.type === "aws:autoscaling/group:Group");
        assert.ok(groups.length > 0);
        assert.deepEqual(
            diff.refreshes.map(r => r.group),
            groups.map(g => g.name).sort(),
        );
        for (const r of diff.refreshes) {
            const group = groups.find(g => g.name === r.group)!;
            assert.deepEqual([r.minSize, r.maxSize], [group.inputs.minSize, group.inputs.maxSize]);
            assert.equal(r.warmPoolMinSize, (group.inputs.warmPool as { minSize?: number } | undefined)?.minSize ?? null);
            assert.deepEqual(r.settings, group.inputs.instanceRefresh);
        }
        const pooled = diff.refreshes.find(r => r.warmPoolMinSize !== null);
        assert.ok(pooled, "the prod fixture has a group with a warm pool");
        assert.equal(diff.cost.delta, null, "m7i.8xlarge has no price: the change is unknown");
        assert.ok(diff.cost.unpriced.some(u => u.includes("m7i.8xlarge")));
        const text = renderDiffText(diff);
        assert.match(
            text,
            /Instance refreshes .*\n {2}\S+: the group's current size \(\d+ to \d+ servers, set by autoscaling\).* from \S+; Rolling/,
        );
        // The desired capacity is the size at creation only (the group ignores it after), so it is never the count.
        assert.doesNotMatch(text, /: \d+ servers? \(min/);
        assert.match(
            text,
            new RegExp(`${pooled.group}: .*set by autoscaling\\) plus its warm pool \\(at least ${pooled.warmPoolMinSize} stopped\\)`),
        );
        assert.match(text, /Estimated fixed monthly cost: \$[\d,.]+ -> unknown \(unknown\)/);
        assert.doesNotMatch(text, /\(-\$/, "an unpriced upsize is never shown as a saving");
    });

    it("an unpriced type makes its environment's cost and the total unknown, not the other environments'", async () => {
        const dev = fixtureConfig("dev");
        const [unpriced, priced] = Object.keys(JSON.parse(dev[ENVS]));
        assert.ok(unpriced && priced, "two environments in the dev fixture");
        const edited = withPath(
            withPath(dev, ENVS, `${unpriced}.app.instanceType`, "m7i.8xlarge"),
            ENVS,
            `${priced}.database.instanceClass`,
            "db.m7g.large",
        );
        const diff = diffPlans(await fixturePlanOf("dev"), await planFixtureWith("dev", writeStackFile(edited)), "fixtures");
        assert.deepEqual([diff.cost.new, diff.cost.delta], [null, null]);
        assert.equal(typeof diff.cost.old, "number");
        const group = (name: string) => diff.cost.groups.find(g => g.name === name)!;
        assert.deepEqual([group(unpriced).new, group(unpriced).delta], [null, null]);
        assert.ok((group(priced).delta ?? 0) > 0, `${priced} upsized to a priced type has a known delta: ${group(priced).delta}`);
        const text = renderDiffText(diff);
        assert.match(text, /Estimated fixed monthly cost: \$[\d,.]+ -> unknown \(unknown\)/);
        assert.match(text, new RegExp(`\\n {2}${unpriced}: \\$[\\d,.]+ -> unknown \\(unknown\\)`));
        assert.match(text, new RegExp(`\\n {2}${priced}: \\$[\\d,.]+ -> \\$[\\d,.]+ \\(\\+\\$[\\d,.]+\\)`));
    });

    it("carries a replacement to what refers to it: a replaced certificate replaces its validation and changes the listener", async () => {
        const dev = await fixturePlanOf("dev");
        const cert = dev.resources.find(r => r.type === "aws:acm/certificate:Certificate")!;
        const renamed: Plan = {
            ...dev,
            resources: dev.resources.map(r => (r === cert ? { ...r, inputs: { ...r.inputs, domainName: `x.${r.inputs.domainName}` } } : r)),
        };
        const diff = diffPlans(dev, renamed, "a renamed certificate");
        const of = (type: string) => diff.changes.filter(c => c.type === type);
        assert.deepEqual(
            of("aws:acm/certificate:Certificate").map(c => c.action),
            ["replace"],
        );
        assert.deepEqual(
            of("aws:acm/certificateValidation:CertificateValidation").map(c => [c.action, c.changes[0].why]),
            [["replace", `replaced: ${cert.name}`]],
        );
        const listeners = of("aws:lb/listener:Listener");
        assert.equal(listeners.length, 1);
        assert.equal(listeners[0].action, "update");
        assert.ok(listeners[0].changes.some(c => c.path === "certificateArn" && /^replaced: /.test(c.why ?? "")));
    });

    it("a new prod CIDR replaces the VPC, its default security group and the peering's accepter", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-cidr-"));
        try {
            fs.cpSync(FIXTURES, dir, { recursive: true });
            // The bastion lists prod's block (its stack checks they agree), so both files move it.
            for (const file of ["Pulumi.prod.yaml", "Pulumi.bastion.yaml"]) {
                const text = fs.readFileSync(path.join(dir, file), "utf8");
                assert.match(text, /cidr: 10\.30\.0\.0\/16/);
                fs.writeFileSync(path.join(dir, file), text.replace(/cidr: 10\.30\.0\.0\/16/g, "cidr: 10.31.0.0/16"));
            }
            const moved = await serialPlan(() => planStack("prod", { projectDir: dir }));
            const diff = diffPlans(await fixturePlanOf("prod"), moved, "fixtures");
            const actions = (type: string) => [...new Set(diff.changes.filter(c => c.type === type).map(c => c.action))];
            assert.deepEqual(actions("aws:ec2/vpc:Vpc"), ["replace"]);
            assert.deepEqual(actions("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"), ["replace"]);
            assert.deepEqual(actions("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"), ["replace"]);
            const text = renderDiffText(diff);
            assert.match(text, /\+- +replace +\S+ \(aws:ec2\/defaultSecurityGroup:DefaultSecurityGroup\)/);
            assert.match(text, /\+- +replace +\S+ \(aws:ec2\/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter\)/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("lists parents before their children, does not count components, and shows the outputs that change", async () => {
        const dev = await fixturePlanOf("dev");
        const component = dev.resources.find(r => r.component && dev.resources.some(c => c.parent === r.urn && !c.component))!;
        const inside = (r: (typeof dev.resources)[number]): boolean =>
            r.urn === component.urn || dev.resources.some(p => p.urn === r.parent && inside(p));
        const without: Plan = {
            ...dev,
            resources: dev.resources.filter(r => !inside(r)),
            outputs: { ...dev.outputs, extra: "new" },
        };
        const diff = diffPlans(dev, without, "without a component");
        const position = new Map(diff.changes.map((c, i) => [c.urn, i]));
        for (const c of diff.changes)
            if (c.parent && position.has(c.parent)) assert.ok(position.get(c.parent)! < position.get(c.urn)!, c.name);
        assert.equal(diff.summary.destroy, diff.changes.filter(c => !c.component).length);
        assert.ok(
            diff.changes.some(c => c.component),
            "the component is listed",
        );
        assert.deepEqual(diff.outputs, [{ name: "extra", old: undefined, new: "new" }]);
        assert.match(renderDiffText(diff), /component, not counted[\s\S]*Outputs that change:\n {2}extra: /);
    });
});

describe("plan --diff, resource options", () => {
    it("skips option keys the old plan did not record, and notes option-only changes instead of counting updates", async () => {
        const dev = await fixturePlanOf("dev");
        const secretive = dev.resources.find(r => r.options.additionalSecretOutputs)!;
        const [a, b, guarded] = dev.resources.filter(r => !r.component && r.type.startsWith("aws:") && r !== secretive);
        const edit = (plan: Plan, urn: string, options: (o: Record<string, unknown>) => Record<string, unknown>): Plan => ({
            ...plan,
            resources: plan.resources.map(r => (r.urn === urn ? { ...r, options: options({ ...r.options }) as typeof r.options } : r)),
        });
        // A plan made by older code, without the additionalSecretOutputs key: no difference of the program's.
        const older = edit(dev, secretive.urn, o => {
            delete o.additionalSecretOutputs;
            return o;
        });
        const same = diffPlans(older, dev, "an older plan");
        assert.deepEqual([same.changes, same.notes, diffHasChanges(same)], [[], [], false]);

        const noted = diffPlans(
            dev,
            edit(
                edit(dev, a.urn, o => ({ ...o, dependsOn: [...(o.dependsOn as string[]), b.urn] })),
                b.urn,
                o => ({ ...o, retainOnDelete: true }),
            ),
            "options only",
        );
        assert.deepEqual(noted.changes, [], "option-only changes are not updates");
        assert.deepEqual(noted.summary, { add: 0, change: 0, destroy: 0 });
        assert.deepEqual(noted.notes.map(n => n.urn).sort(), [a.urn, b.urn].sort());
        assert.equal(diffHasChanges(noted), false, "--detailed-exitcode exits 0 for it");
        assert.match(
            renderDiffText(noted),
            /Resource options that change .*not counted\):\n(.*\n)*? +options\.retainOnDelete: false => true/,
        );

        const protectedNow = diffPlans(
            dev,
            edit(dev, guarded.urn, o => ({ ...o, protect: !o.protect })),
            "protect",
        );
        assert.deepEqual(
            protectedNow.changes.map(c => [c.urn, c.action]),
            [[guarded.urn, "update"]],
        );
        assert.equal(diffHasChanges(protectedNow), true);
    });
});

describe("plan --diff --detailed-exitcode", function () {
    this.timeout(600_000); // three plans of dns in child processes
    it("exits 0 when nothing changes, 4 when something does, and refuses the option without --diff; --help says so", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-exit-"));
        const same = path.join(dir, "dns.json");
        assert.equal(runCli("dns", "--out", same).status, 0);
        const plan = JSON.parse(fs.readFileSync(same, "utf8")) as Plan;
        const changed = path.join(dir, "dns-changed.json");
        const dropped = plan.resources.find(r => r.type.startsWith("aws:") && !r.component);
        fs.writeFileSync(changed, JSON.stringify({ ...plan, resources: plan.resources.filter(r => r !== dropped) }));
        const unchanged = runCli("dns", "--diff", same, "--detailed-exitcode");
        assert.equal(unchanged.status, 0, unchanged.stderr);
        assert.match(unchanged.stdout, /no changes/);
        const changes = runCli("dns", "--diff", changed, "--detailed-exitcode");
        assert.equal(changes.status, 4, changes.stderr);
        assert.match(changes.stdout, /Plan: 1 to add/);
        assert.equal(runCli("dns", "--diff", changed).status, 0, "without the option, changes exit 0 as before");
        const alone = runCli("dns", "--detailed-exitcode");
        assert.equal(alone.status, 2);
        assert.match(alone.stderr, /--detailed-exitcode needs --diff/);
        const help = runCli("--help").stdout;
        assert.match(help, /--detailed-exitcode +with --diff: exit 4 when anything changes/);
        assert.match(help, /\n {2}4 {2}with --detailed-exitcode: /);
    });
});

describe("plan --diff <revision>, the base plan", function () {
    this.timeout(600_000); // one plan of dns at HEAD in a child process
    it("is planned once per commit and stack, then read from the cache", () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "twine-diff-cache-"));
        try {
            const first = planAtRevision(REPO, "HEAD", "dns", cache);
            assert.ok(first.resources.length > 0);
            const commit = spawnSync("git", ["-C", REPO, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout.trim();
            const file = revisionPlanCacheFile(REPO, commit, "dns", cache);
            assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), first);
            // Marked, so that only a read of the cache can return the mark.
            fs.writeFileSync(file, JSON.stringify({ ...first, outputs: { ...first.outputs, cached: true } }));
            const started = Date.now();
            const second = planAtRevision(REPO, "HEAD", "dns", cache);
            assert.equal(second.outputs.cached, true);
            assert.ok(Date.now() - started < 2000, "read, not planned again");
            assert.notEqual(revisionPlanCacheFile(REPO, commit, "prod", cache), file, "keyed by stack");
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });
});
