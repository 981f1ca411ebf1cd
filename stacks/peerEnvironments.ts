/**
 * The bastion's grants name environments of the dev and prod stacks (bastionHost.peers.<role>.access.<target>). A
 * grant under a misspelt name reaches no box, and the environment it meant renders nobody's keys. The environment
 * stacks check it too, but only after the bastion is deployed; the bastion checks it first against the stack files
 * beside this program: its first deploy comes before dev's and prod's, whose outputs it reads only once they exist
 * (stacks/peerOutputs.ts).
 */
import * as path from "path";
import { JENKINS_TARGET } from "../components/access/accessGrantsConfig";
import { PROJECT, problem } from "../config";
import { DEFAULT_ENVIRONMENTS } from "../config/environments";
import { stackFileConfigs } from "./oneStackPerAccount";

/** The folder whose stack files the program compares against: its own project folder (see withSiblingStackFolder). */
let siblingFolder = path.join(__dirname, "..");

export function siblingStackFolder(): string {
    return siblingFolder;
}

/** Runs `run` with the sibling stack files read from `dir` (the offline planner plans a copy of the project). */
export async function withSiblingStackFolder<T>(dir: string, run: () => Promise<T>): Promise<T> {
    const was = siblingFolder;
    siblingFolder = dir;
    try {
        return await run();
    } finally {
        siblingFolder = was;
    }
}

export interface PeerEnvironments {
    readonly stack: string;
    readonly role: "dev" | "prod";
    readonly accountId: string;
    /** The targets a bastion grant may name in this account: its environments, and jenkins in dev. */
    readonly targets: readonly string[];
}

/** The dev and prod stack files in `projectDir`, with their accounts and environment names. */
export function peerEnvironments(projectDir: string): PeerEnvironments[] {
    return stackFileConfigs(projectDir).flatMap(({ stack, config }) => {
        const role = config[`${PROJECT}:accountRole`];
        const accountId = config[`${PROJECT}:accountId`];
        const environments = config[`${PROJECT}:environments`];
        if ((role !== "dev" && role !== "prod") || accountId === undefined) return [];
        // Without the key, the stack has the default environments (config/environments.ts).
        if (environments !== undefined && (environments === null || typeof environments !== "object")) return [];
        const names = environments === undefined ? [...DEFAULT_ENVIRONMENTS[role]] : Object.keys(environments);
        return [{ stack, role, accountId: String(accountId), targets: role === "dev" ? [...names, JENKINS_TARGET] : names }];
    });
}

type Peers = Partial<Record<"dev" | "prod", { readonly accountId: string; readonly access?: Readonly<Record<string, unknown>> }>>;

export interface GrantTargetProblem {
    /** The config key, without the project namespace: bastionHost.peers.dev.access.tset. */
    readonly key: string;
    readonly target: string;
    readonly why: string;
    readonly fix: string;
}

/**
 * Grants whose target no stack file of that peer's account names. Undecided (no problem) when no stack file of the
 * project deploys the peer's role into the peer's account: its own stack checks the grants when it is deployed.
 */
export function bastionGrantTargetProblems(peers: Peers, siblings: readonly PeerEnvironments[]): GrantTargetProblem[] {
    return (["dev", "prod"] as const).flatMap(role => {
        const peer = peers[role];
        const files = siblings.filter(s => s.role === role && s.accountId === peer?.accountId);
        if (!peer?.access || typeof peer.access !== "object" || files.length === 0) return [];
        const known = [...new Set(files.flatMap(f => f.targets))];
        const named = files.map(f => `Pulumi.${f.stack}.yaml`).join(", ");
        return Object.keys(peer.access)
            .filter(target => !known.includes(target))
            .map(target => ({
                key: `bastionHost.peers.${role}.access.${target}`,
                target,
                why:
                    `${named} (the ${role} account's stack) has no environment ${target}, ` +
                    `so this grant reaches no box (its targets: ${known.join(", ")})`,
                fix: `name one of ${known.join(", ")} under bastionHost.peers.${role}.access in Pulumi.bastion.yaml, or remove the grant`,
            }));
    });
}

/** The same problems in the config schema's form, for the program's ConfigError. */
export function bastionGrantTargetMessages(peers: Peers, siblings: readonly PeerEnvironments[]): string[] {
    return bastionGrantTargetProblems(peers, siblings).map(p => `${PROJECT}:${p.key}: ${problem(p.why, p.fix)}`);
}
