import { strict as assert } from "assert";
import { consumerGrants, delegationPolicy, reservedNames } from "../components/dns/delegationPolicy";

describe("dns delegation documents (pure)", () => {
    it("gives each consumer only its own names: bastion its A record, an env its subzone NS, prod its public names too", () => {
        assert.deepEqual(reservedNames("twinehr.com"), {
            bastion: "bastion.twinehr.com",
            dev: "dev.twinehr.com",
            prod: "prod.twinehr.com",
        });
        assert.deepEqual(
            consumerGrants("dev", "twinehr.com", ["ignored.twinehr.com"]).map(g => [g.names, g.types]),
            [[["dev.twinehr.com"], ["NS"]]],
        );
        assert.deepEqual(consumerGrants("prod", "twinehr.com").length, 1, "no public names, no public grants");
        assert.deepEqual(
            consumerGrants("prod", "twinehr.com", ["www.twinehr.com", "app.twinehr.com"]).map(g => [g.names, g.types]),
            [
                [["prod.twinehr.com"], ["NS"]],
                [
                    ["app.twinehr.com", "www.twinehr.com"],
                    ["A", "AAAA"],
                ],
                [["_*.app.twinehr.com", "_*.www.twinehr.com"], ["CNAME"]],
            ],
        );
    });

    it("writes one change statement per grant, each requiring the condition keys to be present", () => {
        const policy = delegationPolicy("ZABC", consumerGrants("prod", "twinehr.com", ["app.twinehr.com"]));
        const changes = policy.Statement.filter(s => s.Action === "route53:ChangeResourceRecordSets");
        assert.equal(changes.length, 3);
        for (const s of changes) {
            assert.equal(s.Resource, "arn:aws:route53:::hostedzone/ZABC");
            // ForAllValues is true for a request without the key; Null=false makes the key mandatory.
            assert.deepEqual(Object.values(s.Condition!.Null), ["false", "false", "false"]);
            assert.deepEqual(s.Condition!["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsActions"], [
                "CREATE",
                "UPSERT",
                "DELETE",
            ]);
        }
        const reads = policy.Statement.filter(s => s.Action !== "route53:ChangeResourceRecordSets");
        assert.deepEqual(
            reads.map(s => [s.Action, s.Resource]),
            [
                [["route53:GetHostedZone", "route53:ListResourceRecordSets"], "arn:aws:route53:::hostedzone/ZABC"],
                ["route53:GetChange", "arn:aws:route53:::change/*"],
            ],
        );
    });
});
