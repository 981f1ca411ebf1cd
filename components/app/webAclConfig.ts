/**
 * The WAF rules in front of each environment's load balancer. Order matters (lowest priority number first):
 *
 * 1. a per-client-IP ceiling that blocks abuse (a scraper, a broken client in a loop) but sits far above what a
 *    whole company behind one corporate NAT address sends in a rush;
 * 2. optionally a per-tenant rate rule, keyed by what identifies a tenant (the Host header when tenants have
 *    their own names, or a header or cookie the app sets), counting by default so operators see which tenant
 *    spikes while auto scaling absorbs a legitimate rush;
 * 3. optionally a body size limit for every path that is not an upload;
 * 4. the AWS managed rule groups, with `SizeRestrictions_BODY` of the common rule set counted instead of blocking,
 *    so receipts (larger than its fixed 8 KB) can be uploaded.
 */
import type * as aws from "@pulumi/aws";

type Rule = aws.types.input.wafv2.WebAclRule;
type Statement = aws.types.input.wafv2.WebAclRuleStatement;

/** What identifies the tenant of a request, for the per-tenant rate rule. */
export type TenantKey =
    /** The Host header: each tenant answers on its own name (acme.twinehr.com). */
    | { readonly host: true }
    /** A header the app sets on every request of a signed-in tenant, e.g. X-Twine-Tenant. */
    | { readonly header: string }
    /** A cookie the app sets at sign-in, e.g. twine_tenant. */
    | { readonly cookie: string };

export interface TenantRateLimit {
    /** What identifies a tenant. Requests that lack the key are not counted by this rule (the per-IP rule still is). */
    readonly key: TenantKey;
    /** Requests one tenant may send in any 5-minute window before the rule acts. */
    readonly limitPer5Minutes: number;
    /** "count" only records (metrics, sampled requests, a label); "block" refuses the excess with 429. */
    readonly action: "count" | "block";
}

export interface BodySizeLimit {
    /** Largest body accepted on paths that are not uploads, in bytes; at most 8192 (an ALB forwards 8 KB to WAF). */
    readonly maxBytes: number;
    /** Path prefixes that take uploads (receipts) and are exempt from the limit, e.g. ["/api/receipts"]. */
    readonly uploadPathPrefixes: readonly string[];
}

export interface WebAclRuleOptions {
    /** Requests one client IP may send in any 5-minute window before it is blocked: an abuse ceiling. */
    readonly rateLimitPer5Minutes: number;
    /** Per-tenant rate rule. Defaults to none. */
    readonly tenantRateLimit?: TenantRateLimit;
    /** Body size limit outside the upload paths. Defaults to none (the managed rule's 8 KB check only counts). */
    readonly bodySizeLimit?: BodySizeLimit;
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

/**
 * Rules of a managed group switched from block to count. SizeRestrictions_BODY blocks every body over 8 KB, which
 * is every receipt upload; its size is fixed by AWS, so the limit we want lives in our own rule instead.
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
 */
export const COUNTED_MANAGED_RULES: Readonly<Record<string, readonly string[]>> = {
    AWSManagedRulesCommonRuleSet: ["SizeRestrictions_BODY"],
};

/** An ALB forwards at most the first 8 KB of a body to WAF; a limit above it could never be inspected. */
export const ALB_BODY_INSPECTION_BYTES = 8192;

/** Label the per-tenant rule adds to the requests over its limit, so other rules and logs can find them. */
export const TENANT_OVER_LIMIT_LABEL = "twine:tenant-over-rate-limit";

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });

/** Header and cookie names as WAF matches them: header names are case-insensitive, so lower-case them. */
function tenantCustomKey(key: TenantKey) {
    const textTransformations = [{ priority: 0, type: "NONE" }];
    if ("host" in key) return { header: { name: "host", textTransformations: [{ priority: 0, type: "LOWERCASE" }] } };
    if ("header" in key) return { header: { name: key.header.toLowerCase(), textTransformations } };
    return { cookie: { name: key.cookie, textTransformations } };
}

/** Every problem with the options, quoting the values, so the component can refuse them before any resource. */
export function webAclRuleProblems(options: WebAclRuleOptions): string[] {
    const problems: string[] = [];
    // https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html: Limit is 10 to 2,000,000,000.
    const rateLimitOk = (n: number) => Number.isInteger(n) && n >= 10 && n <= 2_000_000_000;
    if (!rateLimitOk(options.rateLimitPer5Minutes))
        problems.push(`rateLimitPer5Minutes (${options.rateLimitPer5Minutes}) must be an integer from 10 to 2000000000`);
    const tenant = options.tenantRateLimit;
    if (tenant) {
        if (!rateLimitOk(tenant.limitPer5Minutes))
            problems.push(`tenantRateLimit.limitPer5Minutes (${tenant.limitPer5Minutes}) must be an integer from 10 to 2000000000`);
        const name = "header" in tenant.key ? tenant.key.header : "cookie" in tenant.key ? tenant.key.cookie : "host";
        if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name))
            problems.push(`tenantRateLimit key "${name}" is not a valid header or cookie name`);
    }
    const size = options.bodySizeLimit;
    if (size) {
        if (!(Number.isInteger(size.maxBytes) && size.maxBytes >= 1 && size.maxBytes <= ALB_BODY_INSPECTION_BYTES)) {
            problems.push(
                `bodySizeLimit.maxBytes (${size.maxBytes}) must be 1 to ${ALB_BODY_INSPECTION_BYTES}: ` +
                    "an ALB forwards only the first 8 KB of a body to WAF",
            );
        }
        for (const prefix of size.uploadPathPrefixes) {
            if (!/^\/[\x21-\x7e]*$/.test(prefix))
                problems.push(`bodySizeLimit upload path "${prefix}" must start with / and have no spaces`);
        }
    }
    return problems;
}

/** The statement matching a body over the limit on any path that is not an upload. */
export function oversizeBodyStatement(limit: BodySizeLimit): Statement {
    // MATCH: a body larger than WAF can inspect is over any limit up to 8 KB by definition.
    const oversize: Statement = {
        sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: "MATCH" } },
            comparisonOperator: "GT",
            size: limit.maxBytes,
            textTransformations: [{ priority: 0, type: "NONE" }],
        },
    };
    const uploads: Statement[] = limit.uploadPathPrefixes.map(prefix => ({
        byteMatchStatement: {
            fieldToMatch: { uriPath: {} },
            positionalConstraint: "STARTS_WITH",
            searchString: prefix,
            textTransformations: [{ priority: 0, type: "NORMALIZE_PATH" }],
        },
    }));
    if (uploads.length === 0) return oversize;
    // An or-statement needs at least two members; three levels of nesting at most (and > not > or).
    const anyUpload: Statement = uploads.length === 1 ? uploads[0] : { orStatement: { statements: uploads } };
    return { andStatement: { statements: [oversize, { notStatement: { statement: anyUpload } }] } };
}

/**
 * CloudWatch's dimension values for a web ACL and its per-tenant rule: the visibility configs' metric names (the
 * WebACL and Rule dimensions of AWS/WAFV2 are those names: https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html).
 */
export const webAclMetricName = (metricPrefix: string) => `${metricPrefix}-waf`;
export const tenantRuleMetricName = (metricPrefix: string) => `${metricPrefix}-tenant-rate`;

/** WAFv2 rule list, in evaluation order: per-IP ceiling, per-tenant rule, body size, then the managed groups. */
export function webAclRules(options: WebAclRuleOptions): Rule[] {
    const problems = webAclRuleProblems(options);
    if (problems.length > 0) throw new Error(`webAclRules: invalid options:\n - ${problems.join("\n - ")}`);
    const own: Omit<Rule, "priority">[] = [
        {
            name: "per-client-rate-limit",
            action: { block: {} },
            statement: { rateBasedStatement: { limit: options.rateLimitPer5Minutes, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
            visibilityConfig: visibility(`${options.metricPrefix}-rate-limit`),
        },
    ];
    const tenant = options.tenantRateLimit;
    if (tenant) {
        // Custom aggregation keys: one counter per distinct key value, i.e. per tenant.
        // https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html
        own.push({
            name: "per-tenant-rate-limit",
            action: tenant.action === "block" ? { block: { customResponse: { responseCode: 429 } } } : { count: {} },
            ruleLabels: [{ name: TENANT_OVER_LIMIT_LABEL }],
            statement: {
                rateBasedStatement: {
                    limit: tenant.limitPer5Minutes,
                    aggregateKeyType: "CUSTOM_KEYS",
                    evaluationWindowSec: 300,
                    customKeys: [tenantCustomKey(tenant.key)],
                },
            },
            visibilityConfig: visibility(tenantRuleMetricName(options.metricPrefix)),
        });
    }
    if (options.bodySizeLimit) {
        own.push({
            name: "body-size-outside-uploads",
            action: { block: {} },
            statement: oversizeBodyStatement(options.bodySizeLimit),
            visibilityConfig: visibility(`${options.metricPrefix}-body-size`),
        });
    }
    const managed = options.managedRuleGroups.map(group => {
        const counted = COUNTED_MANAGED_RULES[group] ?? [];
        return {
            name: group,
            overrideAction: { none: {} },
            statement: {
                managedRuleGroupStatement: {
                    vendorName: "AWS",
                    name: group,
                    ...(counted.length > 0 ? { ruleActionOverrides: counted.map(name => ({ name, actionToUse: { count: {} } })) } : {}),
                },
            },
            visibilityConfig: visibility(`${options.metricPrefix}-${group}`),
        };
    });
    return [...own, ...managed].map((rule, priority) => ({ ...rule, priority }));
}
