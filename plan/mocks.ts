/**
 * Mocks for the offline plan: realistic ids, ARNs and attributes per resource type, derived from a hash of
 * the resource's type and name (never random, never a timestamp), and answers for the few invokes the program
 * makes. An invoke without an answer here fails loudly with its token, so nothing passes by accident.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { availabilityZoneNames } from "../config/regions";

export interface MockAccount {
    readonly accountId: string;
    readonly region: string;
}

export interface UpstreamStackOutputs {
    readonly outputs: Record<string, unknown>;
    readonly secretOutputNames: readonly string[];
}

export type InvokeHandler = (inputs: Record<string, any>, account: MockAccount) => Record<string, unknown>;

/** Stable hex digest of the given parts. */
export function digest(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/** A hex id of the given length, AWS style (vpc-0a1b2c3d4e5f67890 has 17 hex digits). */
function hexId(prefix: string, length: number, ...parts: string[]): string {
    return `${prefix}${digest(prefix, ...parts).slice(0, length)}`;
}

/** Pulumi's auto-naming: logical name plus a 7-character suffix. */
function autoName(name: string, type: string): string {
    return `${name}-${digest(type, name).slice(0, 7)}`;
}

const ip = (seed: string, first: number) => {
    const h = Buffer.from(digest(seed), "hex");
    return `${first}.${h[0]}.${h[1]}.${Math.max(1, h[2] % 254)}`;
};

interface TypeMock {
    id: (name: string, inputs: Record<string, any>, a: MockAccount) => string;
    state?: (id: string, name: string, inputs: Record<string, any>, a: MockAccount) => Record<string, unknown>;
}

const ec2Arn = (kind: string) => (id: string, _n: string, _i: Record<string, any>, a: MockAccount) => ({
    arn: `arn:aws:ec2:${a.region}:${a.accountId}:${kind}/${id}`,
    ownerId: a.accountId,
});

/** Per-type ids and attributes. Types not listed get a generic id and an ARN built from the type token. */
export const RESOURCE_MOCKS: Record<string, TypeMock> = {
    "pulumi:providers:aws": { id: name => digest("provider", name).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5") },
    "aws:ec2/vpc:Vpc": {
        id: name => hexId("vpc-", 17, name),
        state: (id, name, _i, a) => ({
            ...ec2Arn("vpc")(id, name, _i, a),
            defaultSecurityGroupId: hexId("sg-", 17, name, "default"),
            mainRouteTableId: hexId("rtb-", 17, name, "main"),
            defaultNetworkAclId: hexId("acl-", 17, name, "default"),
        }),
    },
    "aws:ec2/subnet:Subnet": { id: name => hexId("subnet-", 17, name), state: ec2Arn("subnet") },
    "aws:ec2/internetGateway:InternetGateway": { id: name => hexId("igw-", 17, name), state: ec2Arn("internet-gateway") },
    "aws:ec2/eip:Eip": {
        id: name => hexId("eipalloc-", 17, name),
        state: (id, name, _i, a) => ({ allocationId: id, publicIp: ip(name, 52), publicDns: `ec2-${ip(name, 52).replace(/\./g, "-")}.${a.region}.compute.amazonaws.com` }),
    },
    "aws:ec2/natGateway:NatGateway": { id: name => hexId("nat-", 17, name), state: (_id, name) => ({ publicIp: ip(`${name}-eip`, 52), privateIp: ip(name, 10) }) },
    "aws:ec2/routeTable:RouteTable": { id: name => hexId("rtb-", 17, name), state: ec2Arn("route-table") },
    "aws:ec2/route:Route": { id: (name, i) => `r-${i.routeTableId}${digest(name).slice(0, 10)}` },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { id: name => hexId("rtbassoc-", 17, name) },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { id: name => hexId("sg-", 17, name), state: ec2Arn("security-group") },
    "aws:ec2/securityGroup:SecurityGroup": { id: name => hexId("sg-", 17, name), state: ec2Arn("security-group") },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { id: name => hexId("sgr-", 17, name), state: ec2Arn("security-group-rule") },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { id: name => hexId("sgr-", 17, name), state: ec2Arn("security-group-rule") },
    "aws:ec2/vpcEndpoint:VpcEndpoint": { id: name => hexId("vpce-", 17, name), state: ec2Arn("vpc-endpoint") },
    "aws:ec2/flowLog:FlowLog": { id: name => hexId("fl-", 17, name), state: ec2Arn("vpc-flow-log") },
    "aws:cloudwatch/logGroup:LogGroup": {
        id: (name, i) => i.name ?? autoName(name, "logGroup"),
        state: (id, _n, _i, a) => ({ name: id, arn: `arn:aws:logs:${a.region}:${a.accountId}:log-group:${id}` }),
    },
    "aws:iam/role:Role": {
        id: (name, i) => i.name ?? autoName(name, "role"),
        state: (id, name, i, a) => ({ name: id, arn: `arn:aws:iam::${a.accountId}:role${i.path ?? "/"}${id}`, uniqueId: hexId("AROA", 17, name).toUpperCase() }),
    },
    "aws:iam/rolePolicy:RolePolicy": { id: (name, i) => `${i.role}:${i.name ?? autoName(name, "rolePolicy")}` },
    "aws:iam/policy:Policy": {
        id: (name, i, a) => `arn:aws:iam::${a.accountId}:policy/${i.name ?? autoName(name, "policy")}`,
        state: id => ({ arn: id, name: id.split("/").pop() }),
    },
    "aws:iam/instanceProfile:InstanceProfile": {
        id: (name, i) => i.name ?? autoName(name, "instanceProfile"),
        state: (id, _n, _i, a) => ({ name: id, arn: `arn:aws:iam::${a.accountId}:instance-profile/${id}` }),
    },
    "aws:route53/zone:Zone": {
        id: name => `Z${digest("zone", name).slice(0, 20).toUpperCase()}`,
        state: (id, name) => ({
            zoneId: id,
            arn: `arn:aws:route53:::hostedzone/${id}`,
            nameServers: [0, 1, 2, 3].map(k => `ns-${parseInt(digest(name, String(k)).slice(0, 3), 16) % 2048}.awsdns-${10 + k}.${["com", "net", "org", "co.uk"][k]}`),
        }),
    },
    "aws:route53/record:Record": { id: (_n, i) => `${i.zoneId}_${i.name}_${i.type}` },
    "aws:kms/key:Key": {
        id: name => [8, 4, 4, 4, 12].map((n, k) => digest("kms", name, String(k)).slice(0, n)).join("-"),
        state: (id, _n, _i, a) => ({ keyId: id, arn: `arn:aws:kms:${a.region}:${a.accountId}:key/${id}` }),
    },
    "aws:s3/bucket:Bucket": {
        id: (name, i) => i.bucket ?? autoName(name, "bucket"),
        state: (id, _n, _i, a) => ({ bucket: id, arn: `arn:aws:s3:::${id}`, bucketDomainName: `${id}.s3.amazonaws.com`, bucketRegionalDomainName: `${id}.s3.${a.region}.amazonaws.com` }),
    },
};

/** Generic fallback: a hashed id, and an ARN whose service comes from the type token (aws:<service>/...). */
function genericState(type: string, name: string, a: MockAccount): { id: string; state: Record<string, unknown> } {
    const id = `${name}-${digest(type, name).slice(0, 8)}`;
    const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
    return { id, state: type.startsWith("aws:") ? { arn: `arn:aws:${service}:${a.region}:${a.accountId}:${name}/${id}` } : {} };
}

/** Answers for the invokes the program makes; anything else throws. */
export const INVOKE_MOCKS: Record<string, InvokeHandler> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": (_inputs, a) => {
        const names = availabilityZoneNames(a.region);
        return { id: a.region, names, zoneIds: names.map((_n, k) => `${a.region.replace(/-/g, "").slice(0, 4)}-az${k + 1}`), groupNames: names.map(() => a.region), region: a.region };
    },
    "aws:index/getCallerIdentity:getCallerIdentity": (_inputs, a) => ({
        accountId: a.accountId,
        arn: `arn:aws:sts::${a.accountId}:assumed-role/deployer/twine-infra`,
        userId: `AROA${digest(a.accountId).slice(0, 17).toUpperCase()}:twine-infra`,
        id: a.accountId,
    }),
    "aws:index/getRegion:getRegion": (_inputs, a) => ({ name: a.region, region: a.region, id: a.region, endpoint: `ec2.${a.region}.amazonaws.com` }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:ec2/getAmi:getAmi": (inputs, a) => {
        // Only lookups by owner and name pattern are answered: a lookup without an owner could match anyone's image.
        const owners: string[] = inputs.owners ?? [];
        const namePattern: string | undefined = (inputs.filters ?? []).find((f: { name: string }) => f.name === "name")?.values?.[0];
        if (owners.length === 0 || !namePattern) {
            throw new Error(`getAmi without owners and a name filter is refused by the offline plan (got ${JSON.stringify(inputs)})`);
        }
        const id = hexId("ami-", 17, a.region, owners.join(","), namePattern);
        const name = namePattern.replace("*", "20261101");
        return { id, imageId: id, name, ownerId: owners[0], architecture: "x86_64", rootDeviceName: "/dev/sda1", rootDeviceType: "ebs", virtualizationType: "hvm", arn: `arn:aws:ec2:${a.region}::image/${id}`, state: "available" };
    },
};

export interface RecordedInputs {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly provider?: string;
}

/** Mocks for one stack's run. Records every resource's inputs, keyed by type and name. */
export class PlanMocks implements pulumi.runtime.Mocks {
    readonly registered = new Map<string, RecordedInputs>();
    private readonly providerAccounts = new Map<string, MockAccount>();

    constructor(
        private readonly account: MockAccount,
        private readonly upstream: ReadonlyMap<string, UpstreamStackOutputs>,
    ) {}

    /** Account and region of the provider behind a call: the one it was pinned to, or the stack's own. */
    private accountFor(providerRef: string | undefined): MockAccount {
        // A provider reference is "<urn>::<id>"; ids are ours (see RESOURCE_MOCKS), so key by id.
        const id = providerRef?.split("::").pop();
        return (id && this.providerAccounts.get(id)) || this.account;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const key = `${args.type}::${args.name}`;
        if (this.registered.has(key)) {
            throw new Error(`Two resources share the type and name ${key}; give one of them a distinct name`);
        }
        this.registered.set(key, { type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });

        if (args.type === "pulumi:pulumi:StackReference") {
            const stackName = String(args.inputs.name);
            const found = this.upstream.get(stackName);
            if (!found) {
                throw new Error(`The offline plan has no outputs for stack ${stackName}; plan it first (it must be a stack of this project)`);
            }
            return { id: stackName, state: { name: stackName, outputs: found.outputs, secretOutputNames: [...found.secretOutputNames] } };
        }
        const account = this.accountFor(args.provider);
        if (args.type === "pulumi:providers:aws") {
            const allowed = parseMaybeJson(args.inputs.allowedAccountIds);
            const pinned: MockAccount = { accountId: Array.isArray(allowed) && allowed.length === 1 ? String(allowed[0]) : account.accountId, region: String(args.inputs.region ?? account.region) };
            const id = RESOURCE_MOCKS[args.type].id(args.name, args.inputs, account);
            this.providerAccounts.set(id, pinned);
            return { id, state: args.inputs };
        }
        if (!args.custom) {
            return { id: undefined, state: args.inputs };
        }
        const mock = RESOURCE_MOCKS[args.type];
        if (!mock) {
            const generic = genericState(args.type, args.name, account);
            return { id: generic.id, state: { ...args.inputs, ...generic.state } };
        }
        const id = mock.id(args.name, args.inputs, account);
        return { id, state: { ...args.inputs, ...(mock.state?.(id, args.name, args.inputs, account) ?? {}) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const handler = INVOKE_MOCKS[args.token];
        if (!handler) {
            throw new Error(`The offline plan has no mock for the invoke ${args.token}; add an answer to INVOKE_MOCKS in plan/mocks.ts`);
        }
        return handler(args.inputs, this.accountFor(args.provider));
    }
}

function parseMaybeJson(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}
