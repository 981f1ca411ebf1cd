/**
 * Rules between stacks, checked once the upstream stacks' outputs are read and before this stack declares
 * anything else. Pure: takes plain values, returns problems in the same form as the config schema's.
 */
import { cidrsOverlap, mustParseCidr } from "../components/cidr";
import { PROJECT, problem } from "./schema";

export interface PeerVpc {
    /** Which stack owns it, e.g. "bastion". */
    readonly stack: string;
    readonly cidr: string;
    readonly region: string;
}

export interface EnvCrossStackInput {
    readonly role: "dev" | "prod";
    readonly cidr: string;
    readonly region: string;
    readonly bastion: PeerVpc;
    /** Prod also checks against dev (dev is deployed first and cannot see prod). */
    readonly otherEnv?: PeerVpc;
}

export function envCrossStackProblems(input: EnvCrossStackInput): string[] {
    const problems: string[] = [];
    const own = mustParseCidr(input.cidr);
    for (const peer of [input.bastion, input.otherEnv]) {
        if (peer && cidrsOverlap(own, mustParseCidr(peer.cidr))) {
            problems.push(
                `${PROJECT}:network.cidr = "${input.cidr}": ${problem(
                    `overlaps the ${peer.stack} VPC ${peer.cidr}; the ${input.role} VPC peers with the bastion VPC and shares its routes with the other environment, so the blocks must be disjoint`,
                    `pick a block that does not overlap ${peer.cidr}`,
                )}`,
            );
        }
    }
    if (input.region !== input.bastion.region) {
        problems.push(
            `aws:region = "${input.region}": ${problem(
                `the bastion VPC is in ${input.bastion.region}; this design peers within one region (inter-region peering and its DNS and security-group limits are not supported)`,
                `deploy the ${input.role} stack in ${input.bastion.region}`,
            )}`,
        );
    }
    return problems;
}
