/**
 * What changes between two plans of a stack, resource by resource, as a reviewer reads a `pulumi preview`:
 * create, update (with the inputs that change), delete, and replace where the inputs that change force one.
 * Resources are matched by URN, as the engine matches them: a renamed or re-parented resource is a delete and a
 * create, unless it answers to its old URN through its aliases or its parent's (plan/urns.ts), as the engine
 * follows them. Protected resources that would be deleted or replaced are called out: `pulumi up` refuses to delete them.
 */
import { CostEstimate, estimateCost } from "./cost";
import { Plan, PlannedResource } from "./run";
import { answeredUrns, engineUrns } from "./urns";

export type Action = "create" | "update" | "replace" | "delete";

export interface InputChange {
    readonly path: string;
    readonly old: unknown;
    readonly new: unknown;
    readonly forcesReplacement: boolean;
    /** Why it forces one, when it is not the provider's ForceNew (an option, or a replaced resource it refers to). */
    readonly why?: string;
}

/**
 * An Auto Scaling group whose launch template changes: AWS replaces its servers through an instance refresh, the
 * warm pool's too (DescribeInstanceRefreshes reports a WarmPoolProgress). How many is the group's size at the time,
 * which autoscaling sets between its bounds: the desired capacity in the program is the size at creation only
 * (the group ignores later changes of it).
 */
export interface InstanceRefresh {
    readonly group: string;
    readonly launchTemplate: string;
    readonly minSize: number;
    readonly maxSize: number;
    /** The warm pool's minimum size (it holds at least that many stopped servers), or null without a pool. */
    readonly warmPoolMinSize: number | null;
    readonly settings: unknown;
}

/** A stack output whose value changes (outputs computed by the provider may change beyond what the mocks show). */
export interface OutputChange {
    readonly name: string;
    readonly old: unknown;
    readonly new: unknown;
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
    /** Set on replaces with deleteBeforeReplace: the old one goes first, so there is a gap without it. */
    readonly deleteBeforeReplace: boolean;
    /** The parent's URN (components group their children); null for the stack's own. */
    readonly parent: string | null;
    /** A component resource: shown for its children, not counted (it holds nothing in the cloud). */
    readonly component: boolean;
}

/** A resource whose only change is a resource option the engine records, not one the cloud sees. */
export interface OptionNote {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly changes: readonly InputChange[];
}

export interface PlanDiff {
    readonly stack: string;
    /** Where the old plan came from: a file or a git revision. */
    readonly against: string;
    readonly changes: readonly ResourceChange[];
    /** Option-only changes (dependsOn, ignoreChanges, retainOnDelete...): noted, not counted as updates. */
    readonly notes: readonly OptionNote[];
    readonly refreshes: readonly InstanceRefresh[];
    readonly outputs: readonly OutputChange[];
    readonly summary: { readonly add: number; readonly change: number; readonly destroy: number };
    /** Estimated fixed monthly cost before and after, in USD, for the stack and each environment. */
    readonly cost: CostDelta;
}

export interface CostDelta {
    /** The totals before and after; null (unknown) when that side has a charge without a price. */
    readonly old: number | null;
    readonly new: number | null;
    /** null when either side's total is unknown: never a number made up from a partial total. */
    readonly delta: number | null;
    /** Per environment: null only where that environment (or the stack-wide group) has a charge without a price. */
    readonly groups: readonly {
        readonly name: string;
        readonly old: number | null;
        readonly new: number | null;
        readonly delta: number | null;
    }[];
    /** Charges without a price on either side, e.g. "ec2:c7i.large in eu-west-1". */
    readonly unpriced: readonly string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

export function costDelta(oldCost: CostEstimate, newCost: CostEstimate): CostDelta {
    const names = [
        ...new Set([...newCost.groups, ...oldCost.groups].map(g => g.name).concat(newCost.unpricedGroups, oldCost.unpricedGroups)),
    ];
    // An unpriced charge is counted as nothing in its total, so that total (and any difference with it) is unknown.
    const total = (c: CostEstimate) => (c.unpriced.length > 0 ? null : c.usdPerMonth);
    const of = (c: CostEstimate, name: string) =>
        c.unpricedGroups.includes(name) ? null : (c.groups.find(g => g.name === name)?.usdPerMonth ?? 0);
    const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a - b));
    return {
        old: total(oldCost),
        new: total(newCost),
        delta: minus(total(newCost), total(oldCost)),
        groups: names.map(name => ({
            name,
            old: of(oldCost, name),
            new: of(newCost, name),
            delta: minus(of(newCost, name), of(oldCost, name)),
        })),
        unpriced: [...new Set([...oldCost.unpriced, ...newCost.unpriced])].sort(),
    };
}

/**
 * Inputs whose change makes the provider replace the resource instead of updating it in place: arguments the
 * Terraform AWS provider (which the Pulumi AWS provider is built on) marks ForceNew. Kept by hand, and partial: a
 * type or input missing here is reported as an update, even where the provider would replace it. Neither
 * @pulumi/aws (JavaScript only, no schema) nor `terraform providers schema -json` carries ForceNew; only the
 * provider's Go source does, and each entry was read there (internal/service/<service>/<resource>.go, e.g.
 * acm/certificate_validation.go: certificate_arn and validation_record_fqdns; ec2/vpc_flow_log.go: every argument
 * but tags; kms/grant.go: every argument; s3/bucket_*.go: bucket and expected_bucket_owner).
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
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": ["vpcPeeringConnectionId"],
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ["vpcId"],
    "aws:ec2/flowLog:FlowLog": [
        "vpcId",
        "subnetId",
        "eniId",
        "regionalNatGatewayId",
        "transitGatewayId",
        "transitGatewayAttachmentId",
        "trafficType",
        "logDestination",
        "logDestinationType",
        "logFormat",
        "maxAggregationInterval",
        "iamRoleArn",
        "deliverCrossAccountRole",
        "destinationOptions",
    ],
    "aws:ec2/instance:Instance": ["ami", "availabilityZone", "subnetId", "keyName", "tenancy"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["name", "namePrefix"],
    "aws:ebs/volume:Volume": ["availabilityZone", "encrypted", "kmsKeyId", "snapshotId"],
    "aws:autoscaling/group:Group": ["name", "namePrefix"],
    "aws:autoscaling/policy:Policy": ["autoscalingGroupName", "name"],
    "aws:autoscaling/schedule:Schedule": ["autoscalingGroupName", "scheduledActionName"],
    "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType"],
    "aws:lb/listener:Listener": ["loadBalancerArn"],
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
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
    "aws:s3/bucketVersioning:BucketVersioning": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketLogging:BucketLogging": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:wafv2/webAclAssociation:WebAclAssociation": ["resourceArn", "webAclArn"],
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:iam/rolePolicy:RolePolicy": ["role", "name", "namePrefix"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:kms/key:Key": ["keyUsage", "customerMasterKeySpec", "keySpec"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    "aws:kms/grant:Grant": [
        "keyId",
        "granteePrincipal",
        "operations",
        "constraints",
        "retiringPrincipal",
        "grantCreationTokens",
        "name",
        "retireOnDelete",
    ],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
    "aws:route53/zone:Zone": ["name"],
    "aws:route53/record:Record": ["zoneId", "name"],
    "aws:acm/certificate:Certificate": ["domainName", "subjectAlternativeNames", "validationMethod"],
    "aws:acm/certificateValidation:CertificateValidation": ["certificateArn", "validationRecordFqdns"],
};

/**
 * Inputs that force a replacement through the resource's own settings or options, beside REPLACED_ON: the
 * replaceOnChanges option ("*" for any input), and an instance's userDataReplaceOnChange, which makes a change of
 * userData or userDataBase64 a destroy and recreate (the aws.ec2.Instance docs of @pulumi/aws).
 */
function optionReason(r: PlannedResource, path: string): string | undefined {
    const top = path.split(/[.[]/)[0];
    const onChanges = r.options.replaceOnChanges ?? [];
    if (onChanges.some(p => p === "*" || p === top || path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)))
        return "replaceOnChanges";
    if (r.type === "aws:ec2/instance:Instance" && r.inputs.userDataReplaceOnChange === true && /^userData(Base64)?$/.test(top))
        return "userDataReplaceOnChange";
    return undefined;
}

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
        deleteBeforeReplace: action === "replace" && r.options.deleteBeforeReplace,
        parent: r.parent,
        component: r.component === true,
    };
}

function inputChangesOf(old: PlannedResource, r: PlannedResource): InputChange[] {
    return inputChanges(old.inputs, r.inputs).map(c => {
        const why = optionReason(r, c.path);
        return { ...c, forcesReplacement: forcesReplacement(r.type, c.path) || why !== undefined, ...(why ? { why } : {}) };
    });
}

/**
 * A replaced resource gets a new id and ARN, so every input that holds them changes too (a replaced certificate
 * changes the listener): added to the dependents' changes, replacing them in turn where that input forces it.
 */
function carryReplacements(
    changes: Map<string, ResourceChange>,
    after: ReadonlyMap<string, PlannedResource>,
    before: ReadonlyMap<string, PlannedResource>,
) {
    const name = (urn: string) => after.get(urn)?.name ?? urn;
    for (let grew = true; grew;) {
        grew = false;
        const replaced = new Set([...changes.values()].filter(c => c.action === "replace").map(c => c.urn));
        for (const [urn, r] of after) {
            const old = before.get(urn);
            if (!old || !r.propertyDependencies || r.component) continue;
            const existing = changes.get(urn);
            const carried: InputChange[] = [];
            for (const [key, urns] of Object.entries(r.propertyDependencies)) {
                const from = urns.filter(u => replaced.has(u) && u !== urn);
                if (from.length === 0 || existing?.changes.some(c => c.path === key && c.why?.startsWith("replaced:"))) continue;
                const why = `replaced: ${from.map(name).join(", ")}`;
                carried.push({
                    path: key,
                    old: old.inputs[key],
                    new: `(new value after ${from.map(name).join(", ")} is replaced)`,
                    forcesReplacement: forcesReplacement(r.type, key),
                    why,
                });
            }
            if (carried.length === 0) continue;
            const all = [...(existing?.changes ?? []), ...carried];
            const action = all.some(c => c.forcesReplacement) ? "replace" : "update";
            if (action === "replace" && existing?.action !== "replace") grew = true;
            changes.set(urn, changeOf(action, r, all, old));
        }
    }
}

/** Launch templates that change, each rolling the groups that launch from it through their instance refresh. */
function instanceRefreshes(changes: ReadonlyMap<string, ResourceChange>, after: ReadonlyMap<string, PlannedResource>): InstanceRefresh[] {
    const changedTemplates = new Set(
        [...changes.values()].filter(c => c.type === "aws:ec2/launchTemplate:LaunchTemplate" && c.action !== "delete").map(c => c.urn),
    );
    const refreshes: InstanceRefresh[] = [];
    for (const r of after.values()) {
        if (r.type !== "aws:autoscaling/group:Group" || changes.get(r.urn)?.action === "create") continue;
        const template = (r.propertyDependencies?.launchTemplate ?? []).find(u => changedTemplates.has(u));
        if (!template || !r.inputs.instanceRefresh) continue;
        const num = (v: unknown) => (typeof v === "number" ? v : Number(v ?? 0));
        refreshes.push({
            group: r.name,
            launchTemplate: after.get(template)!.name,
            minSize: num(r.inputs.minSize),
            maxSize: num(r.inputs.maxSize),
            warmPoolMinSize: r.inputs.warmPool ? num((r.inputs.warmPool as { minSize?: unknown }).minSize) : null,
            settings: r.inputs.instanceRefresh,
        });
    }
    return refreshes.sort((a, b) => a.group.localeCompare(b.group));
}

/** Parents before children, siblings by name: the tree `pulumi preview` prints. */
function treeOrder(
    changes: readonly ResourceChange[],
    after: ReadonlyMap<string, PlannedResource>,
    before: ReadonlyMap<string, PlannedResource>,
) {
    const pathOf = (urn: string): string[] => {
        const r = after.get(urn) ?? before.get(urn);
        return r?.parent && (after.has(r.parent) || before.has(r.parent)) ? [...pathOf(r.parent), r.name] : [r?.name ?? urn];
    };
    const keyed = changes.map(c => ({ c, key: pathOf(c.urn) }));
    keyed.sort((a, b) => {
        for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i] ? -1 : 1;
        return a.key.length - b.key.length || (a.c.urn < b.c.urn ? -1 : 1);
    });
    return keyed.map(k => k.c);
}

/**
 * Changed resource options. A key the old plan did not record is left out: a plan made by older code lacks it, and
 * the difference would be the recorder's, not the program's.
 */
function optionChanges(old: PlannedResource, r: PlannedResource): InputChange[] {
    const recorded = Object.fromEntries(Object.entries(r.options).filter(([k]) => k in old.options));
    return inputChanges(old.options, recorded, "options").map(c => ({ ...c, forcesReplacement: false }));
}

/** Options whose change the engine applies as an update of the resource: protect (the provider is compared apart). */
const UPDATING_OPTIONS = ["options.protect"];

/** Whether the diff changes anything (the --detailed-exitcode answer): a resource or an output, not an option note. */
export function diffHasChanges(diff: PlanDiff): boolean {
    return diff.changes.length > 0 || diff.outputs.length > 0;
}

/** New resources (by plan URN) that answer to the engine URN of an old one that is gone: moved, not replaced. */
function movedFrom(
    oldPlan: Plan,
    newPlan: Plan,
    before: ReadonlyMap<string, PlannedResource>,
    after: ReadonlyMap<string, PlannedResource>,
): Map<string, string> {
    const oldByEngineUrn = new Map([...engineUrns(oldPlan)].map(([planUrn, engineUrn]) => [engineUrn, planUrn]));
    const answered = answeredUrns(newPlan);
    const moved = new Map<string, string>();
    for (const urn of after.keys()) {
        if (before.has(urn)) continue;
        const old = (answered.get(urn) ?? [])
            .map(a => oldByEngineUrn.get(a))
            .find(o => o !== undefined && before.has(o) && !after.has(o) && ![...moved.values()].includes(o));
        if (old) moved.set(urn, old);
    }
    return moved;
}

export function diffPlans(oldPlan: Plan, newPlan: Plan, against: string): PlanDiff {
    const before = new Map(oldPlan.resources.filter(r => !untracked(r)).map(r => [r.urn, r]));
    const after = new Map(newPlan.resources.filter(r => !untracked(r)).map(r => [r.urn, r]));
    const changes = new Map<string, ResourceChange>();
    const notes: OptionNote[] = [];
    const moved = movedFrom(oldPlan, newPlan, before, after);
    for (const [urn, r] of after) {
        const old = before.get(urn) ?? before.get(moved.get(urn) ?? "");
        if (!old) {
            changes.set(urn, changeOf("create", r));
            continue;
        }
        const inputs = inputChangesOf(old, r);
        const options = optionChanges(old, r);
        const provider =
            old.provider === r.provider ? [] : [{ path: "provider", old: old.provider, new: r.provider, forcesReplacement: false }];
        const all = [...inputs, ...options, ...provider];
        if (all.length === 0) continue;
        if (inputs.length === 0 && provider.length === 0 && !options.some(c => UPDATING_OPTIONS.includes(c.path))) {
            notes.push({ urn, type: r.type, name: r.name, changes: options });
            continue;
        }
        changes.set(urn, changeOf(all.some(c => c.forcesReplacement) ? "replace" : "update", r, all, old));
    }
    const movedOld = new Set(moved.values());
    for (const [urn, r] of before) if (!after.has(urn) && !movedOld.has(urn)) changes.set(urn, changeOf("delete", r));
    carryReplacements(changes, after, before);
    const ordered = treeOrder([...changes.values()], after, before);
    // Components hold nothing in the cloud: listed for their children, not counted.
    const count = (...actions: Action[]) => ordered.filter(c => !c.component && actions.includes(c.action)).length;
    const outputNames = [...new Set([...Object.keys(oldPlan.outputs), ...Object.keys(newPlan.outputs)])].sort();
    return {
        stack: newPlan.stack,
        against,
        changes: ordered,
        notes: notes.filter(n => !changes.has(n.urn)).sort((a, b) => a.name.localeCompare(b.name)),
        refreshes: instanceRefreshes(changes, after),
        outputs: outputNames
            .filter(n => JSON.stringify(oldPlan.outputs[n]) !== JSON.stringify(newPlan.outputs[n]))
            .map(n => ({ name: n, old: oldPlan.outputs[n], new: newPlan.outputs[n] })),
        // As Terraform counts: a replacement is one to add and one to destroy.
        summary: { add: count("create", "replace"), change: count("update"), destroy: count("delete", "replace") },
        cost: costDelta(estimateCost(oldPlan), estimateCost(newPlan)),
    };
}
