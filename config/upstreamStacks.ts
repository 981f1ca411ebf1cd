/** The `stacks` section of the env stacks: the upstream stacks they read through StackReferences. */
import { z } from "zod";
import { PROJECT, problem, stackNameSchema } from "./primitives";

export const upstreamStacksSchema = z
    .strictObject({
        dns: stackNameSchema.describe("Fully qualified name of the dns stack, e.g. acme/twine-infra/dns. Required."),
        bastion: stackNameSchema.describe("Fully qualified name of the bastion stack. Required."),
        dev: stackNameSchema
            .optional()
            .describe(
                "Fully qualified name of the dev stack; prod reads the tested AMI and dev's CIDR from it. " +
                    "Required in prod, refused elsewhere.",
            ),
    })
    .describe("Upstream stacks this stack reads through StackReferences (dev and prod only).");

/**
 * Whether a stack of this role reads upstream stacks through StackReferences: bastion reads dns
 * (stacks/bastionStack.ts), dev and prod read dns and bastion (stacks/envStack.ts); dns reads none.
 */
export function readsUpstreamStacks(accountRole: string): boolean {
    return accountRole !== "dns";
}

/**
 * Stack references name this project, and the organization that owns this stack: a reference to another
 * organization's stack of the same name reads that organization's outputs (or nothing it may open). The owner is
 * `deployments.organization` when set, otherwise the organization the other references agree on.
 */
export function checkUpstreamStacks(
    value: { readonly stacks: Readonly<Record<string, string | undefined>>; readonly deployments?: { readonly organization?: string } },
    ctx: z.RefinementCtx,
): void {
    const refs = Object.entries(value.stacks).flatMap(([key, name]) => (name ? [{ key, name, parts: name.split("/") }] : []));
    const owner = value.deployments?.organization;
    const orgs = [...new Set(refs.map(r => r.parts[0]))];
    for (const ref of refs) {
        const [org, project, stack] = ref.parts;
        const add = (why: string, fix: string) =>
            ctx.addIssue({ code: "custom", path: ["stacks", ref.key], input: ref.name, message: problem(why, fix) });
        if (project !== PROJECT) {
            add(`names project ${project}, not this project (${PROJECT})`, `write ${org}/${PROJECT}/${stack}`);
        }
        if (owner !== undefined && org !== owner) {
            add(
                `names organization ${org}, but this stack belongs to ${owner} (deployments.organization)`,
                `write ${owner}/${project}/${stack}`,
            );
        }
    }
    if (owner === undefined && orgs.length > 1) {
        ctx.addIssue({
            code: "custom",
            path: ["stacks"],
            input: value.stacks,
            message: problem(
                `the upstream stacks name different organizations (${orgs.join(", ")}); they are one organization's stacks`,
                "write the organization that owns this project's stacks in every reference",
            ),
        });
    }
}

/**
 * The environment stacks the bastion reads back (bastionHost.peers.<env>.stack) are of the organization and project
 * of its upstream stacks (twine-infra:stacks): a StackReference reads only what the deploying token may, and one
 * organization holds the four stacks (runbook step 1), so another one is a typo that the bastion's `up` would only
 * meet as "no outputs yet", deploying without that environment's routes.
 */
export function checkPeerStacks(
    value: {
        readonly stacks: Readonly<Record<string, string | undefined>>;
        readonly bastionHost: { readonly peers: Readonly<Record<string, { readonly stack: string } | undefined>> };
    },
    ctx: z.RefinementCtx,
): void {
    const upstream = Object.entries(value.stacks).find((e): e is [string, string] => typeof e[1] === "string");
    if (!upstream) return;
    const owner = upstream[1].split("/")[0];
    for (const [role, peer] of Object.entries(value.bastionHost.peers)) {
        if (!peer || peer.stack.split("/").length !== 3) continue; // stackNameSchema reports a malformed name
        const [org, project, stack] = peer.stack.split("/");
        const add = (why: string) =>
            ctx.addIssue({
                code: "custom",
                path: ["bastionHost", "peers", role, "stack"],
                input: peer.stack,
                message: problem(why, `write ${owner}/${PROJECT}/${stack}`),
            });
        if (org !== owner) add(`names organization ${org}, but stacks.${upstream[0]} (${upstream[1]}) is of ${owner}`);
        else if (project !== PROJECT) add(`names project ${project}, not this project (${PROJECT})`);
    }
}
