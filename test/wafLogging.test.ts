/**
 * Per-tenant visibility: the web ACL logs every request to aws-waf-logs-<environment> (kept a set time, credentials
 * redacted), and a saved Logs Insights query counts requests and blocks per tenant.
 */
import { strict as assert } from "assert";
import { wafTenantQuery } from "../components/app/wafLogConfig";
import { runProgram } from "../plan/run";
import { stagingCluster } from "./helpers/appCluster";
import { ofType, serialPlan } from "./helpers/plans";

/** A WAF log record as WAF writes it (abridged): https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html */
const record = (headers: { name: string; value: string }[], action = "ALLOW") =>
    JSON.stringify({ timestamp: 1765108800000, action, httpRequest: { clientIp: "203.0.113.7", headers, uri: "/api/expenses" } });

describe("WAF logging", () => {
    it("GIVEN an environment WHEN planned THEN its WAF logs to aws-waf-logs-<env>, kept a while, read by a per-tenant query", async () => {
        const plan = await serialPlan(() => runProgram(() => void stagingCluster({}, "prod")));
        const [group] = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").filter(g => String(g.inputs.name).startsWith("aws-waf-logs-"));
        assert.equal(group?.inputs.name, "aws-waf-logs-staging");
        assert.equal(group.inputs.retentionInDays, 90);
        const [logging] = ofType(plan, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration");
        assert.ok(logging, "the web ACL has a logging configuration");
        assert.deepEqual(logging.inputs.redactedFields, [
            { singleHeader: { name: "authorization" } },
            { singleHeader: { name: "cookie" } },
        ]);
        const [query] = ofType(plan, "aws:cloudwatch/queryDefinition:QueryDefinition");
        assert.equal(query.inputs.name, "twine/staging/waf-requests-and-blocks-by-tenant");
        assert.match(
            String(query.inputs.queryString),
            /stats count\(\*\) as requests, sum\(strcontains\(action, "BLOCK"\)\) as blocks by tenant/,
        );
    });

    it("finds the tenant in a logged request whatever the header's case", () => {
        const query = wafTenantQuery({ header: "X-Twine-Tenant" });
        const pattern = /parse @message \/(.*)\/\n/.exec(query)![1];
        const regex = new RegExp(pattern);
        const tenantOf = (line: string) => regex.exec(line)?.groups?.tenant;
        assert.equal(
            tenantOf(
                record([
                    { name: "Host", value: "app.twinehr.com" },
                    { name: "X-Twine-Tenant", value: "acme" },
                ]),
            ),
            "acme",
        );
        assert.equal(tenantOf(record([{ name: "x-twine-tenant", value: "globex" }], "BLOCK")), "globex");
        assert.equal(tenantOf(record([{ name: "X-Other", value: "acme" }])), undefined);
        const byHost = new RegExp(/parse @message \/(.*)\/\n/.exec(wafTenantQuery({ host: true }))![1]);
        assert.equal(byHost.exec(record([{ name: "Host", value: "acme.twinehr.com" }]))?.groups?.tenant, "acme.twinehr.com");
    });
});
