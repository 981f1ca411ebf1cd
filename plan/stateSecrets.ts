/**
 * Every secret a stack's state holds, read from its offline plan, and what each is worth to whoever can read it.
 * Pulumi Cloud's Stack Read permission includes stack:export and stack:decrypt: a team with Read on a stack reads
 * its state's secrets in clear text. The previews team, whose token every pull-request run gets, has Read on every
 * stack (components/account/pulumiCloudAccessPolicy.ts), so a secret in any stack's state is the pull request's.
 */
import { SECRET_PLACEHOLDER } from "./stackFile";
import { Plan, PlannedResource } from "./run";

/** Where a secret sits: a resource input marked secret, or an output the engine stores as a secret. */
export interface StateSecret {
    readonly stack: string;
    readonly type: string;
    readonly name: string;
    /** The input's path (e.g. registry, environment.KEY) or the output's name. */
    readonly field: string;
    readonly kind: "input" | "output";
}

/**
 * What a secret is worth to a reader of the state:
 * - absent: the field is secret by the provider's schema, but the program sets nothing there (checked per resource);
 * - holderBound: usable only by the principal it was issued to, so worthless to anyone else;
 * - noCredential: kept secret out of caution, holds no credential (checked per resource);
 * - credential: grants access; no stack a pull request can preview may hold one.
 */
export type SecretWorth = "absent" | "holderBound" | "noCredential" | "credential";

export interface SecretClass {
    readonly worth: SecretWorth;
    readonly why: string;
    /** For absent and noCredential: a problem when this resource breaks the claim, else undefined. */
    readonly check?: (resource: PlannedResource) => string | undefined;
}

function unset(...inputs: string[]): (resource: PlannedResource) => string | undefined {
    return resource => {
        const set = inputs.filter(input => resource.inputs[input] !== undefined);
        return set.length > 0 ? `sets ${set.join(", ")}` : undefined;
    };
}

/** Secret sites of the program's resource types, keyed `<type> <field>`. A new site fails the inventory test. */
export const SECRET_CLASSES: Readonly<Record<string, SecretClass>> = {
    ...Object.fromEntries(
        ["accessKey", "secretKey", "token"].map(field => [
            `pulumi:providers:aws ${field}`,
            {
                worth: "absent",
                why: "AWS providers take their credentials from the environment (OIDC sessions), never from inputs",
                check: unset("accessKey", "secretKey", "token"),
            } satisfies SecretClass,
        ]),
    ),
    "pulumi:providers:pulumiservice accessToken": {
        worth: "absent",
        why: "the Pulumi Cloud provider reads PULUMI_ACCESS_TOKEN from the environment",
        check: unset("accessToken"),
    },
    ...Object.fromEntries(
        ["privateKey", "privateKeyWo"].map(field => [
            `aws:acm/certificate:Certificate ${field}`,
            {
                worth: "absent",
                why: "certificates are issued by ACM (DNS validation), never imported with a key",
                check: unset("privateKey", "privateKeyWo", "certificateBody"),
            } satisfies SecretClass,
        ]),
    ),
    ...Object.fromEntries(
        ["password", "passwordWo"].map(field => [
            `aws:rds/instance:Instance ${field}`,
            {
                worth: "absent",
                why: "RDS manages the master password in Secrets Manager (manageMasterUserPassword)",
                check: (r: PlannedResource) =>
                    unset("password", "passwordWo")(r) ??
                    (r.inputs.manageMasterUserPassword === true ? undefined : "does not manage its password"),
            } satisfies SecretClass,
        ]),
    ),
    "aws:kms/grant:Grant grantToken": {
        worth: "holderBound",
        why: "a grant token only lets the grantee principal use its grant before it propagates (KMS 'Grant tokens')",
    },
    ...Object.fromEntries(
        ["stdout", "stderr"].map(field => [
            `command:local:Command ${field}`,
            {
                worth: "noCredential",
                why: "Packer's log: it can echo only the build's variables, and the plan holds none that is secret",
                check: (r: PlannedResource) =>
                    JSON.stringify(r.inputs).includes(SECRET_PLACEHOLDER) ? "its inputs hold a secret its log could echo" : undefined,
            } satisfies SecretClass,
        ]),
    ),
    // Credentials: listed so that the inventory names them when they come back.
    "pulumiservice:index:TeamAccessToken value": {
        worth: "credential",
        why: "a Pulumi Cloud team token: the team's rights (Write starts deployments with overridden settings)",
    },
    "pulumiservice:index:OrgAccessToken value": { worth: "credential", why: "a Pulumi Cloud organization token" },
    "pulumiservice:index:AccessToken value": { worth: "credential", why: "a personal Pulumi Cloud token" },
    ...Object.fromEntries(
        ["secretString", "secretBinary", "secretStringWo"].map(field => [
            `aws:secretsmanager/secretVersion:SecretVersion ${field}`,
            { worth: "credential", why: "a Secrets Manager value written through state" } satisfies SecretClass,
        ]),
    ),
    "docker:index/image:Image registry": {
        worth: "credential",
        why: "a registry login (ECR: 12 hours of the deployer's ECR rights); the credential helper keeps it out of state",
    },
    "aws:iam/accessKey:AccessKey secret": { worth: "credential", why: "a long-lived IAM user key" },
};

function secretInputPaths(value: unknown, path: string): string[] {
    if (value === SECRET_PLACEHOLDER) return [path];
    if (Array.isArray(value)) return value.flatMap((v, i) => secretInputPaths(v, `${path}[${i}]`));
    if (value && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => secretInputPaths(v, path ? `${path}.${k}` : k));
    }
    return [];
}

/** Every secret of the plan: secret inputs (their top-level input names the site) and secret outputs. */
export function stateSecrets(plan: Plan): StateSecret[] {
    const found = new Map<string, StateSecret>();
    for (const r of plan.resources) {
        const sites: StateSecret[] = [
            ...secretInputPaths(r.inputs, "").map(field => ({ field, kind: "input" as const })),
            ...(r.options.additionalSecretOutputs ?? []).map(field => ({ field, kind: "output" as const })),
        ].map(site => ({ stack: plan.stack, type: r.type, name: r.name, ...site }));
        for (const site of sites) found.set(`${r.urn} ${site.kind} ${site.field}`, site);
    }
    return [...found.values()];
}

/** The class of a secret site: the type and the field's top-level name. */
export function secretClassOf(secret: StateSecret): SecretClass | undefined {
    return SECRET_CLASSES[`${secret.type} ${secret.field.split(/[.[]/)[0]}`];
}

/**
 * The problems of one plan against the invariant: an unclassified secret, a claim its resource breaks, and, when
 * a pull request can preview the stack, any credential.
 */
export function stateSecretProblems(plan: Plan, previewable: boolean): string[] {
    const problems: string[] = [];
    for (const secret of stateSecrets(plan)) {
        const where = `${plan.stack}: ${secret.type} ${secret.name} ${secret.kind} ${secret.field}`;
        const cls = secretClassOf(secret);
        if (!cls) {
            problems.push(`${where}: unclassified secret. Fix: add it to SECRET_CLASSES (plan/stateSecrets.ts) with what it is worth`);
            continue;
        }
        const resource = plan.resources.find(r => r.type === secret.type && r.name === secret.name)!;
        const broken = cls.check?.(resource);
        if (broken) problems.push(`${where}: classed ${cls.worth} (${cls.why}), but the resource ${broken}`);
        if (cls.worth === "credential" && previewable) {
            problems.push(`${where}: a credential (${cls.why}) in the state of a stack every pull request's preview can decrypt`);
        }
    }
    return problems;
}
