/**
 * What the bastion routes to each environment, read from the environment stack's own outputs instead of being copied
 * into Pulumi.bastion.yaml by hand: the peering connection the environment created and its data subnets' blocks.
 *
 * Why a StackReference, and not a look-up in the bastion's own account (ec2 DescribeVpcPeeringConnections by
 * accepter VPC and requester owner and block): the peering shows in both accounts, but the data subnets do not (they
 * are the environment account's subnets), so a look-up would still leave dataSubnetCidrs to a hand copy; and a
 * look-up keyed on the bastion's VPC id cannot run in the preview of a deploy that creates that VPC. The stack
 * outputs carry both, are typed by the outputs contract, and are known at preview.
 *
 * No deploy-time cycle: dev and prod read the bastion through `stacks.bastion`, and the bastion reads them back only
 * to route; it never waits for them. Before an environment's first deploy its stack exists (`pulumi stack init`,
 * runbook step 1) with no outputs: the bastion then deploys without that environment's routes and tunnels, and says
 * so. The bastion keeps the routes: they are resources of this stack, in its own route tables.
 */
import * as pulumi from "@pulumi/pulumi";
import { cidrContains, mustParseCidr } from "../components/network/cidr";
import { PROJECT, problem } from "../config";
import { envOutputsSchema } from "./outputs";
import { ContractReading, readContractOutputs } from "./readOutputs";
import { UpstreamError, stackReference } from "./upstream";

/** The environment outputs the bastion routes by: a subset of the contract, so an older env stack still reads. */
export const peerRoutingSchema = envOutputsSchema.pick({
    accountId: true,
    vpcCidr: true,
    peeringConnectionId: true,
    dataSubnetCidrs: true,
});

export interface PeerConfig {
    readonly accountId: string;
    readonly cidr: string;
    /** The environment's stack, organization/project/stack. */
    readonly stack: string;
}

/** The route and the data subnets of one environment, or why there are none yet. */
export type PeerRouting =
    | { readonly ready: true; readonly peeringConnectionId: string; readonly dataSubnetCidrs: readonly string[] }
    | { readonly ready: false; readonly message: string };

/**
 * Decides from what the environment stack exports. Pure, for the tests. Outputs not there yet (the environment is
 * not deployed) are a skip with the reason; outputs of another account or VPC than bastionHost.peers.<role> names
 * are an error (a route to the wrong network is worse than none).
 */
export function peerRouting(
    role: string,
    peer: PeerConfig,
    reading: ContractReading<{ [K in keyof typeof peerRoutingSchema.shape]: unknown }>,
): PeerRouting {
    const key = `${PROJECT}:bastionHost.peers.${role}`;
    if (!reading.ok && reading.missing.length > 0) {
        return {
            ready: false,
            message:
                `bastionHost.peers.${role}: the ${role} stack (${peer.stack}) has no ${
                    reading.missing.length === Object.keys(peerRoutingSchema.shape).length
                        ? "outputs"
                        : `${reading.missing.join(", ")} output`
                } yet, ` +
                `so no route or database tunnel to ${peer.cidr} this time. After its first \`pulumi up\`, run ` +
                `\`pulumi up\` on the bastion again: it reads them from the stack.`,
        };
    }
    if (!reading.ok) {
        throw new UpstreamError(
            `${key}.stack = "${peer.stack}": ${problem(
                `its outputs do not match the outputs contract (${reading.problems.join("; ")})`,
                `redeploy ${peer.stack} from the same revision of twine-infra`,
            )}`,
        );
    }
    const out = reading.data as { accountId: string; vpcCidr: string; peeringConnectionId: string; dataSubnetCidrs: string[] };
    const outside = out.dataSubnetCidrs.find(c => !cidrContains(mustParseCidr(peer.cidr), mustParseCidr(c)));
    const mismatch =
        out.accountId !== peer.accountId
            ? `it is deployed in account ${out.accountId}, not ${peer.accountId} (bastionHost.peers.${role}.accountId)`
            : out.vpcCidr !== peer.cidr
              ? `its VPC is ${out.vpcCidr}, not ${peer.cidr} (bastionHost.peers.${role}.cidr)`
              : outside && `its data subnet ${outside} is outside ${peer.cidr} (bastionHost.peers.${role}.cidr)`;
    if (mismatch) {
        throw new UpstreamError(
            `${key}.stack = "${peer.stack}": ${problem(
                mismatch,
                `name the ${role} stack of account ${peer.accountId}, or correct bastionHost.peers.${role} to match it`,
            )}`,
        );
    }
    return { ready: true, peeringConnectionId: out.peeringConnectionId, dataSubnetCidrs: out.dataSubnetCidrs };
}

/** Reads each configured environment's stack (one StackReference each) and decides its routing; logs each skip. */
export async function readPeerRoutings(
    peers: Readonly<Partial<Record<"dev" | "prod", PeerConfig>>>,
): Promise<Partial<Record<"dev" | "prod", PeerRouting>>> {
    const entries = await Promise.all(
        (["dev", "prod"] as const).flatMap(role => {
            const peer = peers[role];
            if (!peer) return [];
            const ref = stackReference(`peer-${role}`, peer.stack);
            return [readContractOutputs(ref, peerRoutingSchema).then(reading => [role, peerRouting(role, peer, reading)] as const)];
        }),
    );
    // Shown by the Pulumi CLI; the offline plan (mocks, no engine) would print it on stdout, among its JSON.
    if (pulumi.runtime.hasEngine()) for (const [, routing] of entries) if (!routing.ready) void pulumi.log.info(routing.message);
    return Object.fromEntries(entries);
}
