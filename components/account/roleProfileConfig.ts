/**
 * How a stack's providers reach a role in another account: through a named profile of the user's own AWS config,
 * never through the provider's own assumeRoles, and never through a file the program writes.
 *
 * Why a profile: a pull-request preview must assume the role's read-only counterpart, an update the role itself.
 * Were the role ARN a provider input, the two would differ, and the Pulumi AWS provider reports a changed
 * assumeRoles as a provider update (as it does a changed profile: pulumi/pulumi-aws#1470), and a changed region
 * replaces every resource of the provider (pulumi/pulumi-aws#4000): every preview would show a change the update
 * then undoes. With a profile named like the role, the provider's only credential input is that name, the same
 * string in every run, so its diff is always empty; which role the profile assumes, and from which credentials, is
 * decided where it is defined (`npx twine-infra profiles`, scripts/profiles.ts), and enforced by IAM: a preview
 * identity may assume only read-only counterparts.
 *
 * Why no file of ours: a laptop profile sources an SSO profile (`source_profile`), so the SDK refreshes the SSO
 * role session from the SSO token cache and re-assumes the role when its session ends, as long as the deploy runs;
 * an exported session (`aws configure export-credentials`) ends after the permission set's session length.
 * CI and Pulumi Deployments write the same names with `credential_source = Environment` into the runner's own AWS
 * config, outside the work tree. Checked with Terraform's AWS provider 5.100 (the same aws-sdk-go-v2 config loading
 * as the Pulumi AWS provider): test/roleProfileChain.test.ts.
 */
import { ownedPath } from "./deployRolePolicy";
import { readOnlyCounterpart } from "./iamPolicy";

/** The dns account's role for a consumer account (components/dns/apexZone.ts creates it under this name). */
export function delegationRoleName(consumer: string): string {
    return `twine-dns-delegation-${consumer}`;
}

/** The bastion account's peering role for an environment (components/access/bastionPeeringRoles.ts). */
export function peeringRoleName(env: string): string {
    return `twine-bastion-peering-${env}`;
}

/** A role of another account that a stack's provider assumes; the profile is named like the role. */
export interface CrossAccountRole {
    readonly profile: string;
    readonly accountId: string;
    /** The stack that creates the role: its IAM path is that stack's (ownedPath). */
    readonly ownerStack: string;
    readonly sessionName: string;
}

/** The write role's ARN: the owner stack's path and the role's name, in its account. */
export function crossAccountRoleArn(role: Pick<CrossAccountRole, "profile" | "accountId" | "ownerStack">): string {
    return `arn:aws:iam::${role.accountId}:role${ownedPath(role.ownerStack)}${role.profile}`;
}

/** The cross-account roles a stack's providers assume, given the accounts of its upstream stacks. */
export function crossAccountRoles(
    accountRole: "dns" | "bastion" | "dev" | "prod",
    upstream: { readonly dns?: UpstreamAccount; readonly bastion?: UpstreamAccount },
): CrossAccountRole[] {
    if (accountRole === "dns") return [];
    const need = (key: "dns" | "bastion"): UpstreamAccount => {
        const found = upstream[key];
        if (!found) throw new Error(`the ${accountRole} stack needs the ${key} stack's account id`);
        return found;
    };
    const role = (profile: string, key: "dns" | "bastion", sessionName: string) => ({
        profile,
        accountId: need(key).accountId,
        ownerStack: need(key).stack,
        sessionName,
    });
    const dns = role(delegationRoleName(accountRole), "dns", `twine-infra-${accountRole}-dns`);
    if (accountRole === "bastion") return [dns];
    return [dns, role(peeringRoleName(accountRole), "bastion", `twine-infra-${accountRole}-peering`)];
}

/** An upstream stack: its account and its stack name. */
export interface UpstreamAccount {
    readonly accountId: string;
    readonly stack: string;
}

/** Where a profile's own credentials come from: an SSO (or any) profile of the user, or the environment (CI). */
export type ProfileSource = { readonly sourceProfile: string } | { readonly credentialSource: "Environment" };

/**
 * The AWS config block of one role profile. `preview` names the read-only counterpart, for a stack's preview
 * role (the pull-request workflow, `<stack>-aws-preview`); the names stay the same, so do the provider's inputs.
 */
export function roleProfileBlock(role: CrossAccountRole, source: ProfileSource, preview = false): string {
    const arn = crossAccountRoleArn(role);
    const lines = [
        `[profile ${role.profile}]`,
        `role_arn = ${preview ? readOnlyCounterpart(arn) : arn}`,
        `role_session_name = ${role.sessionName}`,
        "sourceProfile" in source ? `source_profile = ${source.sourceProfile}` : `credential_source = ${source.credentialSource}`,
    ];
    return `${lines.join("\n")}\n`;
}

/**
 * An AWS config file with the given blocks: a block whose section header is already there replaces that section
 * (up to the next header), the others are appended; everything else is kept as it was.
 */
export function mergeProfileBlocks(existing: string, blocks: readonly string[]): string {
    const header = (text: string) => text.slice(0, text.indexOf("\n")).trim();
    const pending = new Map(blocks.map(b => [header(b), b]));
    const text = existing.length > 0 && !existing.endsWith("\n") ? `${existing}\n` : existing;
    // Each chunk is a section from its header to the next one, its blank lines included.
    const merged = text
        .split(/^(?=[ \t]*\[)/m)
        .map(chunk => {
            const block = pending.get(header(chunk));
            if (block === undefined) return chunk;
            pending.delete(header(chunk));
            return block.replace(/\n$/, "") + /\n*$/.exec(chunk)![0];
        })
        .join("");
    const rest = [...pending.values()];
    if (rest.length === 0) return merged;
    return merged + (merged.length === 0 || merged.endsWith("\n\n") ? "" : "\n") + rest.join("\n");
}
