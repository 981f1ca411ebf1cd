/**
 * Rules between stacks, checked once the upstream stacks' outputs are read and before this stack declares
 * anything else. Pure: takes plain values, returns problems in the same form as the config schema's.
 */
import { JENKINS_TARGET } from "../components/access/accessGrantsConfig";
import { cidrsOverlap, mustParseCidr } from "../components/network/cidr";
import { PROJECT, problem } from "./primitives";

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
    /** This stack's account; with bastionPeers, checked against the bastion's list. */
    readonly accountId?: string;
    /** The environments the bastion peers with (its bastionHost.peers): this one must be listed, as configured here. */
    readonly bastionPeers?: Partial<Record<"dev" | "prod", { readonly accountId: string; readonly cidr: string }>>;
    /** The targets the bastion grants access to in this account (its bastionHost.peers.<role>.access keys). */
    readonly grantTargets?: readonly string[];
    /** This stack's environment names: the targets a grant may name (and jenkins, in dev). */
    readonly environments?: readonly string[];
}

export function envCrossStackProblems(input: EnvCrossStackInput): string[] {
    const problems: string[] = [];
    const own = mustParseCidr(input.cidr);
    for (const peer of [input.bastion, input.otherEnv]) {
        if (peer && cidrsOverlap(own, mustParseCidr(peer.cidr))) {
            problems.push(
                `${PROJECT}:network.cidr = "${input.cidr}": ${problem(
                    `overlaps the ${peer.stack} VPC ${peer.cidr}; the ${input.role} VPC peers with the bastion VPC ` +
                        `and shares its routes with the other environment, so the blocks must be disjoint`,
                    `pick a block that does not overlap ${peer.cidr}`,
                )}`,
            );
        }
    }
    if (input.region !== input.bastion.region) {
        problems.push(
            `aws:region = "${input.region}": ${problem(
                `the bastion VPC is in ${input.bastion.region}; this design peers within one region ` +
                    `(inter-region peering and its DNS and security-group limits are not supported)`,
                `deploy the ${input.role} stack in ${input.bastion.region}`,
            )}`,
        );
    }
    if (input.bastionPeers) {
        problems.push(...bastionPeerProblems(input));
    }
    if (input.grantTargets && input.environments) {
        problems.push(...grantTargetProblems(input.role, input.grantTargets, input.environments));
    }
    return problems;
}

/**
 * Every grant of the bastion must name a target of this account: a grant to a misspelt environment reaches no box,
 * and the environment it meant gets nobody's keys (its boxes render logins from the grant under its own name).
 */
export function grantTargetProblems(role: "dev" | "prod", targets: readonly string[], environments: readonly string[]): string[] {
    const known = role === "dev" ? [...environments, JENKINS_TARGET] : [...environments];
    return targets
        .filter(t => !known.includes(t))
        .map(
            t =>
                `bastionHost.peers.${role}.access.${t} (bastion stack): ${problem(
                    `the ${role} stack has no environment ${t}, so this grant reaches no box ` +
                        `(the ${role} stack's targets: ${known.join(", ")})`,
                    `name one of ${known.join(", ")} in the bastion stack's config (or remove the grant); update the bastion stack first`,
                )}`,
        );
}

/** The bastion trusts and routes exactly the accounts and blocks its config lists; this env must be one of them. */
function bastionPeerProblems(input: EnvCrossStackInput): string[] {
    const listed = input.bastionPeers?.[input.role];
    const key = `bastionHost.peers.${input.role}`;
    const where = `${key} in the bastion stack's config`;
    if (!listed) {
        return [
            `${PROJECT}:accountRole = "${input.role}": ${problem(
                `the bastion stack lists no ${input.role} peer, so it has no peering role for this account`,
                `add ${where} (accountId ${input.accountId ?? "<this account>"}, cidr ${input.cidr}) and run ` +
                    `\`pulumi up\` on the bastion stack first`,
            )}`,
        ];
    }
    const problems: string[] = [];
    if (input.accountId !== undefined && listed.accountId !== input.accountId) {
        problems.push(
            `${PROJECT}:accountId = "${input.accountId}": ${problem(
                `the bastion's peering role for ${input.role} trusts account ${listed.accountId}`,
                `make ${key}.accountId (bastion stack) and this stack's accountId the same account, then update the bastion stack first`,
            )}`,
        );
    }
    if (listed.cidr !== input.cidr) {
        problems.push(
            `${PROJECT}:network.cidr = "${input.cidr}": ${problem(
                `the bastion stack peers ${input.role} as ${listed.cidr}`,
                `make ${key}.cidr (bastion stack) and this stack's network.cidr the same block, then update the bastion stack first`,
            )}`,
        );
    }
    return problems;
}

/**
 * Prod's public names in the apex must be ones the dns stack delegated to prod, or the delegation role refuses
 * the records halfway through a deploy. Checked up front instead.
 */
export function publicNameProblems(
    apex: string,
    delegated: readonly string[],
    environments: readonly { name: string; publicNames: readonly string[] }[],
): string[] {
    const problems: string[] = [];
    for (const env of environments) {
        env.publicNames.forEach((label, i) => {
            const name = `${label}.${apex}`;
            if (!delegated.includes(name)) {
                problems.push(
                    `${PROJECT}:environments.${env.name}.app.publicNames[${i}] = "${label}": ${problem(
                        `the dns stack does not let prod write ${name} (it delegates ` +
                            `${delegated.length > 0 ? delegated.join(", ") : "no public names"})`,
                        `add ${name} to delegation.prod.publicNames in the dns stack and deploy dns first, or remove "${label}"`,
                    )}`,
                );
            }
        });
    }
    return problems;
}
