/**
 * Per-tenant visibility: WAF's metrics have no per-key dimension, so every request the web ACL sees is logged to
 * CloudWatch Logs and a saved Logs Insights query counts requests and blocks per tenant.
 * https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html: the group's name must start with
 * "aws-waf-logs-"; WAF adds the log delivery's resource policy on the group itself.
 */
import type { TenantKey } from "./webAclConfig";

/** The log group WAF writes to: the prefix WAF requires, then the environment. */
export const wafLogGroupName = (environment: string) => `aws-waf-logs-${environment}`;

/**
 * Headers WAF must not write to the log: credentials and sessions. Secrets never land in logs in clear text.
 * https://docs.aws.amazon.com/waf/latest/developerguide/logging-management.html (redacted fields)
 */
export const WAF_REDACTED_HEADERS = ["authorization", "cookie"] as const;

/** A regular expression matching `name` whatever its case, as clients send header names in any case. */
function anyCase(name: string): string {
    return [...name]
        .map(c => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")))
        .join("");
}

/**
 * The Logs Insights query: requests and blocks per tenant over the chosen time range, busiest first. WAF logs the
 * request's headers as [{"name":..., "value":...}]; the tenant is the value of the key's header (or Host). A cookie
 * key is redacted with the Cookie header, so its requests are counted per client IP instead.
 */
export function wafTenantQuery(key: TenantKey): string {
    const header = "host" in key ? "host" : "header" in key ? key.header : undefined;
    const parse = header
        ? `| parse @message /"name":"${anyCase(header)}","value":"(?<tenant>[^"]*)"/\n`
        : "| fields httpRequest.clientIp as tenant\n";
    return (
        "fields @timestamp, action\n" +
        parse +
        '| stats count(*) as requests, sum(strcontains(action, "BLOCK")) as blocks by tenant\n' +
        "| sort requests desc\n" +
        "| limit 100"
    );
}
