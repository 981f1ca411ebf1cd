/**
 * What changes between two plans of a stack, resource by resource, as a reviewer reads a `pulumi preview`:
 * create, update (with the inputs that change), delete, and replace where the inputs that change force one.
 * Resources are matched by URN, as the engine matches them: a renamed or re-parented resource is a delete and a
 * create. Protected resources that would be deleted or replaced are called out: `pulumi up` refuses to delete them.
 */
import { CostEstimate, estimateCost } from "./cost";
import { Plan, PlannedResource } from "./run";

export type Action = "create" | "update" | "replace" | "delete";

export interface InputChange {
    readonly path: string;
    readonly old: unknown;
    readonly new: unknown;
    readonly forcesReplacement: boolean;
}

export interface ResourceChange {
    readonly action: Action;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly changes: readonly InputChange[];
    /** Set on deletes and replaces of a resource protected in the old plan: the deploy stops there. */
    readonly protected: boolean;
    /** Set on deletes and replaces of a resource with retainOnDelete: the old one stays in the account. */
    readonly retained: boolean;
}

export interface PlanDiff {
    readonly stack: string;
    /** Where the old plan came from: a file or a git revision. */
    readonly against: string;
    readonly changes: readonly ResourceChange[];
    readonly summary: { readonly add: number; readonly change: number; readonly destroy: number };
    /** Estimated fixed monthly cost before and after, in USD, for the stack and each environment. */
    readonly cost: CostDelta;
}

export interface CostDelta {
    readonly old: number;
    readonly new: number;
    readonly delta: number;
    readonly groups: readonly { readonly name: string; readonly old: number; readonly new: number; readonly delta: number }[];
}

const round = (n: number) => Math.round(n * 100) / 100;

export function costDelta(oldCost: CostEstimate, newCost: CostEstimate): CostDelta {
    const names = [...new Set([...newCost.groups, ...oldCost.groups].map(g => g.name))];
    const of = (c: CostEstimate, name: string) => c.groups.find(g => g.name === name)?.usdPerMonth ?? 0;
    return {
        old: oldCost.usdPerMonth,
        new: newCost.usdPerMonth,
        delta: round(newCost.usdPerMonth - oldCost.usdPerMonth),
        groups: names.map(name => ({
            name,
            old: of(oldCost, name),
            new: of(newCost, name),
            delta: round(of(newCost, name) - of(oldCost, name)),
        })),
    };
}

/**
 * Inputs whose change makes the provider replace the resource instead of updating it in place: the arguments the
 * Terraform AWS provider (which the Pulumi AWS provider is built on) marks ForceNew, as its resource docs state
 * ("Changing this forces a new resource"), for the types this program declares. Dotted paths name nested inputs;
 * a type missing here is reported as an update, so the diff never claims a replacement it cannot know.
 */
export const REPLACED_ON: Readonly<Record<string, readonly string[]>> = {
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"],
    "aws:ec2/natGateway:NatGateway": ["allocationId", "subnetId", "connectivityType", "privateIp"],
    "aws:ec2/eip:Eip": ["domain", "networkBorderGroup", "publicIpv4Pool"],
    "aws:ec2/routeTable:RouteTable": ["vpcId"],
    "aws:ec2/route:Route": ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"],
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ["subnetId", "gatewayId"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["securityGroupId"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["securityGroupId"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["vpcId", "serviceName", "vpcEndpointType"],
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": ["vpcId", "peerVpcId", "peerOwnerId", "peerRegion"],
    "aws:ec2/flowLog:FlowLog": ["vpcId", "subnetId", "trafficType", "logDestination", "logDestinationType", "iamRoleArn"],
    "aws:ec2/instance:Instance": ["ami", "availabilityZone", "subnetId", "keyName", "tenancy"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["name", "namePrefix"],
    "aws:ebs/volume:Volume": ["availabilityZone", "encrypted", "kmsKeyId", "snapshotId"],
    "aws:autoscaling/group:Group": ["name", "namePrefix"],
    "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType"],
    "aws:lb/targetGroup:TargetGroup": ["name", "namePrefix", "port", "protocol", "vpcId", "targetType"],
    "aws:rds/instance:Instance": [
        "identifier",
        "identifierPrefix",
        "engine",
        "username",
        "dbName",
        "kmsKeyId",
        "storageEncrypted",
        "availabilityZone",
    ],
    "aws:rds/subnetGroup:SubnetGroup": ["name", "namePrefix"],
    "aws:rds/parameterGroup:ParameterGroup": ["name", "namePrefix", "family"],
    "aws:opensearch/domain:Domain": ["domainName", "encryptAtRest.kmsKeyId"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:kms/key:Key": ["keyUsage", "customerMasterKeySpec", "keySpec"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
    "aws:route53/zone:Zone": ["name"],
    "aws:route53/record:Record": ["zoneId", "name"],
    "aws:acm/certificate:Certificate": ["domainName", "subjectAlternativeNames", "validationMethod"],
};

function isObject(v: unknown): v is Record<string, unknown> {
    return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Leaf-level differences between two input values, as dotted paths ("tags.Name", "ingress[0].cidrBlocks"). */
export function inputChanges(oldValue: unknown, newValue: unknown, prefix = ""): { path: string; old: unknown; new: unknown }[] {
    if (JSON.stringify(oldValue) === JSON.stringify(newValue)) return [];
    if (isObject(oldValue) && isObject(newValue)) {
        const keys = [...new Set([...Object.keys(oldValue), ...Object.keys(newValue)])].sort();
        return keys.flatMap(k => inputChanges(oldValue[k], newValue[k], prefix ? `${prefix}.${k}` : k));
    }
    if (Array.isArray(oldValue) && Array.isArray(newValue) && oldValue.length === newValue.length) {
        return oldValue.flatMap((v, i) => inputChanges(v, newValue[i], `${prefix}[${i}]`));
    }
    return [{ path: prefix || "(value)", old: oldValue, new: newValue }];
}

function forcesReplacement(type: string, path: string): boolean {
    return (REPLACED_ON[type] ?? []).some(p => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

/** Resources the engine would not touch in the cloud: the stack itself. Components and providers are kept. */
const untracked = (r: PlannedResource) => r.type === "pulumi:pulumi:Stack";

function changeOf(action: Action, r: PlannedResource, changes: InputChange[] = [], before?: PlannedResource): ResourceChange {
    const old = before ?? r;
    const destroys = action === "delete" || action === "replace";
    return {
        action,
        urn: r.urn,
        type: r.type,
        name: r.name,
        changes,
        protected: destroys && old.options.protect,
        retained: destroys && old.options.retainOnDelete,
    };
}

export function diffPlans(oldPlan: Plan, newPlan: Plan, against: string): PlanDiff {
    const before = new Map(oldPlan.resources.filter(r => !untracked(r)).map(r => [r.urn, r]));
    const after = new Map(newPlan.resources.filter(r => !untracked(r)).map(r => [r.urn, r]));
    const changes: ResourceChange[] = [];
    for (const [urn, r] of after) {
        const old = before.get(urn);
        if (!old) {
            changes.push(changeOf("create", r));
            continue;
        }
        const inputs = inputChanges(old.inputs, r.inputs).map(c => ({ ...c, forcesReplacement: forcesReplacement(r.type, c.path) }));
        const options = inputChanges(old.options, r.options, "options").map(c => ({ ...c, forcesReplacement: false }));
        const provider =
            old.provider === r.provider ? [] : [{ path: "provider", old: old.provider, new: r.provider, forcesReplacement: false }];
        const all = [...inputs, ...options, ...provider];
        if (all.length === 0) continue;
        changes.push(changeOf(all.some(c => c.forcesReplacement) ? "replace" : "update", r, all, old));
    }
    for (const [urn, r] of before) if (!after.has(urn)) changes.push(changeOf("delete", r));
    const order: Record<Action, number> = { delete: 0, replace: 1, update: 2, create: 3 };
    changes.sort((a, b) => order[a.action] - order[b.action] || (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    const count = (...actions: Action[]) => changes.filter(c => actions.includes(c.action)).length;
    return {
        stack: newPlan.stack,
        against,
        changes,
        // As Terraform counts: a replacement is one to add and one to destroy.
        summary: { add: count("create", "replace"), change: count("update"), destroy: count("delete", "replace") },
        cost: costDelta(estimateCost(oldPlan), estimateCost(newPlan)),
    };
}
