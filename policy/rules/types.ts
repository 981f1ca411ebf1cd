/**
 * The rule model of the guardrails: plain objects with a pure `check`, so that tests (and the offline plan) run
 * them directly, and policy/pack.ts adapts them to @pulumi/policy for `pulumi preview --policy-pack policy`.
 */
import { cidrContains, isPrivateCidr, parseCidr } from "../lib/cidr";

export type Level = "mandatory" | "advisory";
export type Area = "network" | "access" | "compute" | "load balancers" | "data stores" | "dns" | "iam" | "ci" | "logging" | "structure";

/**
 * A value read from a resource's inputs. Their shape depends on the resource type (hundreds of AWS types), so the rules
 * read fields loosely and test each value (isTrue, asArray, typeof) before relying on it; this is the one loose type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- no single input shape covers every AWS resource type
export type PropValue = any;
/** A resource's inputs (camelCase), as the plan and the policy engine hand them over. */
export type ResourceProps = Record<string, PropValue>;

/** A resource as both the offline plan and the policy engine see it: inputs (camelCase) and options. */
export interface PolicyInput {
    readonly type: string;
    readonly urn: string;
    readonly name: string;
    readonly props: ResourceProps;
    /** retainOnDelete only when known: the offline plan has it, the policy engine does not report it. */
    readonly options?: { readonly protect?: boolean; readonly ignoreChanges?: readonly string[]; readonly retainOnDelete?: boolean };
    /** The provider resource the resource uses (undefined for a provider, or the default provider if unknown). */
    readonly provider?: { readonly type: string; readonly urn: string; readonly name: string; readonly props: ResourceProps };
    /** The parent's URN, when known. */
    readonly parent?: string;
    /** Per input, the URNs of the resources whose outputs it takes (the engine's propertyDependencies), when known. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** Builds a PolicyInput from the fields both the plan and the policy engine have. */
export function policyInput(
    r: {
        readonly type: string;
        readonly urn: string;
        readonly name: string;
        readonly props: ResourceProps;
        readonly parent?: string | null;
        readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    },
    options: { readonly protect: boolean; readonly ignoreChanges: readonly string[]; readonly retainOnDelete?: boolean },
    provider: { readonly type: string; readonly urn: string; readonly name: string; readonly props: ResourceProps } | undefined,
): PolicyInput {
    return {
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: r.props,
        options: {
            protect: options.protect,
            ignoreChanges: options.ignoreChanges,
            ...(options.retainOnDelete === undefined ? {} : { retainOnDelete: options.retainOnDelete }),
        },
        provider: provider && { type: provider.type, urn: provider.urn, name: provider.name, props: provider.props },
        ...(r.parent ? { parent: r.parent } : {}),
        ...(r.propertyDependencies ? { propertyDependencies: r.propertyDependencies } : {}),
    };
}

/** Settings of the pack (PulumiPolicy config, or given directly in tests). */
export interface PackSettings {
    /** Account ids of this deployment; roles may trust only these, and providers may pin only these. */
    readonly accounts?: readonly string[];
    /** CIDRs SSH may come from in dev and prod (the bastion VPC). Defaults to RFC 1918 space. */
    readonly bastionCidrs?: readonly string[];
}

export interface RuleContext {
    readonly settings: PackSettings;
}

interface RuleBase {
    /** Unique, kebab-case: the control id first when one exists, e.g. "ec2-8-imdsv2-instances". */
    readonly name: string;
    /** Public control enforced (AWS Security Hub FSBP / CIS id), or "twine" for a rule of this design. */
    readonly control: string;
    readonly area: Area;
    /** What it checks, then why it has its enforcement level. */
    readonly description: string;
    readonly enforcementLevel: Level;
    /** Pack settings the rule reads; the adapter declares them as the policy's config schema. */
    readonly settings?: readonly (keyof PackSettings)[];
}

export interface ResourceRule extends RuleBase {
    readonly kind: "resource";
    /** Type tokens it applies to; an entry ending in "*" matches a prefix (e.g. "aws:*"). */
    readonly resourceTypes: readonly string[];
    /** Messages, one per violation; empty when the resource complies. */
    check(resource: PolicyInput, ctx: RuleContext): string[];
}

export interface StackViolation {
    readonly urn?: string;
    readonly message: string;
}

export interface StackRule extends RuleBase {
    readonly kind: "stack";
    check(resources: readonly PolicyInput[], ctx: RuleContext): StackViolation[];
}

export type Rule = ResourceRule | StackRule;

export function appliesTo(rule: ResourceRule, type: string): boolean {
    return rule.resourceTypes.some(t => (t.endsWith("*") ? type.startsWith(t.slice(0, -1)) : t === type));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading props: values arrive as plain JSON in the plan, and as engine values (possibly unknown) in a preview.

export function asArray<T = PropValue>(value: unknown): T[] {
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]) as T[];
}

/** JSON documents (IAM, bucket policies) arrive as strings; objects are accepted as they are. */
export function asJson(value: unknown): PropValue {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

/**
 * Reads a value that may be unknown during a preview: the policy engine throws on reading one (and reports the
 * policy as not runnable), which a stack-level rule that only counts resources should not do. Undefined then.
 */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (err) {
        if (err instanceof Error && err.constructor.name === "UnknownValueError") return undefined;
        throw err;
    }
}

export function isTrue(value: unknown): boolean {
    return value === true || value === "true";
}

export function isFalse(value: unknown): boolean {
    return value === false || value === "false";
}

/** The stack name in a URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export function stackOf(urn: string): string {
    return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

/** The environment a resource belongs to: its provider's Environment default tag, else the stack name. */
export function environmentOf(resource: PolicyInput): string {
    const tags = asJson(resource.provider?.props?.defaultTags)?.tags;
    return typeof tags?.Environment === "string" ? tags.Environment : stackOf(resource.urn);
}

export function isProd(resource: PolicyInput): boolean {
    return environmentOf(resource) === "prod";
}

/** A rule over one resource type family that reports `message` when `bad(props, resource)` holds. */
export function simpleRule(
    base: Omit<ResourceRule, "kind" | "check">,
    bad: (props: ResourceProps, resource: PolicyInput, ctx: RuleContext) => boolean,
    message: string | ((props: ResourceProps) => string),
): ResourceRule {
    return {
        ...base,
        kind: "resource",
        check: (r, ctx) => (bad(r.props ?? {}, r, ctx) ? [typeof message === "string" ? message : message(r.props ?? {})] : []),
    };
}

/**
 * A stack-level rule: every resource of `subjects` has a companion resource (of `companions`) that satisfies
 * `ok`. Companions are matched to subjects by `link` (companion input -> subject input) when both are known, as
 * in the plan or for names set in code; by count otherwise, since a preview does not know new resources' ids.
 * A companion that exists but does not satisfy `ok` is reported itself.
 */
export function companionRule(
    base: Omit<StackRule, "kind" | "check">,
    spec: {
        readonly subjects: readonly string[];
        readonly companions: readonly string[];
        readonly ok: (props: ResourceProps) => boolean;
        readonly link?: { readonly companion: string; readonly subject: string };
        /** Message for a companion that fails `ok`; without it such companions are simply not counted. */
        readonly badCompanion?: string;
        readonly missing: string;
    },
): StackRule {
    return {
        ...base,
        kind: "stack",
        check(resources) {
            const subjects = resources.filter(r => spec.subjects.includes(r.type));
            const companions = resources.filter(r => spec.companions.includes(r.type));
            // A companion whose settings are unknown in a preview counts as good here; `pulumi up` checks it again.
            const good = companions.filter(c => known(() => spec.ok(c.props ?? {})) ?? true);
            const violations: StackViolation[] = companions
                .filter(c => spec.badCompanion !== undefined && !good.includes(c))
                .map(c => ({ urn: c.urn, message: `${c.name}: ${spec.badCompanion}` }));
            const link = spec.link;
            const subjectKeys = link ? subjects.map(x => known(() => x.props?.[link.subject])) : [];
            // Which subject each good companion covers: by the linking input when both sides know it; else by the
            // resource that input takes its value from (an auto-named bucket's name is unknown before it exists),
            // by the companion's parent, or by a subject of the same name. A companion none of these resolves
            // covers some subject, but which one cannot be known: only then are the uncovered blamed by count.
            const covered = good.map(c => {
                const key = link ? known(() => c.props?.[link.companion]) : undefined;
                const byKey = key !== undefined ? subjects.find((_x, i) => subjectKeys[i] === key) : undefined;
                const dependency = link ? (c.propertyDependencies?.[link.companion] ?? []) : [];
                return (
                    byKey ??
                    subjects.find(x => dependency.includes(x.urn)) ??
                    subjects.find(x => x.urn === c.parent) ??
                    subjects.find(x => x.name === c.name)
                );
            });
            const uncovered = subjects.filter(x => !covered.includes(x));
            const unresolved = covered.filter(x => x === undefined).length;
            const blamed = unresolved === 0 ? uncovered : uncovered.slice(unresolved);
            return [...violations, ...blamed.map(s => ({ urn: s.urn, message: `${s.name}: ${spec.missing}` }))];
        },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Security group ingress, normalised over the three ways to write it.

export interface Ingress {
    readonly protocol: string;
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidrs: readonly string[];
    /** Rule admits traffic from another security group or a prefix list (not a CIDR). */
    readonly fromGroup: boolean;
    readonly description?: string;
}

export const SECURITY_GROUP_TYPES = [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
] as const;

export function ingressRules(resource: PolicyInput): Ingress[] {
    const p = resource.props ?? {};
    switch (resource.type) {
        case "aws:ec2/securityGroup:SecurityGroup":
            return asArray(p.ingress).map((i: PropValue) => ({
                protocol: String(i.protocol ?? "tcp"),
                fromPort: Number(i.fromPort ?? 0),
                toPort: Number(i.toPort ?? 65535),
                cidrs: [...asArray<string>(i.cidrBlocks), ...asArray<string>(i.ipv6CidrBlocks)],
                fromGroup: asArray(i.securityGroups).length > 0 || asArray(i.prefixListIds).length > 0 || isTrue(i.self),
                description: i.description,
            }));
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            return [
                {
                    protocol: String(p.ipProtocol ?? "tcp"),
                    fromPort: Number(p.fromPort ?? 0),
                    toPort: Number(p.toPort ?? 65535),
                    cidrs: [p.cidrIpv4, p.cidrIpv6].filter((c): c is string => typeof c === "string"),
                    fromGroup: p.referencedSecurityGroupId !== undefined || p.prefixListId !== undefined,
                    description: p.description,
                },
            ];
        case "aws:ec2/securityGroupRule:SecurityGroupRule":
            if (p.type !== "ingress") return [];
            return [
                {
                    protocol: String(p.protocol ?? "tcp"),
                    fromPort: Number(p.fromPort ?? 0),
                    toPort: Number(p.toPort ?? 65535),
                    cidrs: [...asArray<string>(p.cidrBlocks), ...asArray<string>(p.ipv6CidrBlocks)],
                    fromGroup: p.sourceSecurityGroupId !== undefined || asArray(p.prefixListIds).length > 0 || isTrue(p.self),
                    description: p.description,
                },
            ];
        default:
            return [];
    }
}

export function coversPort(rule: Ingress, port: number): boolean {
    const protocol = rule.protocol.toLowerCase();
    if (protocol === "-1" || protocol === "all") return true;
    return (protocol === "tcp" || protocol === "6") && rule.fromPort <= port && port <= rule.toPort;
}

/** 0.0.0.0/0, ::/0, or any block with prefix 0. */
export function isWorld(cidr: string): boolean {
    return /\/0$/.test(cidr.trim());
}

/** True when the CIDR is inside one of `allowed` (IPv4), or, without `allowed`, inside RFC 1918 space. */
export function insideCidrs(cidr: string, allowed: readonly string[] | undefined): boolean {
    const parsed = parseCidr(cidr);
    if (typeof parsed === "string") return false; // IPv6 or malformed: never "inside the bastion VPC"
    if (!allowed || allowed.length === 0) return isPrivateCidr(parsed);
    return allowed.some(a => {
        const outer = parseCidr(a);
        return typeof outer !== "string" && cidrContains(outer, parsed);
    });
}

// ---------------------------------------------------------------------------------------------------------------
// IAM documents

export interface Statement {
    readonly Effect?: string;
    readonly Principal?: PropValue;
    readonly Action?: string | string[];
    readonly NotAction?: string | string[];
    readonly Resource?: string | string[];
    readonly Condition?: Record<string, Record<string, unknown>>;
}

export function statements(document: unknown): Statement[] {
    return asArray<Statement>(asJson(document)?.Statement);
}

export function allows(s: Statement): boolean {
    return s.Effect === "Allow";
}

/** Condition keys of a statement, lower-cased, across all operators. */
export function conditionKeys(s: Statement): string[] {
    return Object.values(s.Condition ?? {}).flatMap(block => Object.keys(block ?? {}).map(k => k.toLowerCase()));
}

/** Identity policy documents a resource carries, whatever resource carries them. */
export const IDENTITY_POLICY_TYPES = [
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/role:Role",
] as const;

export function identityStatements(resource: PolicyInput): Statement[] {
    if (resource.type === "aws:iam/role:Role") {
        return asArray(resource.props?.inlinePolicies).flatMap((p: PropValue) => statements(p?.policy));
    }
    return statements(resource.props?.policy);
}
