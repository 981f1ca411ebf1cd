/**
 * IAM over the four offline plans, decided by a policy simulator (test/helpers/iam.ts): every document is valid
 * against AWS's service data, each identity can do its job, and what a reviewer worries about is denied.
 */
import { strict as assert } from "assert";
import { IamHarness } from "./helpers/iam";
import { STACKS, planOf } from "./helpers/plans";

let harness: Promise<IamHarness> | undefined;
/** One harness over the four plans for the whole file. */
function iam(): Promise<IamHarness> {
    harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans));
    return harness;
}

describe("IAM over the plans (policy simulator)", () => {
    it("finds every policy document valid: actions, resource types, condition keys", async () => {
        const h = await iam();
        assert.ok(h.documents.length >= 40, `only ${h.documents.length} documents found`);
        assert.deepEqual(await h.validateDocuments(), []);
    });
});
