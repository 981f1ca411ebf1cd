/**
 * The bastion's routes and database tunnels come from each environment stack's outputs (stacks/peerOutputs.ts), not
 * from values copied into Pulumi.bastion.yaml: a skip with the reason before the environment's first deploy, an error
 * when the stack it names is another account's or VPC's.
 */
import { strict as assert } from "assert";
import { peerRouting } from "../stacks/peerOutputs";
import { parseStackConfig } from "../config";
import { readStackSettings } from "../plan/stackFile";
import { FIXTURES } from "./helpers/config";

const PEER = { accountId: "333333333333", cidr: "10.20.0.0/16", stack: "acme/twine-infra/dev" };
const OUTPUTS = {
    accountId: "333333333333",
    vpcCidr: "10.20.0.0/16",
    peeringConnectionId: "pcx-0a1b2c3d4e5f60718",
    dataSubnetCidrs: ["10.20.32.0/21"],
};

describe("bastion peer routing from the environment stacks' outputs", () => {
    it("routes through the peering the environment exports, and tunnels to its data subnets", () => {
        assert.deepEqual(peerRouting("dev", PEER, { ok: true, data: OUTPUTS }), {
            ready: true,
            peeringConnectionId: "pcx-0a1b2c3d4e5f60718",
            dataSubnetCidrs: ["10.20.32.0/21"],
        });
    });

    it("skips with the reason and the next step while the environment stack has no outputs (the bastion's first deploy)", () => {
        const routing = peerRouting("dev", PEER, { ok: false, missing: ["peeringConnectionId", "dataSubnetCidrs"], problems: [] });
        assert.equal(routing.ready, false);
        assert.match(
            !routing.ready ? routing.message : "",
            /acme\/twine-infra\/dev\) has no peeringConnectionId, dataSubnetCidrs output yet/,
        );
        assert.match(!routing.ready ? routing.message : "", /run `pulumi up` on the bastion again/);
    });

    it("refuses a stack of another account, another VPC block, or data subnets outside the block, naming the key", () => {
        const cases: [Partial<typeof OUTPUTS>, RegExp][] = [
            [{ accountId: "555555555555" }, /deployed in account 555555555555, not 333333333333 \(bastionHost\.peers\.dev\.accountId\)/],
            [{ vpcCidr: "10.40.0.0/16" }, /its VPC is 10\.40\.0\.0\/16, not 10\.20\.0\.0\/16/],
            [{ dataSubnetCidrs: ["10.30.32.0/21"] }, /data subnet 10\.30\.32\.0\/21 is outside 10\.20\.0\.0\/16/],
        ];
        for (const [change, why] of cases) {
            assert.throws(
                () => peerRouting("dev", PEER, { ok: true, data: { ...OUTPUTS, ...change } }),
                (err: Error) =>
                    /twine-infra:bastionHost\.peers\.dev\.stack = "acme\/twine-infra\/dev"/.test(err.message) &&
                    why.test(err.message) &&
                    /Fix: /.test(err.message),
            );
        }
    });

    it("refuses outputs that do not match the contract, with the fix", () => {
        assert.throws(
            () => peerRouting("dev", PEER, { ok: false, missing: [], problems: ["peeringConnectionId: exported as a secret"] }),
            /do not match the outputs contract \(peeringConnectionId: exported as a secret\).*Fix: redeploy acme\/twine-infra\/dev/s,
        );
    });

    it("no longer takes hand-copied peering ids or data subnets in Pulumi.bastion.yaml", () => {
        for (const copied of [{ peeringConnectionId: "pcx-0123456789abcdef0" }, { dataSubnetCidrs: ["10.20.32.0/21"] }]) {
            const { config } = readStackSettings(FIXTURES, "bastion");
            const host = JSON.parse(config["twine-infra:bastionHost"]);
            assert.doesNotThrow(() => parseStackConfig("bastion", config));
            Object.assign(host.peers.dev, copied);
            const edited = { ...config, "twine-infra:bastionHost": JSON.stringify(host) };
            assert.throws(() => parseStackConfig("bastion", edited), new RegExp(Object.keys(copied)[0]));
        }
    });
});
