/**
 * What the account's IAM Access Analyzer should not page about: the external access the program grants on purpose,
 * as archive rules. Every other new external-access finding stays active, and AccountAlerts routes it to the
 * account's topic. The rules name exact principals (and, for the federated trusts, the exact roles), so that a trust
 * the deploy role could add to a role of its own (an outside account, another OIDC provider, another role trusting
 * the stack's providers) is not archived.
 *
 * Filter keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html (an
 * archive rule's filters all apply, each `eq` is any of its values; `status` cannot be filtered).
 */
import { GITHUB_OIDC_HOST, PULUMI_OIDC_HOST } from "./oidcTrustPolicy";

/** The external access the stack declares on purpose. */
export interface ExpectedAccess {
    readonly accountId: string;
    /**
     * The project's other accounts this account shares with on purpose: the dns account's delegation roles, the
     * bastion's peering roles (each trusts one account), dev's image key (prod's Auto Scaling uses it).
     */
    readonly projectAccounts: readonly string[];
    /** Elastic Load Balancing's log-delivery account of the region, when the account's buckets receive access logs. */
    readonly logDeliveryAccount?: string;
    /** The stack's Deployments roles (pulumi-<stack>-preview, -deploy) and the OIDC providers they trust. */
    readonly deployments?: { readonly roleNames: readonly string[]; readonly providerArns: readonly string[] };
}

/** One archive rule: its name under the analyzer, and its filter (key: the filter key; eq: any of these). */
export interface ArchiveRuleSpec {
    readonly key: string;
    readonly ruleName: string;
    readonly filter: Readonly<Record<string, { readonly eq: readonly string[] }>>;
}

/** An OIDC provider's ARN in an account, as IAM names it from the issuer's host and path. */
export function oidcProviderArn(accountId: string, host: string): string {
    return `arn:aws:iam::${accountId}:oidc-provider/${host}`;
}

/** The ARNs of the stack's two OIDC providers: the existing ones it was given, or those it creates. */
export function deploymentProviderArns(accountId: string, existing: { pulumi?: string; github?: string } = {}): string[] {
    return [
        existing.pulumi ?? oidcProviderArn(accountId, PULUMI_OIDC_HOST),
        existing.github ?? oidcProviderArn(accountId, GITHUB_OIDC_HOST),
    ];
}

/** An account as a finding's principal.AWS may name it: its id, or its root ARN as a policy writes it. */
function accountPrincipals(accountIds: readonly string[]): string[] {
    return [...new Set(accountIds)].sort().flatMap(id => [id, `arn:aws:iam::${id}:root`]);
}

/** The archive rules of the account's analyzer, in a stable order; none for what the stack does not declare. */
export function expectedAccessArchiveRules(expected: ExpectedAccess): ArchiveRuleSpec[] {
    const rules: ArchiveRuleSpec[] = [];
    const others = expected.projectAccounts.filter(id => id !== expected.accountId);
    if (others.length > 0) {
        rules.push({
            key: "project-accounts",
            ruleName: "twine-project-accounts",
            // Roles the other accounts assume and keys they use; a bucket or topic shared with them is not expected.
            filter: { "principal.AWS": { eq: accountPrincipals(others) }, resourceType: { eq: ["AWS::IAM::Role", "AWS::KMS::Key"] } },
        });
    }
    if (expected.logDeliveryAccount) {
        rules.push({
            key: "load-balancer-logs",
            ruleName: "twine-load-balancer-logs",
            filter: {
                "principal.AWS": { eq: accountPrincipals([expected.logDeliveryAccount]) },
                resourceType: { eq: ["AWS::S3::Bucket"] },
            },
        });
    }
    if (expected.deployments) {
        const { roleNames, providerArns } = expected.deployments;
        rules.push({
            key: "deployments-oidc",
            ruleName: "twine-deployments-oidc",
            filter: {
                "principal.Federated": { eq: [...providerArns].sort() },
                resource: { eq: roleNames.map(n => `arn:aws:iam::${expected.accountId}:role/${n}`).sort() },
            },
        });
    }
    return rules;
}

/** A finding as the filters see it: each filter key's value (principal.AWS, resource, resourceType, ...). */
export type FindingFields = Readonly<Record<string, string>>;

/** Whether an archive rule archives a finding: every filter key present and equal to one of its values. */
export function archives(rule: ArchiveRuleSpec, finding: FindingFields): boolean {
    return Object.entries(rule.filter).every(([key, criterion]) => finding[key] !== undefined && criterion.eq.includes(finding[key]));
}
