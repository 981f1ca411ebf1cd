/**
 * Rules AWS applies to physical names we derive, checked before any resource exists so a bad environment name is
 * a config error, not a failed `pulumi up` half-way through.
 */

/** Pulumi auto-names a resource `<logical name>-<7 random characters>`. */
export const AUTONAME_SUFFIX_LENGTH = 8;

/**
 * Problems with an Application Load Balancer or target group name derived from `prefix` by auto-naming. AWS:
 * "at most 32 characters, only alphanumeric characters or hyphens, must not begin or end with a hyphen, and must
 * not begin with internal-" (load balancers only).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
 */
export function loadBalancerNameProblems(prefix: string, kind: "load balancer" | "target group" = "load balancer"): string[] {
    const problems: string[] = [];
    const longest = 32 - AUTONAME_SUFFIX_LENGTH;
    if (prefix.length > longest) problems.push(`the ${kind} name "${prefix}-..." would pass 32 characters: keep "${prefix}" to ${longest}`);
    if (!/^[A-Za-z0-9-]+$/.test(prefix)) problems.push(`the ${kind} name "${prefix}-..." may hold only letters, digits and hyphens`);
    if (prefix.startsWith("-")) problems.push(`the ${kind} name "${prefix}-..." must not begin with a hyphen`);
    if (kind === "load balancer" && `${prefix}-`.toLowerCase().startsWith("internal-")) {
        problems.push(
            `the ${kind} name "${prefix}-..." would begin with "internal-", which AWS reserves for internal load balancers' DNS names`,
        );
    }
    return problems;
}

/** A stack file's identity, as far as account-wide singletons care. */
export interface StackAccount {
    readonly stack: string;
    readonly accountId: string;
    readonly region: string;
}

/**
 * Groups of stacks that deploy into the same account. Each stack owns its account's singletons (the CloudTrail trail,
 * bucket and key alias, the Access Analyzer, the GitHub and Pulumi OIDC providers, the OpenSearch service-linked
 * role, the role-named log groups, the subzone's NS record in the apex), so a second stack there would collide on
 * its first `pulumi up`.
 */
export function stacksSharingAnAccount(stacks: readonly StackAccount[]): StackAccount[][] {
    const byAccount = new Map<string, StackAccount[]>();
    for (const s of stacks) byAccount.set(s.accountId, [...(byAccount.get(s.accountId) ?? []), s]);
    return [...byAccount.values()]
        .filter(group => group.length > 1)
        .map(group => [...group].sort((a, b) => a.stack.localeCompare(b.stack)));
}
