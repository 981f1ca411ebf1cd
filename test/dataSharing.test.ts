/**
 * What a deploy role may still do by design, because IAM has no condition key to narrow it: set a database's master
 * password, copy backups to another account's vault, share an image or snapshot. Each pages through the account's
 * topic (the data-sharing rule), decided by moto's EventBridge matcher over CloudTrail events written from the calls'
 * API references (test/fixtures/data-sharing-events.json).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { dataSharingPattern } from "../components/operations/monitoring";
import { FIXTURES, fixtureConfig, objectKey } from "./helpers/config";
import { eventPatternMatches } from "./helpers/moto";
import { STACKS, ofType, planOf } from "./helpers/plans";

interface Samples {
    readonly account: string;
    readonly region: string;
    readonly sharedWith: readonly string[];
    readonly events: Readonly<Record<string, { matches: boolean; event: unknown }>>;
}
const SAMPLES = JSON.parse(fs.readFileSync(path.join(FIXTURES, "data-sharing-events.json"), "utf8")) as Samples;

describe("data sharing: what a deploy role may do by design pages", () => {
    it("pages on a password set, a backup copied out, a snapshot or image shared outside; not on routine calls (moto)", function () {
        this.timeout(60_000);
        const names = Object.keys(SAMPLES.events);
        const pattern = dataSharingPattern({ accountId: SAMPLES.account, region: SAMPLES.region, sharedWith: SAMPLES.sharedWith });
        const matched = eventPatternMatches(
            pattern,
            names.map(n => SAMPLES.events[n].event),
        );
        const got = Object.fromEntries(names.map((n, i) => [n, matched[i]]));
        assert.deepEqual(got, Object.fromEntries(names.map(n => [n, SAMPLES.events[n].matches])));
        assert.ok(names.filter(n => SAMPLES.events[n].matches).length >= 8 && names.some(n => !SAMPLES.events[n].matches));
    });

    it("without accounts to share with, any account added pages (prod shares nothing)", function () {
        this.timeout(60_000);
        const pattern = dataSharingPattern({ accountId: SAMPLES.account, region: SAMPLES.region, sharedWith: [] });
        const [toProd] = eventPatternMatches(pattern, [SAMPLES.events.imageSharedWithProd.event]);
        assert.equal(toProd, true);
    });

    for (const stack of STACKS) {
        it(`${stack}: a rule routes them to the account topic, for its account, region and image's consumer`, async () => {
            const plan = await planOf(stack);
            const config = fixtureConfig(stack);
            const accountId = config["twine-infra:accountId"];
            const [rule] = ofType(plan, "aws:cloudwatch/eventRule:EventRule").filter(r => r.inputs.name === `twine-${stack}-data-sharing`);
            assert.ok(rule, `${stack} routes no data-sharing call`);
            const pattern = String(rule.inputs.eventPattern);
            // EventBridge's default quota on a pattern's size (PutRule; raised only by a quota request).
            assert.ok(pattern.length <= 2048, `${pattern.length} characters`);
            const region = config["aws:region"];
            // dev shares its image with prod (image.prodAccountId); the other stacks share no image or snapshot.
            const sharedWith = stack === "dev" ? [objectKey(config, "twine-infra:image").prodAccountId as string] : [];
            const expected = dataSharingPattern({ accountId, region, sharedWith });
            assert.deepEqual(JSON.parse(pattern), expected);
            const [target] = ofType(plan, "aws:cloudwatch/eventTarget:EventTarget").filter(t => t.parent === rule.urn);
            assert.equal(target.inputs.arn, `arn:aws:sns:${region}:${accountId}:twine-${stack}-account`);
        });
    }
});
