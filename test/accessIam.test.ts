/**
 * The access model's IAM, decided by the policy simulator over the four offline plans (test/helpers/iam.ts):
 * instance roles trust EC2 in the documented form, so every box gets its credentials.
 */
import { strict as assert } from "assert";
import { ec2TrustPolicy } from "../components/iam";
import { IamHarness, IamRole, statementsOf } from "./helpers/iam";
import { planOf, STACKS } from "./helpers/plans";

const trustsEc2 = (role: IamRole) => statementsOf(role.trustPolicy).some(s => JSON.stringify(s.Principal ?? {}).includes("ec2.amazonaws.com"));

describe("access IAM (policy simulator over the plans)", function () {
    this.timeout(120_000);
    let iam: IamHarness;
    before(async () => {
        iam = IamHarness.fromPlans(await Promise.all(STACKS.map(planOf)));
    });

    it("every instance role trusts EC2 in the documented form, and EC2 can assume it with no extra context", async () => {
        const roles = iam.roles.filter(trustsEc2);
        assert.ok(roles.some(r => r.stack === "bastion"), "the bastion's instance role is among them");
        for (const role of roles) {
            assert.deepEqual(statementsOf(role.trustPolicy), statementsOf(ec2TrustPolicy() as never), `${role.stack}/${role.logicalName}`);
            assert.equal(await iam.assume({ role, from: { service: "ec2.amazonaws.com" } }), "Allowed", `${role.stack}/${role.logicalName}`);
        }
    });
});
