/**
 * The role an AWS provider of a plan assumes: from its assumeRoles, or from the role profile it names. A profile is
 * named like the role it assumes, in the account the provider is pinned to (components/account/roleProfileConfig.ts,
 * whose profile blocks say the same ARN).
 */
import { crossAccountRoleArn } from "../components/account/roleProfileConfig";

export function assumedRoleArn(providerInputs: Record<string, unknown>): string | undefined {
    const direct = (providerInputs.assumeRoles as { roleArn?: string }[] | undefined)?.[0]?.roleArn;
    if (direct) return direct;
    const profile = providerInputs.profile as string | undefined;
    const accountId = (providerInputs.allowedAccountIds as string[] | undefined)?.[0];
    if (!profile || !accountId) return undefined;
    return crossAccountRoleArn({ profile, accountId });
}
