/** Compute guardrails: instances, EBS, launch templates and auto-scaling groups. */
import { ResourceProps, Rule, asArray, environmentOf, isFalse, isTrue, simpleRule } from "./types";

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ASG = "aws:autoscaling/group:Group";

/** Volumes a resource declares with `encrypted` explicitly false (launch templates write it as a string). */
function unencryptedVolumes(type: string, p: ResourceProps): string[] {
    switch (type) {
        case "aws:ebs/volume:Volume":
            return isFalse(p.encrypted) ? ["the volume"] : [];
        case INSTANCE:
            return [
                ...(isFalse(p.rootBlockDevice?.encrypted) ? ["rootBlockDevice"] : []),
                ...asArray(p.ebsBlockDevices)
                    .filter(d => isFalse(d.encrypted))
                    .map(d => `ebsBlockDevices ${d.deviceName}`),
            ];
        case LAUNCH_TEMPLATE:
            return asArray(p.blockDeviceMappings)
                .filter(m => isFalse(m.ebs?.encrypted))
                .map(m => `blockDeviceMappings ${m.deviceName}`);
        default:
            return [];
    }
}

export const computeRules: Rule[] = [
    simpleRule(
        {
            name: "ec2-8-imdsv2-instances",
            control: "EC2.8",
            area: "compute",
            enforcementLevel: "mandatory",
            description:
                "Instances require IMDSv2 (metadataOptions.httpTokens = required). Mandatory: IMDSv1 hands the " +
                "instance role's credentials to any SSRF.",
            resourceTypes: [INSTANCE],
        },
        p => p.metadataOptions?.httpTokens !== "required",
        'metadataOptions.httpTokens must be "required" (IMDSv2)',
    ),
    simpleRule(
        {
            name: "ec2-9-no-public-ip-instances",
            control: "EC2.9",
            area: "compute",
            enforcementLevel: "mandatory",
            description:
                "Instances outside the bastion account get no public IP. Mandatory: app, build and Jenkins " +
                "hosts are reached through load balancers or the bastion, never directly.",
            resourceTypes: [INSTANCE],
        },
        (p, r) => environmentOf(r) !== "bastion" && isTrue(p.associatePublicIpAddress),
        "associatePublicIpAddress is true; only the bastion has a public address",
    ),
    {
        name: "ec2-3-ebs-volumes-encrypted",
        control: "EC2.3",
        area: "compute",
        enforcementLevel: "mandatory",
        description:
            "No EBS volume, root or data device is declared unencrypted (encrypted = false). Mandatory: HR " +
            "data at rest is encrypted; unset is fine because EC2.7 encrypts by default.",
        kind: "resource",
        resourceTypes: ["aws:ebs/volume:Volume", INSTANCE, LAUNCH_TEMPLATE],
        check: r => unencryptedVolumes(r.type, r.props ?? {}).map(v => `${v} is declared unencrypted; remove encrypted: false`),
    },
    {
        name: "ec2-7-ebs-encryption-by-default",
        control: "EC2.7",
        area: "compute",
        enforcementLevel: "mandatory",
        description:
            "Every stack turns on EBS encryption by default in its account and region (the account " +
            "baseline). Mandatory: it covers volumes created outside this program too.",
        kind: "stack",
        check(resources) {
            const settings = resources.filter(r => r.type === "aws:ebs/encryptionByDefault:EncryptionByDefault");
            const off = settings.filter(r => isFalse(r.props?.enabled));
            if (settings.length === 0) return [{ message: "no aws.ebs.EncryptionByDefault in the stack; create the AccountBaseline" }];
            return off.map(r => ({ urn: r.urn, message: "EBS encryption by default is disabled" }));
        },
    },
    simpleRule(
        {
            name: "autoscaling-3-imdsv2-launch-templates",
            control: "AutoScaling.3",
            area: "compute",
            enforcementLevel: "mandatory",
            description:
                "Launch templates require IMDSv2. Mandatory: same reason as EC2.8, for every instance an auto-scaling group starts.",
            resourceTypes: [LAUNCH_TEMPLATE],
        },
        p => p.metadataOptions?.httpTokens !== "required",
        'metadataOptions.httpTokens must be "required" (IMDSv2)',
    ),
    simpleRule(
        {
            name: "autoscaling-5-no-public-ip-launch-templates",
            control: "AutoScaling.5",
            area: "compute",
            enforcementLevel: "mandatory",
            description:
                "Launch templates give no network interface a public IP. Mandatory: app hosts live in private " +
                "subnets behind the load balancer.",
            resourceTypes: [LAUNCH_TEMPLATE],
        },
        p => asArray(p.networkInterfaces).some(n => isTrue(n.associatePublicIpAddress)),
        "a network interface sets associatePublicIpAddress",
    ),
    simpleRule(
        {
            name: "autoscaling-9-launch-templates-only",
            control: "AutoScaling.9",
            area: "compute",
            enforcementLevel: "mandatory",
            description:
                "No launch configurations (deprecated, no IMDSv2 defaults, no versions). Mandatory: instance " +
                "refresh on a new AMI needs a versioned launch template.",
            resourceTypes: ["aws:ec2/launchConfiguration:LaunchConfiguration"],
        },
        () => true,
        "launch configurations are not allowed; use an aws.ec2.LaunchTemplate",
    ),
    simpleRule(
        {
            name: "autoscaling-1-elb-health-checks",
            control: "AutoScaling.1",
            area: "compute",
            enforcementLevel: "mandatory",
            description:
                "A group behind a load balancer uses ELB health checks. Mandatory: with EC2 checks a host whose " +
                "app is down stays in service and keeps getting traffic.",
            resourceTypes: [ASG],
        },
        p =>
            (asArray(p.targetGroupArns).length > 0 || asArray(p.loadBalancers).length > 0 || asArray(p.trafficSources).length > 0) &&
            p.healthCheckType !== "ELB",
        p => `the group serves a load balancer but healthCheckType is ${JSON.stringify(p.healthCheckType ?? "EC2")}; set "ELB"`,
    ),
    simpleRule(
        {
            name: "autoscaling-2-multiple-azs",
            control: "AutoScaling.2",
            area: "compute",
            enforcementLevel: "advisory",
            description:
                "A group spans at least two availability zones (subnets). Advisory: prod needs it, but a one-AZ " +
                "dev group is a deliberate saving.",
            resourceTypes: [ASG],
        },
        p => {
            const zones = asArray(p.vpcZoneIdentifiers).length || asArray(p.availabilityZones).length;
            return zones === 1;
        },
        "the group spans a single availability zone",
    ),
    simpleRule(
        {
            name: "twine-asg-pinned-launch-template-version",
            control: "twine",
            area: "compute",
            enforcementLevel: "mandatory",
            description:
                "A group names a concrete launch template version, not $Latest or $Default. Mandatory: instance " +
                "refresh does not start for $Latest, so a new AMI would never roll out.",
            resourceTypes: [ASG],
        },
        p => {
            const spec = p.launchTemplate ?? p.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification;
            return spec !== undefined && (spec.version === undefined || spec.version === "$Latest" || spec.version === "$Default");
        },
        p => {
            const template = p.launchTemplate ?? p.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification;
            const version = JSON.stringify(template?.version ?? "unset ($Default)");
            return `launchTemplate.version is ${version}; pass the template's latestVersion`;
        },
    ),
    simpleRule(
        {
            name: "twine-asg-desired-capacity-not-managed",
            control: "twine",
            area: "compute",
            enforcementLevel: "advisory",
            description:
                "A group that sets desiredCapacity lists it in ignoreChanges, so scaling policies own it. " +
                "Advisory: otherwise every `pulumi up` resets the capacity, which is wrong but not unsafe.",
            resourceTypes: [ASG],
        },
        (p, r) => p.desiredCapacity !== undefined && !(r.options?.ignoreChanges ?? []).includes("desiredCapacity"),
        "desiredCapacity is set but not in ignoreChanges; scaling and `pulumi up` will fight over it",
    ),
];
