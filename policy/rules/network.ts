/** Network guardrails: default security groups, flow logs, what may reach a host from where. */
import {
    ResourceRule,
    Rule,
    SECURITY_GROUP_TYPES,
    asArray,
    companionRule,
    coversPort,
    environmentOf,
    ingressRules,
    insideCidrs,
    isTrue,
    isWorld,
    simpleRule,
} from "./types";

const VPC = "aws:ec2/vpc:Vpc";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

/** A rule over every ingress rule of every security-group shape. */
function ingressRule(
    base: Omit<ResourceRule, "kind" | "check" | "resourceTypes">,
    bad: (rule: ReturnType<typeof ingressRules>[number], env: string, settings: { bastionCidrs?: readonly string[] }) => string | undefined,
): ResourceRule {
    return {
        ...base,
        kind: "resource",
        resourceTypes: SECURITY_GROUP_TYPES,
        check: (r, ctx) =>
            ingressRules(r)
                .map(rule => bad(rule, environmentOf(r), ctx.settings))
                .filter((m): m is string => m !== undefined),
    };
}

const worldOn = (port: number, label: string) => (rule: ReturnType<typeof ingressRules>[number]) => {
    const open = rule.cidrs.filter(isWorld);
    return open.length > 0 && coversPort(rule, port) ? `${label} (port ${port}) is open to ${open.join(", ")}` : undefined;
};

export const networkRules: Rule[] = [
    simpleRule(
        {
            name: "ec2-2-default-security-group-no-rules",
            control: "EC2.2",
            area: "network",
            enforcementLevel: "mandatory",
            description:
                "A VPC's default security group has no inbound or outbound rule. Mandatory: anything launched " +
                "without a group lands in it, so a rule there opens every such host.",
            resourceTypes: [DEFAULT_SG],
        },
        p => asArray(p.ingress).length > 0 || asArray(p.egress).length > 0,
        p =>
            `the default security group has ${asArray(p.ingress).length} ingress and ` +
            `${asArray(p.egress).length} egress rules; it must have none`,
    ),
    companionRule(
        {
            name: "ec2-2-default-security-group-adopted",
            control: "EC2.2",
            area: "network",
            enforcementLevel: "mandatory",
            description:
                "Every VPC's default security group is adopted by the program (aws.ec2.DefaultSecurityGroup), " +
                "which strips AWS's allow-all rules. Mandatory: a VPC created without it keeps them.",
        },
        {
            subjects: [VPC],
            companions: [DEFAULT_SG],
            ok: () => true,
            missing: "the VPC's default security group is not adopted; add an aws.ec2.DefaultSecurityGroup with no rules",
        },
    ),
    companionRule(
        {
            name: "ec2-6-vpc-flow-logs",
            control: "EC2.6",
            area: "network",
            enforcementLevel: "mandatory",
            description:
                "Every VPC has flow logs recording ALL or REJECT traffic. Mandatory: without them an incident in the VPC leaves no trace.",
        },
        {
            subjects: [VPC],
            companions: ["aws:ec2/flowLog:FlowLog"],
            ok: p => ["ALL", "REJECT"].includes(p.trafficType) && (p.vpcId !== undefined || p.subnetId === undefined),
            badCompanion: "flow log must record ALL or REJECT traffic for the whole VPC",
            missing: "the VPC has no flow log; add an aws.ec2.FlowLog with trafficType ALL",
        },
    ),
    ingressRule(
        {
            name: "ec2-13-no-ssh-from-internet",
            control: "EC2.13",
            area: "network",
            enforcementLevel: "mandatory",
            description:
                "No security group admits SSH (22) from 0.0.0.0/0 or ::/0. Mandatory: the bastion is the one " +
                "way in, and only from configured ranges.",
        },
        worldOn(22, "SSH"),
    ),
    ingressRule(
        {
            name: "ec2-14-no-rdp-from-internet",
            control: "EC2.14",
            area: "network",
            enforcementLevel: "mandatory",
            description:
                "No security group admits RDP (3389) from the Internet. Mandatory: nothing in this design " +
                "speaks RDP, so an open port is a mistake or an attack.",
        },
        worldOn(3389, "RDP"),
    ),
    ingressRule(
        {
            name: "ec2-18-internet-only-on-web-ports",
            control: "EC2.18",
            area: "network",
            enforcementLevel: "mandatory",
            description:
                "Traffic from the whole Internet is admitted only on 80 and 443 (the load balancers). " +
                "Mandatory: every other service sits behind a load balancer or the bastion.",
        },
        rule => {
            const open = rule.cidrs.filter(isWorld);
            if (open.length === 0) return undefined;
            const web = rule.protocol === "tcp" || rule.protocol === "6" ? [80, 443] : [];
            const onlyWeb = rule.fromPort === rule.toPort && web.includes(rule.fromPort);
            return onlyWeb
                ? undefined
                : `ports ${rule.fromPort}-${rule.toPort}/${rule.protocol} are open to ${open.join(", ")}; only 80 and 443 may be`;
        },
    ),
    ingressRule(
        {
            name: "twine-ssh-only-from-bastion",
            settings: ["bastionCidrs"],
            control: "twine",
            area: "access",
            enforcementLevel: "mandatory",
            description:
                "In dev and prod, SSH (22) is admitted only from the bastion VPC (pack setting bastionCidrs; " +
                "RFC 1918 space when unset) or from a security group. Mandatory: the design's single entry " +
                "point.",
        },
        (rule, env, settings) => {
            if (env !== "dev" && env !== "prod") return undefined;
            if (!coversPort(rule, 22)) return undefined;
            const outside = rule.cidrs.filter(c => !insideCidrs(c, settings.bastionCidrs));
            return outside.length > 0
                ? `SSH is admitted from ${outside.join(", ")}, outside the bastion ` +
                      `VPC${settings.bastionCidrs?.length ? ` (${settings.bastionCidrs.join(", ")})` : ""}`
                : undefined;
        },
    ),
    ingressRule(
        {
            name: "twine-ingress-rules-described",
            control: "twine",
            area: "network",
            enforcementLevel: "advisory",
            description:
                "Every ingress rule has a description saying who it admits. Advisory: it makes previews " +
                "reviewable, but a missing description opens nothing.",
        },
        rule =>
            typeof rule.description === "string" && rule.description.trim() !== ""
                ? undefined
                : `ingress ${rule.fromPort}-${rule.toPort}/${rule.protocol} has no description`,
    ),
    simpleRule(
        {
            name: "ec2-15-subnets-no-public-ip-on-launch",
            control: "EC2.15",
            area: "network",
            enforcementLevel: "mandatory",
            description:
                "No subnet assigns public IPs on launch. Mandatory: app hosts are private; the load balancers, " +
                "NAT gateways and the bastion get their public addresses explicitly (EIPs).",
            resourceTypes: ["aws:ec2/subnet:Subnet"],
        },
        p => isTrue(p.mapPublicIpOnLaunch),
        "mapPublicIpOnLaunch is true; set it to false and give the few public endpoints an EIP",
    ),
    companionRule(
        {
            name: "twine-vpc-s3-gateway-endpoint",
            control: "twine",
            area: "network",
            enforcementLevel: "advisory",
            description:
                "Every VPC has an S3 gateway endpoint, so apt, AMI and log traffic to S3 stays off the NAT " +
                "gateways. Advisory: it saves cost and exposure, but its absence is not a hole.",
        },
        {
            subjects: [VPC],
            companions: ["aws:ec2/vpcEndpoint:VpcEndpoint"],
            ok: p => typeof p.serviceName === "string" && p.serviceName.endsWith(".s3") && (p.vpcEndpointType ?? "Gateway") === "Gateway",
            missing: "the VPC has no S3 gateway endpoint",
        },
    ),
];
