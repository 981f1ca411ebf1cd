/**
 * The app servers' root volume follows the image's: a launch template asking for less than the AMI's snapshot makes
 * every launch fail. Over the offline plans of dev and prod, from the fixtures with a larger image.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { APP_ROOT_VOLUME_MIN_GIB, appRootVolumeGiB, imageRootVolumeGiB } from "../components/app/rootVolumeConfig";
import { MOCK_AMI_ROOT_VOLUME_GIB } from "../plan/mocks";
import { Plan, planStack } from "../plan/run";
import { FIXTURES, ofType, planOf, serialPlan } from "./helpers/plans";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const rootSizes = (plan: Plan) =>
    ofType(plan, LT).map(lt => (lt.inputs.blockDeviceMappings as { ebs: { volumeSize: number } }[])[0].ebs.volumeSize);

/** A copy of the fixture stack files, with one stack's config edited; the other stacks plan from it as upstreams. */
function fixtureTreeWith(stack: string, edit: (config: Record<string, any>) => void): string {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), "twine-root-volume-"));
    for (const f of fs.readdirSync(FIXTURES).filter(f => /^Pulumi\..*yaml$/.test(f)))
        fs.copyFileSync(path.join(FIXTURES, f), path.join(tree, f));
    const file = path.join(tree, `Pulumi.${stack}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8"));
    edit(doc.config);
    fs.writeFileSync(file, stringify(doc));
    return tree;
}

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

    it("reads an image's root volume from its root device's mapping, not another device's", () => {
        const image = (mappings: { deviceName: string; ebs: Record<string, string> }[]) => ({
            id: "ami-0123456789abcdef0",
            rootDeviceName: "/dev/sda1",
            blockDeviceMappings: mappings,
        });
        assert.equal(
            imageRootVolumeGiB(
                image([
                    { deviceName: "/dev/sdb", ebs: { volume_size: "500" } },
                    { deviceName: "/dev/sda1", ebs: { volume_size: "48", volume_type: "gp3" } },
                ]),
            ),
            48,
        );
        assert.throws(
            () => imageRootVolumeGiB(image([{ deviceName: "/dev/sdb", ebs: {} }])),
            /ami-0123456789abcdef0: no EBS root volume size for its root device \/dev\/sda1.*Fix: /,
        );
    });

    describe("GIVEN prod pins an older, larger image of dev's (image.amiId)", () => {
        const [pinned, size] = Object.entries(MOCK_AMI_ROOT_VOLUME_GIB)[0];
        let tree: string;
        before(() => {
            tree = fixtureTreeWith("prod", config => {
                config["twine-infra:image"] = { ...(config["twine-infra:image"] ?? {}), amiId: pinned };
            });
        });
        after(() => fs.rmSync(tree, { recursive: true, force: true }));

        it("prod's launch templates ask for the pinned image's root volume, as DescribeImages reports it", async () => {
            assert.ok(size > APP_ROOT_VOLUME_MIN_GIB && size !== 16, "the mock's image is larger than dev's and the floor");
            const plan = await serialPlan(() => planStack("prod", { projectDir: tree }));
            assert.ok(ofType(plan, LT).length > 0);
            assert.deepEqual(new Set(rootSizes(plan)), new Set([size]));
            assert.equal(plan.outputs.amiRootVolumeGiB, size);
        });
    });

    describe("GIVEN dev builds a 40 GiB image", () => {
        let tree: string;
        before(() => {
            tree = fixtureTreeWith("dev", config => {
                config["twine-infra:image"].rootVolumeGiB = 40;
            });
        });
        after(() => fs.rmSync(tree, { recursive: true, force: true }));

        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: every launch template asks for 40 GiB (prod reads dev's image through DescribeImages)`, async () => {
                const plan = await serialPlan(() => planStack(stack, { projectDir: tree }));
                assert.ok(ofType(plan, LT).length > 0);
                assert.deepEqual(new Set(rootSizes(plan)), new Set([40]));
                assert.equal(plan.outputs.amiRootVolumeGiB, 40);
            });
        }
    });
});
