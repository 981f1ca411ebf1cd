/**
 * The cross-account roles a stack's providers assume, and the role an AWS provider of a plan assumes: from its
 * assumeRoles, or from the role profile it names. A profile is named like the role it assumes, in the account of
 * the upstream stack that creates it, under that stack's IAM path (components/account/roleProfileConfig.ts). The
 * upstream stacks are the ones the stack file names in `twine-infra:stacks`, whatever they are called: the one
 * place both `twine-infra profiles` (scripts/profiles.ts) and the plan readers resolve them.
 */
import { crossAccountRoleArn, CrossAccountRole, crossAccountRoles, UpstreamAccount } from "../components/account/roleProfileConfig";
import type { AccountRole } from "../config/primitives";
import { InputError } from "./inputError";
import { readStackSettings, upstreamStacks } from "./stackFile";

/** The roles of other accounts a stack assumes, from its stack file and its upstream stacks' files in projectDir. */
export function stackCrossAccountRoles(projectDir: string, stack: string, configFile?: string): CrossAccountRole[] {
    const settings = readStackSettings(projectDir, stack, configFile);
    const project = settings.project;
    const accountRole = settings.config[`${project}:accountRole`] as AccountRole | undefined;
    if (!accountRole) {
        throw new InputError({
            file: settings.source,
            key: `${project}:accountRole`,
            why: "is not set",
            fix: "set it to dns, bastion, dev or prod",
        });
    }
    const accounts: Record<string, UpstreamAccount> = {};
    for (const ref of upstreamStacks(settings)) {
        const upstream = readStackSettings(projectDir, ref.stack);
        const role = upstream.config[`${upstream.project}:accountRole`];
        const id = upstream.config[`${upstream.project}:accountId`];
        if (role && id) accounts[role] = { accountId: id, stack: ref.stack };
    }
    return crossAccountRoles(accountRole, accounts);
}

/**
 * The role ARN a provider assumes. A provider naming a profile assumes the role of that name among `roles` (the
 * stack's, from stackCrossAccountRoles), in the account it is pinned to; undefined when none matches.
 */
export function assumedRoleArn(providerInputs: Record<string, unknown>, roles: readonly CrossAccountRole[]): string | undefined {
    const direct = (providerInputs.assumeRoles as { roleArn?: string }[] | undefined)?.[0]?.roleArn;
    if (direct) return direct;
    const profile = providerInputs.profile as string | undefined;
    const accountId = (providerInputs.allowedAccountIds as string[] | undefined)?.[0];
    const role = roles.find(r => r.profile === profile && r.accountId === accountId);
    return role && crossAccountRoleArn(role);
}

/** The name of the role a provider assumes (its profile is named like the role), without resolving its ARN. */
export function assumedRoleName(providerInputs: Record<string, unknown>): string | undefined {
    const direct = (providerInputs.assumeRoles as { roleArn?: string }[] | undefined)?.[0]?.roleArn;
    return direct ? direct.split("/").pop() : (providerInputs.profile as string | undefined);
}
