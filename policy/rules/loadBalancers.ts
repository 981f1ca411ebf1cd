/** Load balancer guardrails (the application load balancers in front of every app cluster). */
import { ResourceProps, Rule, asArray, isProd, isTrue, simpleRule } from "./types";

const LB = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const LISTENER = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];

/** ELB security policies that allow TLS 1.2 and later only (AWS's recommended and FIPS/PQ variants). */
export const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

const isApplication = (p: ResourceProps) => (p.loadBalancerType ?? "application") === "application";

export const loadBalancerRules: Rule[] = [
    simpleRule(
        {
            name: "elb-4-drop-invalid-headers",
            control: "ELB.4",
            area: "load balancers",
            enforcementLevel: "mandatory",
            description:
                "Application load balancers drop invalid HTTP headers. Mandatory: it closes request-smuggling " +
                "tricks at the edge at no cost.",
            resourceTypes: LB,
        },
        p => isApplication(p) && !isTrue(p.dropInvalidHeaderFields),
        "dropInvalidHeaderFields must be true",
    ),
    simpleRule(
        {
            name: "elb-12-desync-mitigation",
            control: "ELB.12",
            area: "load balancers",
            enforcementLevel: "mandatory",
            description:
                "Application load balancers use desync mitigation mode defensive or strictest. Mandatory: " +
                "monitor mode lets HTTP desync attacks through.",
            resourceTypes: LB,
        },
        p => isApplication(p) && p.desyncMitigationMode !== undefined && !["defensive", "strictest"].includes(p.desyncMitigationMode),
        p => `desyncMitigationMode is ${JSON.stringify(p.desyncMitigationMode)}; use "defensive" or "strictest"`,
    ),
    simpleRule(
        {
            name: "elb-6-deletion-protection-prod",
            control: "ELB.6",
            area: "load balancers",
            enforcementLevel: "mandatory",
            description:
                "Prod load balancers have deletion protection. Mandatory in prod: deleting one takes the " +
                "product offline and changes its DNS name.",
            resourceTypes: LB,
        },
        (p, r) => isProd(r) && !isTrue(p.enableDeletionProtection),
        "enableDeletionProtection must be true in prod",
    ),
    simpleRule(
        {
            name: "elb-5-access-logs",
            control: "ELB.5",
            area: "load balancers",
            enforcementLevel: "advisory",
            description:
                "Load balancers write access logs to S3. Advisory: wanted for investigations, but a missing log " +
                "is not itself an exposure, and it needs a regional log bucket.",
            resourceTypes: LB,
        },
        p => !isTrue(p.accessLogs?.enabled) || !p.accessLogs?.bucket,
        "accessLogs is not enabled with a bucket",
    ),
    simpleRule(
        {
            name: "elb-13-multiple-azs",
            control: "ELB.13",
            area: "load balancers",
            enforcementLevel: "advisory",
            description:
                "Load balancers span at least two subnets (AZs). Advisory: AWS already requires two for an ALB; " +
                "this catches network load balancers in one AZ.",
            resourceTypes: LB,
        },
        p => asArray(p.subnets).length + asArray(p.subnetMappings).length === 1,
        "the load balancer is in a single subnet",
    ),
    {
        name: "elb-1-http-redirects-to-https",
        control: "ELB.1",
        area: "load balancers",
        enforcementLevel: "mandatory",
        description:
            "An HTTP listener only redirects to HTTPS (301). Mandatory: HR and expense data never travel in " +
            "clear text, not even the first request.",
        kind: "resource",
        resourceTypes: LISTENER,
        check(r) {
            const p = r.props ?? {};
            if (p.protocol !== "HTTP") return [];
            const actions = asArray(p.defaultActions);
            const redirects = actions.length > 0 && actions.every(a => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
            return redirects ? [] : ["the HTTP listener must only redirect to HTTPS (defaultActions: redirect with protocol HTTPS)"];
        },
    },
    {
        name: "elb-17-tls12-security-policy",
        control: "ELB.17",
        area: "load balancers",
        enforcementLevel: "mandatory",
        description:
            "HTTPS/TLS listeners name a security policy that allows TLS 1.2+ only. Mandatory: the default " +
            "policy (ELBSecurityPolicy-2016-08) still accepts TLS 1.0 and 1.1.",
        kind: "resource",
        resourceTypes: LISTENER,
        check(r) {
            const p = r.props ?? {};
            if (p.protocol !== "HTTPS" && p.protocol !== "TLS") return [];
            return typeof p.sslPolicy === "string" && TLS12_POLICY.test(p.sslPolicy)
                ? []
                : [
                      `sslPolicy is ${JSON.stringify(p.sslPolicy ?? "unset (ELBSecurityPolicy-2016-08)")}; use ` +
                          `ELBSecurityPolicy-TLS13-1-2-2021-06`,
                  ];
        },
    },
];
