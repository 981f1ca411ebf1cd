import { strict as assert } from "assert";
import { CREATION_TIMES, DEFAULT_CREATION_TIME, creationTimeOf } from "../bench/creationTimes";
import { criticalPath, dependencyGraph, formatDuration } from "../bench/criticalPath";
import { Plan, PlannedResource } from "../plan/run";
import { ofType, planOf } from "./helpers/plans";

const OPTIONS = { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [], deleteBeforeReplace: false };

/** A hand-made plan: resources refer to each other by URN, as resource references print in a plan. */
function resource(name: string, type: string, inputs: Record<string, unknown> = {}, dependsOn: string[] = []): PlannedResource {
    return { urn: `urn:${name}`, type, name, parent: "urn:stack", provider: null, inputs, options: { ...OPTIONS, dependsOn } };
}
function plan(...resources: PlannedResource[]): Plan {
    const stack: PlannedResource = {
        urn: "urn:stack",
        type: "pulumi:pulumi:Stack",
        name: "stack",
        parent: null,
        provider: null,
        inputs: {},
        options: OPTIONS,
    };
    return { stack: "test", project: "twine-infra", resources: [stack, ...resources], outputs: {} };
}

describe("creation times", () => {
    it("give every figure a source, and call guesses estimates", () => {
        for (const [type, entry] of Object.entries(CREATION_TIMES)) {
            assert.ok(entry.source.length > 10, `${type} has no source`);
            const seconds = creationTimeOf(type).seconds;
            assert.ok(seconds >= 0 && Number.isFinite(seconds), `${type}: ${seconds}`);
            // A figure is either an estimate or cites something a reader can look up.
            assert.ok(
                /^estimate|#\d+|Guide|\.go|book/.test(entry.source),
                `${type}: "${entry.source}" cites nothing and is not marked an estimate`,
            );
        }
    });

    it("weigh a Multi-AZ database above a single-AZ one", () => {
        assert.ok(
            creationTimeOf("aws:rds/instance:Instance", { multiAz: true }).seconds >
                creationTimeOf("aws:rds/instance:Instance", { multiAz: false }).seconds,
        );
    });

    it("give unknown types the flagged default and logical resources nothing", () => {
        assert.deepEqual(creationTimeOf("aws:new/thing:Thing"), {
            seconds: DEFAULT_CREATION_TIME.seconds,
            source: DEFAULT_CREATION_TIME.source,
            known: false,
        });
        assert.equal(creationTimeOf("twine:index:Network").seconds, 0);
        assert.equal(creationTimeOf("pulumi:providers:aws").seconds, 0);
    });
});

describe("deploy critical path", () => {
    it("finds dependencies through mocked ids in inputs, dependsOn and parents (dev)", async () => {
        const dev = await planOf("dev");
        const graph = dependencyGraph(dev);
        const [nat] = ofType(dev, "aws:ec2/natGateway:NatGateway");
        const names = (urn: string) =>
            [...graph.get(urn)!].map(([dep, kind]) => `${dev.resources.find(r => r.urn === dep)!.type}:${kind}`).sort();
        assert.deepEqual(names(nat.urn), [
            "aws:ec2/eip:Eip:input",
            "aws:ec2/internetGateway:InternetGateway:dependsOn",
            "aws:ec2/subnet:Subnet:input",
            "pulumi:providers:aws:provider",
        ]);
        // A role with an auto-generated name: one named in code is its own input, which identifies nothing.
        const policy = ofType(dev, "aws:iam/rolePolicy:RolePolicy").find(p => p.name === "dev-flow-logs")!;
        assert.ok(names(policy.urn).includes("aws:iam/role:Role:input"));
        const flowLog = ofType(dev, "aws:ec2/flowLog:FlowLog")[0];
        assert.ok(names(flowLog.urn).includes("aws:cloudwatch/logGroup:LogGroup:input"), "the flow log's ARN input names its log group");
    });

    it("runs through the search domain in dev (its slowest resource), summing the chain's creation times", async () => {
        const path = criticalPath(await planOf("dev"));
        const types = path.chain.map(l => l.type);
        // From the VPC, or from OpenSearch's service-linked role and the wait for it to propagate.
        assert.ok(["aws:ec2/vpc:Vpc", "aws:iam/serviceLinkedRole:ServiceLinkedRole"].includes(types[0]), types.join(" -> "));
        assert.ok(types.includes("aws:opensearch/domain:Domain"), types.join(" -> "));
        assert.equal(
            path.seconds,
            path.chain.reduce((sum, l) => sum + l.time.seconds, 0),
        );
        assert.deepEqual(path.unknownTypes, []);
    });

    it("takes the longest branch, counts dependsOn, and flags types without a figure", () => {
        const vpc = resource("vpc", "aws:ec2/vpc:Vpc");
        const igw = resource("igw", "aws:ec2/internetGateway:InternetGateway", { vpcId: { urn: vpc.urn } });
        const mystery = resource("mystery", "aws:new/thing:Thing", {}, [igw.urn]);
        const quick = resource("quick", "aws:ec2/subnet:Subnet", { vpcId: { urn: vpc.urn } });
        const path = criticalPath(plan(vpc, igw, mystery, quick));
        assert.deepEqual(
            path.chain.map(l => [l.name, l.via]),
            [
                ["vpc", undefined],
                ["igw", "input"],
                ["mystery", "dependsOn"],
            ],
        );
        assert.equal(path.seconds, 5 + 5 + creationTimeOf("aws:new/thing:Thing").seconds);
        assert.deepEqual(path.unknownTypes, ["aws:new/thing:Thing"]);
    });

    it("refuses a cycle, naming a resource on it", () => {
        const a = resource("a", "aws:ec2/vpc:Vpc", {}, ["urn:b"]);
        const b = resource("b", "aws:ec2/vpc:Vpc", {}, ["urn:a"]);
        assert.throws(() => criticalPath(plan(a, b)), /cycle through urn:[ab]/);
    });

    it("prints durations as minutes and seconds", () => {
        assert.equal(formatDuration(165), "2m45s");
        assert.equal(formatDuration(45), "45s");
    });
});
