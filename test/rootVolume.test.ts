/**
 * The app servers' root volume follows the image's: a launch template asking for less than the AMI's snapshot makes
 * every launch fail. Over the offline plans of dev and prod, from the fixtures with a larger image.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { APP_ROOT_VOLUME_MIN_GIB, appRootVolumeGiB } from "../components/app/rootVolumeConfig";
import { Plan, planStack } from "../plan/run";
import { FIXTURES, ofType, planOf, serialPlan } from "./helpers/plans";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const rootSizes = (plan: Plan) =>
    ofType(plan, LT).map(lt => (lt.inputs.blockDeviceMappings as { ebs: { volumeSize: number } }[])[0].ebs.volumeSize);

describe("app servers' root volume, derived from the image's", function () {
    this.timeout(300_000);

    it("is the image's root volume, never under the floor, and refuses a size that is not whole GiB", () => {
        assert.equal(appRootVolumeGiB(16), APP_ROOT_VOLUME_MIN_GIB);
        assert.equal(appRootVolumeGiB(20), 20);
        assert.equal(appRootVolumeGiB(64), 64);
        assert.throws(() => appRootVolumeGiB(0), /whole number of GiB, got 0/);
        assert.throws(() => appRootVolumeGiB(12.5), /got 12\.5/);
    });

    it("the fixtures' image (16 GiB): every launch template asks for the floor", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const plan = await planOf(stack);
            assert.ok(ofType(plan, LT).length > 0);
            assert.deepEqual(new Set(rootSizes(plan)), new Set([APP_ROOT_VOLUME_MIN_GIB]), stack);
        }
        assert.equal((await planOf("dev")).outputs.amiRootVolumeGiB, 16);
    });

    describe("GIVEN dev builds a 40 GiB image", () => {
        let tree: string;
        before(() => {
            tree = fs.mkdtempSync(path.join(os.tmpdir(), "twine-root-volume-"));
            for (const f of fs.readdirSync(FIXTURES).filter(f => /^Pulumi\..*yaml$/.test(f)))
                fs.copyFileSync(path.join(FIXTURES, f), path.join(tree, f));
            const file = path.join(tree, "Pulumi.dev.yaml");
            const doc = parse(fs.readFileSync(file, "utf8"));
            doc.config["twine-infra:image"].rootVolumeGiB = 40;
            fs.writeFileSync(file, stringify(doc));
        });
        after(() => fs.rmSync(tree, { recursive: true, force: true }));

        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: every launch template asks for 40 GiB (prod from dev's amiRootVolumeGiB output)`, async () => {
                const plan = await serialPlan(() => planStack(stack, { projectDir: tree }));
                assert.ok(ofType(plan, LT).length > 0);
                assert.deepEqual(new Set(rootSizes(plan)), new Set([40]));
                assert.equal(plan.outputs.amiRootVolumeGiB, 40);
            });
        }
    });
});
