/**
 * URN stability: the app cluster's resources moved into its endpoint, fleet and log-bucket components; each moved
 * resource answers to the URN it had before (the fixture, recorded from the cluster built by hand-written args
 * before the split), so the next `pulumi up` replaces nothing.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Plan, runProgram } from "../plan/run";
import { answeredUrns, childUrn, engineUrns, lostUrns } from "../plan/urns";
import { stagingCluster } from "./helpers/appCluster";
import { FIXTURES } from "./helpers/config";
import { planOf, serialPlan } from "./helpers/plans";

const STACK = "urn:pulumi:test::twine-infra::pulumi:pulumi:Stack::twine-infra-test";

describe("URN stability", () => {
    it("qualifies a child's URN with every parent type, but not the stack's", () => {
        const cluster = childUrn(STACK, "twine:index:AppCluster", "staging");
        assert.equal(cluster, "urn:pulumi:test::twine-infra::twine:index:AppCluster::staging");
        assert.equal(
            childUrn(childUrn(cluster, "aws:s3/bucket:Bucket", "logs"), "aws:s3/bucketPolicy:BucketPolicy", "logs"),
            "urn:pulumi:test::twine-infra::twine:index:AppCluster$aws:s3/bucket:Bucket$aws:s3/bucketPolicy:BucketPolicy::logs",
        );
    });

    it("follows a declared alias and the alias a child inherits from its parent", () => {
        const resource = (urn: string, type: string, name: string, parent: string | null, aliases?: { parent: string }[]) => ({
            urn,
            type,
            name,
            parent,
            provider: null,
            inputs: {},
            options: { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [], deleteBeforeReplace: false, aliases },
        });
        const plan: Plan = {
            stack: "test",
            project: "twine-infra",
            outputs: {},
            resources: [
                resource(STACK, "pulumi:pulumi:Stack", "twine-infra-test", null),
                resource("c", "twine:index:AppCluster", "staging", STACK),
                resource("e", "twine:index:AppEndpoint", "staging", "c"),
                resource("b", "aws:s3/bucket:Bucket", "staging-logs", "e", [{ parent: "c" }]),
                resource("p", "aws:s3/bucketPolicy:BucketPolicy", "staging-logs", "b"),
            ],
        };
        const old =
            "urn:pulumi:test::twine-infra::twine:index:AppCluster$aws:s3/bucket:Bucket$aws:s3/bucketPolicy:BucketPolicy::staging-logs";
        assert.ok(answeredUrns(plan).get("p")!.includes(old));
        assert.match(engineUrns(plan).get("p")!, /AppCluster\$twine:index:AppEndpoint\$aws:s3\/bucket:Bucket\$/);
        assert.deepEqual(lostUrns([old, `${old}-gone`], plan), [`${old}-gone`]);
    });

    it("GIVEN the cluster split into endpoint, fleet and log bucket WHEN planned THEN every former URN is still answered", async () => {
        const before = JSON.parse(fs.readFileSync(path.join(FIXTURES, "appCluster-urns-before-split.json"), "utf8")) as string[];
        const plan = await serialPlan(() => runProgram(() => void stagingCluster({}, "prod")));
        const movedTypes = new Set(["twine:index:AppEndpoint", "twine:index:AppFleet", "twine:index:LogBucket"]);
        assert.ok(
            plan.resources.some(r => movedTypes.has(r.type)),
            "the cluster declares its parts as components",
        );
        assert.deepEqual(lostUrns(before, plan), []);
    });

    it("GIVEN the apt bucket moved into LogBucket WHEN dev is planned THEN every URN it had is still answered", async () => {
        // Recorded from the dev plan while the bucket and its settings were built by hand in AptRepo.
        const before = JSON.parse(fs.readFileSync(path.join(FIXTURES, "aptRepo-urns-before-logbucket.json"), "utf8")) as string[];
        const plan = await planOf("dev");
        const apt = plan.resources.find(r => r.type === "twine:index:AptRepo")!;
        assert.ok(
            plan.resources.some(r => r.type === "twine:index:LogBucket" && r.parent === apt.urn),
            "the apt bucket is a LogBucket",
        );
        assert.deepEqual(lostUrns(before, plan), []);
    });
});
