/** IAM guardrails: no wildcards, no users or keys, trust policies that name who may assume a role. */
import {
    IDENTITY_POLICY_TYPES,
    PolicyInput,
    ResourceRule,
    Rule,
    Statement,
    allows,
    asArray,
    conditionKeys,
    identityStatements,
    simpleRule,
    statements,
} from "./types";

const ROLE = "aws:iam/role:Role";

/**
 * Services whose role trust documents no aws:SourceAccount/aws:SourceArn (an unmet condition would break the role):
 * EC2 (ec2TrustPolicy) and AWS Backup (backupTrustPolicy, components/account/iamPolicy.ts, say where).
 */
const WITHOUT_SOURCE_KEYS = ["ec2.amazonaws.com", "backup.amazonaws.com"];

/** Every Allow statement of the resource's identity policies, with its actions. */
function allowed(r: PolicyInput): { s: Statement; actions: string[] }[] {
    return identityStatements(r)
        .filter(allows)
        .map(s => ({ s, actions: asArray<string>(s.Action) }));
}

function identityRule(base: Omit<ResourceRule, "kind" | "check" | "resourceTypes">, find: (r: PolicyInput) => string[]): ResourceRule {
    return { ...base, kind: "resource", resourceTypes: IDENTITY_POLICY_TYPES, check: find };
}

/** AWS principals of a trust statement, as strings. */
function awsPrincipals(s: Statement): string[] {
    if (s.Principal === "*") return ["*"];
    return asArray<string>(s.Principal?.AWS);
}

/** The account id an AWS principal belongs to: "123456789012", "arn:aws:iam::123456789012:root|role/..". */
export function principalAccount(principal: string): string | undefined {
    return /^\d{12}$/.test(principal) ? principal : /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

/** Condition keys that tie a wildcard principal to known callers. */
const SCOPING_KEYS = [
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
];

function trustRule(
    base: Omit<ResourceRule, "kind" | "check" | "resourceTypes">,
    find: (s: Statement, ctx: Parameters<ResourceRule["check"]>[1]) => string | undefined,
): ResourceRule {
    return {
        ...base,
        kind: "resource",
        resourceTypes: [ROLE],
        check: (r, ctx) =>
            statements(r.props?.assumeRolePolicy)
                .filter(allows)
                .map(s => find(s, ctx))
                .filter((m): m is string => m !== undefined),
    };
}

export const iamRules: Rule[] = [
    identityRule(
        {
            name: "iam-1-no-full-admin",
            control: "IAM.1",
            area: "iam",
            enforcementLevel: "mandatory",
            description:
                'No policy allows "*" on "*". Mandatory: nothing this program creates needs administrator rights; ' +
                "deployers get theirs from outside it.",
        },
        r =>
            allowed(r)
                .filter(({ s, actions }) => actions.some(a => a === "*" || a === "*:*") && asArray(s.Resource).includes("*"))
                .map(() => "a statement allows every action on every resource"),
    ),
    identityRule(
        {
            name: "iam-21-no-service-wildcards",
            control: "IAM.21",
            area: "iam",
            enforcementLevel: "mandatory",
            description:
                'No policy allows a whole service ("s3:*", "*"). Mandatory: roles get the actions they use, ' +
                "so a stolen credential can do little.",
        },
        r =>
            allowed(r)
                .flatMap(({ actions }) => actions.filter(a => a === "*" || /^[a-z0-9-]+:\*$/i.test(a)))
                .map(a => `allows the wildcard action ${a}`),
    ),
    identityRule(
        {
            name: "twine-iam-no-action-wildcards",
            control: "twine",
            area: "iam",
            enforcementLevel: "mandatory",
            description:
                'No policy allows a partial action wildcard ("s3:Get*") or uses NotAction with Allow. ' +
                "Mandatory: wildcards silently grow as AWS adds actions; this design lists every action.",
        },
        r => [
            ...allowed(r)
                .flatMap(({ actions }) => actions.filter(a => a.includes("*") && !(a === "*" || /^[a-z0-9-]+:\*$/i.test(a))))
                .map(a => `allows the wildcard action ${a}`),
            ...identityStatements(r)
                .filter(s => allows(s) && s.NotAction !== undefined)
                .map(() => "an Allow statement uses NotAction"),
        ],
    ),
    identityRule(
        {
            name: "kms-1-no-decrypt-on-all-keys",
            control: "KMS.1",
            area: "iam",
            enforcementLevel: "mandatory",
            description:
                "No identity policy allows kms:Decrypt or kms:ReEncryptFrom on all keys. Mandatory: a role may " +
                "decrypt with the keys it names only.",
        },
        r =>
            allowed(r)
                .filter(
                    ({ s, actions }) =>
                        actions.some(a => /^kms:(Decrypt|ReEncryptFrom|\*)$/i.test(a) || a === "*") && asArray(s.Resource).includes("*"),
                )
                .map(() => 'allows kms:Decrypt on Resource "*"; name the key ARNs'),
    ),
    simpleRule(
        {
            name: "iam-2-no-user-policies",
            control: "IAM.2",
            area: "iam",
            enforcementLevel: "mandatory",
            description:
                "No policies attached to IAM users. Mandatory: people sign in through SSO and workloads use " +
                "roles, so permissions are only ever granted to roles.",
            resourceTypes: [
                "aws:iam/userPolicy:UserPolicy",
                "aws:iam/userPolicyAttachment:UserPolicyAttachment",
                "aws:iam/policyAttachment:PolicyAttachment",
            ],
        },
        (p, r) => r.type !== "aws:iam/policyAttachment:PolicyAttachment" || asArray(p.users).length > 0,
        "grant permissions to a role, not a user",
    ),
    trustRule(
        {
            name: "twine-iam-trust-no-public-principal",
            control: "twine",
            area: "access",
            enforcementLevel: "mandatory",
            description:
                'No role trusts "*" unless a condition pins the caller (aws:PrincipalAccount, aws:SourceArn, ...). ' +
                "Mandatory: otherwise any AWS account could assume it.",
        },
        s =>
            awsPrincipals(s).some(p => p === "*") && !conditionKeys(s).some(k => SCOPING_KEYS.includes(k))
                ? "trusts any AWS principal without a scoping condition"
                : undefined,
    ),
    trustRule(
        {
            name: "twine-iam-trust-known-accounts",
            settings: ["accounts"],
            control: "twine",
            area: "access",
            enforcementLevel: "mandatory",
            description:
                "Roles trust only principals of this deployment's accounts (pack setting accounts). Mandatory: " +
                "cross-account roles (DNS delegation, peering) must trust only the intended account, never a " +
                "typo'd or foreign one.",
        },
        (s, ctx) => {
            const known = ctx.settings.accounts;
            const bad = awsPrincipals(s).filter(
                p =>
                    p !== "*" &&
                    (principalAccount(p) === undefined ||
                        (known !== undefined && known.length > 0 && !known.includes(principalAccount(p)!))),
            );
            return bad.length > 0
                ? `trusts ${bad.join(", ")}, outside the known accounts${known?.length ? ` (${known.join(", ")})` : ""}`
                : undefined;
        },
    ),
    trustRule(
        {
            name: "twine-iam-oidc-trust-scoped",
            control: "twine",
            area: "ci",
            enforcementLevel: "mandatory",
            description:
                "A role trusted through OIDC (Pulumi Deployments, CI) checks both the audience and the subject " +
                "claims. Mandatory: without a sub condition, any workflow of any organisation on that identity " +
                "provider could assume it.",
        },
        s => {
            const federated = asArray<string>(s.Principal?.Federated);
            if (federated.length === 0 || !asArray(s.Action).includes("sts:AssumeRoleWithWebIdentity")) return undefined;
            const keys = conditionKeys(s);
            const subs = Object.values(s.Condition ?? {}).flatMap(block =>
                Object.entries(block ?? {})
                    .filter(([k]) => k.toLowerCase().endsWith(":sub"))
                    .flatMap(([, v]) => asArray<string>(v)),
            );
            if (!keys.some(k => k.endsWith(":aud"))) return `trusts ${federated.join(", ")} without an :aud condition`;
            if (subs.length === 0 || subs.some(v => v === "*" || /^[^:]*\*$/.test(v)))
                return `trusts ${federated.join(", ")} without a specific :sub condition`;
            return undefined;
        },
    ),
    trustRule(
        {
            name: "twine-iam-service-trust-confused-deputy",
            control: "twine",
            area: "access",
            enforcementLevel: "advisory",
            description:
                "Roles trusted by an AWS service (other than EC2 and AWS Backup) limit it with aws:SourceAccount or " +
                "aws:SourceArn. Advisory: AWS recommends it against confused deputies, but not every service " +
                "sends the keys.",
        },
        s => {
            const services = asArray<string>(s.Principal?.Service).filter(x => !WITHOUT_SOURCE_KEYS.includes(x));
            return services.length > 0 && !conditionKeys(s).some(k => k === "aws:sourceaccount" || k === "aws:sourcearn")
                ? `trusts ${services.join(", ")} without aws:SourceAccount/aws:SourceArn`
                : undefined;
        },
    ),
];
