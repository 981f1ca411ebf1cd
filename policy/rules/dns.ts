/** DNS guardrails: the apex zone and delegated subzones. */
import { Rule, companionRule, isTrue, simpleRule } from "./types";

const ZONE = "aws:route53/zone:Zone";

export const dnsRules: Rule[] = [
    simpleRule(
        {
            name: "twine-route53-zone-no-force-destroy",
            control: "twine",
            area: "dns",
            enforcementLevel: "mandatory",
            description:
                "Hosted zones do not set forceDestroy. Mandatory: deleting a zone with its records takes every " +
                "Twine name off the Internet.",
            resourceTypes: [ZONE],
        },
        p => isTrue(p.forceDestroy),
        "forceDestroy must be false",
    ),
    companionRule(
        {
            name: "route53-2-query-logging",
            control: "Route53.2",
            area: "dns",
            enforcementLevel: "advisory",
            description:
                "Hosted zones log DNS queries. Advisory: useful to trace abuse of our names, but it needs a log " +
                "group in us-east-1 and costs per query.",
        },
        {
            subjects: [ZONE],
            companions: ["aws:route53/queryLog:QueryLog"],
            ok: () => true,
            link: { companion: "zoneId", subject: "zoneId" },
            missing: "the zone has no query logging",
        },
    ),
    simpleRule(
        {
            name: "twine-route53-record-ttl",
            control: "twine",
            area: "dns",
            enforcementLevel: "advisory",
            description:
                "Non-alias records have a TTL of at least 60 s, and NS delegations at least 3600 s. Advisory: " +
                "short TTLs cost queries and availability, not security.",
            resourceTypes: ["aws:route53/record:Record"],
        },
        p => p.aliases === undefined && p.ttl !== undefined && Number(p.ttl) < (p.type === "NS" ? 3600 : 60),
        p => `ttl ${p.ttl} is below ${p.type === "NS" ? 3600 : 60}`,
    ),
];
