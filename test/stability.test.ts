import { strict as assert } from "assert";
import { stableJson } from "../components/account/iamPolicy";
import { instability, unsortedKeyPaths, unstableInputs } from "../plan/stability";
import { STACKS, planOf } from "./helpers/plans";

describe("no perpetual diffs", () => {
    it("spots timestamps, Unix times and random UUIDs", () => {
        assert.match(instability("built 2026-11-27T21:26:22Z")!, /timestamp/);
        assert.match(instability(String(new Date(Date.UTC(2026, 10, 27))))!, /timestamp/);
        assert.match(instability(Date.now())!, /Unix time/);
        assert.match(instability("token-3b241101-e2bb-4255-8caf-4136c566a962")!, /random UUID/);
        assert.equal(instability("10.20.0.0/16"), undefined);
        assert.equal(instability(365), undefined);
        assert.equal(instability("333333333333"), undefined, "an account id is not a time");
    });

    it("accepts a UUID-shaped value that is a mocked id", () => {
        const id = "3b241101-e2bb-4255-8caf-4136c566a962";
        assert.equal(instability(`arn:aws:kms:eu-west-1:333333333333:key/${id}`, new Set([id])), undefined);
    });

    it("spots JSON whose keys are out of order, and accepts stableJson", () => {
        const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
        assert.deepEqual(unsortedKeyPaths(policy), ["$", "$.Statement[0]"]);
        assert.match(instability(JSON.stringify(policy))!, /keys out of order at \$, \$\.Statement\[0\]/);
        assert.equal(instability(stableJson(policy)), undefined);
    });

    for (const stack of STACKS) {
        it(`${stack}: no input embeds a timestamp, a random value or unsorted JSON`, async () => {
            const found = unstableInputs(await planOf(stack));
            assert.deepEqual(found, [], found.map(f => `${f.urn}: "${f.value}" ${f.why}`).join("\n"));
        });
    }
});
