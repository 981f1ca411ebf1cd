/**
 * The WAF rules in front of each environment's load balancer. Order matters (lowest priority number first):
 *
 * 1. a per-client-IP ceiling, what the minimum fleet can absorb before a scale-out arrives, over every request with
 *    or without a tenant header (fairShareConfig.ts derives it), scoped down to exclude the listed high-volume sources;
 *    each listed source has its own rate rule instead, at its allowance (highVolumeSourceConfig.ts);
 * 2. optionally a per-tenant rate rule, keyed by what identifies a tenant (the Host header when tenants have
 *    their own names, or a header or cookie the app sets) so that a forger spends only its own budget: together
 *    with the client IP, or a value the app signs; it blocks in prod, at the fleet's fair share (fairShareConfig.ts);
 * 3. optionally a body size rule: counted outside the upload paths, blocked only on the paths listed as confirmed;
 * 4. the AWS managed rule groups, with `SizeRestrictions_BODY` of the common rule set counted instead of blocking,
 *    so receipts (larger than its fixed 8 KB) can be uploaded, and every `*_BODY` rule counted too:
 * 5. a rule after them that blocks what those body rules matched, except on the upload paths.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

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

/**
 * How a forger is kept from spending another tenant's budget, since the client sets the key:
 * - "tenant-and-ip": one counter per tenant and client IP; a forger naming a victim fills only the counter of
 *   (victim, forger's IP), never (victim, victim's IPs);
 * - "signed": one counter per key value, which the app signs (e.g. "acme.<HMAC of acme>"): a forger cannot produce
 *   the victim's value, so anything it sends is a counter of its own.
 */
export type TenantKeyScope = "tenant-and-ip" | "signed";

export interface TenantRateLimit {
    /** What identifies a tenant. Requests that lack the key are not counted by this rule (the per-IP rule still is). */
    readonly key: TenantKey;
    /** What a counter is keyed by, so that a forged key spends only the forger's budget. */
    readonly scope: TenantKeyScope;
    /** Requests one tenant may send in any 5-minute window before the rule acts. */
    readonly limitPer5Minutes: number;
    /** "count" only records (metrics, sampled requests, a label); "block" refuses the excess with 429. */
    readonly action: "count" | "block";
}

export interface BodySizeLimit {
    /** Largest body accepted on paths that are not uploads, in bytes; at most 8192 (an ALB forwards 8 KB to WAF). */
    readonly maxBytes: number;
    /**
     * Path prefixes that take uploads (receipts): exempt from the size limit, and the managed `*_BODY` injection
     * rules only count there (AWS names them as ones that commonly block uploads). e.g. ["/api/receipts"]
     */
    readonly uploadPathPrefixes: readonly string[];
    /**
     * Path prefixes where an oversize body is blocked, once the app's routes are confirmed. Empty: counted on every
     * path but the uploads, blocked nowhere.
     */
    readonly blockedPathPrefixes: readonly string[];
}

/** A known high-volume customer (e.g. a company behind one NAT address): its addresses and their allowance. */
export interface HighVolumeSourceRule {
    readonly name: string;
    /** The WAF IP set holding its CIDRs. */
    readonly ipSetArn: pulumi.Input<string>;
    /** Requests its addresses together may send in any 5-minute window before they are blocked. */
    readonly limitPer5Minutes: number;
}

export interface WebAclRuleOptions {
    /** Requests one client IP may send in any 5-minute window before it is blocked: an abuse ceiling. */
    readonly rateLimitPer5Minutes: number;
    /** Listed high-volume sources: out of the per-IP ceiling and the per-tenant rule, each under its own allowance. */
    readonly highVolumeSources?: readonly HighVolumeSourceRule[];
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

/**
 * The managed rules that inspect the body, with the label each adds to what it matches; counted in their group on
 * the upload paths (a receipt's bytes match injection and RFI patterns by chance; AWS names the XSS, LFI and SQLi
 * ones as commonly blocking file uploads), they block through our own rule on every path but the uploads.
 * Every *_BODY rule of the groups applied, so none blocks an upload on its own.
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html (core rule set, known
 * bad inputs), https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html (SQL database)
 */
export const BODY_RULES: Readonly<Record<string, readonly { readonly rule: string; readonly label: string }[]>> = {
    AWSManagedRulesCommonRuleSet: [
        { rule: "CrossSiteScripting_BODY", label: "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body" },
        { rule: "GenericLFI_BODY", label: "awswaf:managed:aws:core-rule-set:GenericLFI_Body" },
        { rule: "GenericRFI_BODY", label: "awswaf:managed:aws:core-rule-set:GenericRFI_Body" },
        { rule: "EC2MetaDataSSRF_BODY", label: "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body" },
    ],
    AWSManagedRulesKnownBadInputsRuleSet: [
        { rule: "JavaDeserializationRCE_BODY", label: "awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_Body" },
        { rule: "Log4JRCE_BODY", label: "awswaf:managed:aws:known-bad-inputs:Log4JRCE_Body" },
    ],
    AWSManagedRulesSQLiRuleSet: [
        { rule: "SQLi_BODY", label: "awswaf:managed:aws:sql-database:SQLi_Body" },
        { rule: "SQLiExtendedPatterns_BODY", label: "awswaf:managed:aws:sql-database:SQLiExtendedPatterns_Body" },
    ],
};

/** An ALB forwards at most the first 8 KB of a body to WAF; a limit above it could never be inspected. */
export const ALB_BODY_INSPECTION_BYTES = 8192;

/** The rule of a listed high-volume source is named this and the source's name. */
export const HIGH_VOLUME_RULE_PREFIX = "high-volume-";

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
    for (const source of options.highVolumeSources ?? []) {
        if (!rateLimitOk(source.limitPer5Minutes))
            problems.push(
                `highVolumeSources "${source.name}" allowance (${source.limitPer5Minutes} per 5 minutes) must be 10 to 2000000000`,
            );
    }
    const tenant = options.tenantRateLimit;
    if (tenant) {
        if (!rateLimitOk(tenant.limitPer5Minutes))
            problems.push(`tenantRateLimit.limitPer5Minutes (${tenant.limitPer5Minutes}) must be an integer from 10 to 2000000000`);
        const name = "header" in tenant.key ? tenant.key.header : "cookie" in tenant.key ? tenant.key.cookie : "host";
        if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name))
            problems.push(`tenantRateLimit key "${name}" is not a valid header or cookie name`);
        if (!(["tenant-and-ip", "signed"] as const).includes(tenant.scope))
            problems.push(`tenantRateLimit.scope "${tenant.scope}" must be tenant-and-ip or signed`);
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
        for (const prefix of size.blockedPathPrefixes) {
            if (!/^\/[\x21-\x7e]*$/.test(prefix))
                problems.push(`bodySizeLimit blocked path "${prefix}" must start with / and have no spaces`);
            const upload = size.uploadPathPrefixes.find(u => prefix.startsWith(u) || u.startsWith(prefix));
            if (upload) problems.push(`bodySizeLimit blocked path "${prefix}" overlaps the upload path "${upload}"`);
        }
    }
    return problems;
}

const pathStartsWith = (prefix: string): Statement => ({
    byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: "STARTS_WITH",
        searchString: prefix,
        textTransformations: [{ priority: 0, type: "NORMALIZE_PATH" }],
    },
});

/** Any of the statements (an or-statement needs at least two). */
const anyOf = (statements: Statement[]): Statement => (statements.length === 1 ? statements[0] : { orStatement: { statements } });

/** `statement` on every path but the upload prefixes (three levels of nesting at most: and > not > or). */
function outsideUploads(statement: Statement, uploadPathPrefixes: readonly string[]): Statement {
    if (uploadPathPrefixes.length === 0) return statement;
    return { andStatement: { statements: [statement, { notStatement: { statement: anyOf(uploadPathPrefixes.map(pathStartsWith)) } }] } };
}

/**
 * The statement matching a body over the limit: on the confirmed (blocked) paths when there are any, else on any
 * path that is not an upload.
 */
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
    if (limit.blockedPathPrefixes.length > 0) {
        return { andStatement: { statements: [oversize, anyOf(limit.blockedPathPrefixes.map(pathStartsWith))] } };
    }
    return outsideUploads(oversize, limit.uploadPathPrefixes);
}

/** Labels of the body rules counted in the groups applied, in order. */
function bodyRuleLabels(groups: readonly string[]): string[] {
    return groups.flatMap(group => (BODY_RULES[group] ?? []).map(r => r.label));
}

/**
 * CloudWatch's dimension values for a web ACL and its per-tenant rule: the visibility configs' metric names (the
 * WebACL and Rule dimensions of AWS/WAFV2 are those names: https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html).
 */
export const webAclMetricName = (metricPrefix: string) => `${metricPrefix}-waf`;
export const tenantRuleMetricName = (metricPrefix: string) => `${metricPrefix}-tenant-rate`;

/** WAFv2 rule list, in evaluation order: per-IP ceiling, high-volume sources, per-tenant rule, body size, then the managed groups. */
export function webAclRules(options: WebAclRuleOptions): Rule[] {
    const problems = webAclRuleProblems(options);
    if (problems.length > 0) throw new Error(`webAclRules: invalid options:\n - ${problems.join("\n - ")}`);
    const sources = options.highVolumeSources ?? [];
    const listed: Statement[] = sources.map(source => ({ ipSetReferenceStatement: { arn: source.ipSetArn } }));
    // Outside the listed sources: a request from one of them is bounded by its allowance alone.
    const unlisted: Statement | undefined = listed.length > 0 ? { notStatement: { statement: anyOf(listed) } } : undefined;
    const own: Omit<Rule, "priority">[] = [
        {
            name: "per-client-rate-limit",
            action: { block: {} },
            statement: {
                rateBasedStatement: {
                    limit: options.rateLimitPer5Minutes,
                    aggregateKeyType: "IP",
                    evaluationWindowSec: 300,
                    ...(unlisted ? { scopeDownStatement: unlisted } : {}),
                },
            },
            visibilityConfig: visibility(`${options.metricPrefix}-rate-limit`),
        },
        // CONSTANT: one counter for every request the scope-down matches, i.e. the source's addresses together.
        // https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html
        ...sources.map((source, i) => ({
            name: `${HIGH_VOLUME_RULE_PREFIX}${source.name}`,
            action: { block: {} },
            statement: {
                rateBasedStatement: {
                    limit: source.limitPer5Minutes,
                    aggregateKeyType: "CONSTANT",
                    evaluationWindowSec: 300,
                    scopeDownStatement: listed[i],
                },
            },
            visibilityConfig: visibility(`${options.metricPrefix}-high-volume-${source.name}`),
        })),
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
                    // The IP key: the address the request came from (the ALB's peer), which the client cannot set.
                    customKeys: [tenantCustomKey(tenant.key), ...(tenant.scope === "tenant-and-ip" ? [{ ip: {} }] : [])],
                    ...(unlisted ? { scopeDownStatement: unlisted } : {}),
                },
            },
            visibilityConfig: visibility(tenantRuleMetricName(options.metricPrefix)),
        });
    }
    const size = options.bodySizeLimit;
    if (size) {
        own.push({
            name: "body-size-outside-uploads",
            // Counted until the app's routes are confirmed: then blocked on the confirmed paths only.
            action: size.blockedPathPrefixes.length > 0 ? { block: {} } : { count: {} },
            statement: oversizeBodyStatement(size),
            visibilityConfig: visibility(`${options.metricPrefix}-body-size`),
        });
    }
    const uploads = size?.uploadPathPrefixes ?? [];
    const managed = options.managedRuleGroups.map(group => {
        const counted = [
            ...(COUNTED_MANAGED_RULES[group] ?? []),
            ...(uploads.length > 0 ? (BODY_RULES[group] ?? []).map(r => r.rule) : []),
        ];
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
    // What the counted body rules matched, blocked everywhere but on the upload paths.
    const labels = uploads.length > 0 ? bodyRuleLabels(options.managedRuleGroups) : [];
    const bodyRules: Omit<Rule, "priority">[] =
        labels.length > 0
            ? [
                  {
                      name: "body-rules-outside-uploads",
                      action: { block: {} },
                      statement: outsideUploads(anyOf(labels.map(key => ({ labelMatchStatement: { scope: "LABEL", key } }))), uploads),
                      visibilityConfig: visibility(`${options.metricPrefix}-body-rules`),
                  },
              ]
            : [];
    return [...own, ...managed, ...bodyRules].map((rule, priority) => ({ ...rule, priority }));
}
