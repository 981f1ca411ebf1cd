/**
 * The WAF rules in front of each environment's load balancer: a per-client rate limit first, so one tenant's
 * flood (or a scraper) is throttled before it can starve the others, then AWS managed rule groups.
 */

export interface WebAclRuleOptions {
    /** Requests one client IP may send in any 5-minute window before it is blocked. */
    readonly rateLimitPer5Minutes: number;
    /** AWS managed rule groups to apply, in order (vendor AWS). */
    readonly managedRuleGroups: readonly string[];
    /** Prefix for CloudWatch metric names. */
    readonly metricPrefix: string;
}

export const DEFAULT_MANAGED_RULE_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
] as const;

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });

/** WAFv2 rule list: the rate rule at priority 0, managed groups after it in the given order. */
export function webAclRules(options: WebAclRuleOptions) {
    return [
        {
            name: "per-client-rate-limit",
            priority: 0,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: options.rateLimitPer5Minutes, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
            visibilityConfig: visibility(`${options.metricPrefix}-rate-limit`),
        },
        ...options.managedRuleGroups.map((group, i) => ({
            name: group,
            priority: i + 1,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
            visibilityConfig: visibility(`${options.metricPrefix}-${group}`),
        })),
    ];
}
