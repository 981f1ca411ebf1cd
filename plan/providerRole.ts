/**
 * The role an AWS provider of a plan assumes: from its assumeRoles, or from the role profile it names. A profile is
 * named like the role it assumes, in the account the provider is pinned to, under the IAM path of the stack that
 * creates it (components/account/roleProfileConfig.ts; `twine-infra profiles` writes the same ARN). The owner
 * stack is taken to be named like its account role (dns, bastion), as in this project's stack files.
 */
import { crossAccountRoleArn, roleOwner } from "../components/account/roleProfileConfig";

export function assumedRoleArn(providerInputs: Record<string, unknown>): string | undefined {
    const direct = (providerInputs.assumeRoles as { roleArn?: string }[] | undefined)?.[0]?.roleArn;
    if (direct) return direct;
    const profile = providerInputs.profile as string | undefined;
    const accountId = (providerInputs.allowedAccountIds as string[] | undefined)?.[0];
    const ownerStack = profile && roleOwner(profile);
    if (!profile || !accountId || !ownerStack) return undefined;
    return crossAccountRoleArn({ profile, accountId, ownerStack });
}
