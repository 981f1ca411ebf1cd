/** Reading a stack's outputs against the contract (stacks/readOutputs.ts), with a stand-in StackReference. */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { readContractOutputs } from "../stacks/readOutputs";

const contract = z.object({ vpcId: z.string(), zoneName: z.string() });

/** getOutputDetails as the SDK answers it: a plain output as `value`, a secret one as `secretValue`. */
function reference(plain: Record<string, unknown>, secret: Record<string, unknown> = {}) {
    return {
        getOutputDetails: async (name: string): Promise<pulumi.StackReferenceOutputDetails> =>
            name in secret ? { secretValue: secret[name] } : { value: plain[name] },
    };
}

describe("readContractOutputs", () => {
    it("reads the contract's plain outputs", async () => {
        assert.deepEqual(await readContractOutputs(reference({ vpcId: "vpc-1", zoneName: "example.com" }), contract), {
            ok: true,
            data: { vpcId: "vpc-1", zoneName: "example.com" },
        });
    });

    it("refuses a contract output exported as a secret instead of handing the secret over as a plain value", async () => {
        const reading = await readContractOutputs(reference({ zoneName: "example.com" }, { vpcId: "vpc-secret" }), contract);
        assert.equal(reading.ok, false);
        assert.ok(!reading.ok);
        assert.deepEqual(reading.missing, []);
        assert.equal(reading.problems.length, 1);
        assert.match(reading.problems[0], /^vpcId: exported as a secret, but the contract has it as a plain value/);
        assert.doesNotMatch(JSON.stringify(reading), /vpc-secret/, "the secret is not in the reading");
    });
});
