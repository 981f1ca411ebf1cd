/**
 * Turns the stack's raw Pulumi config into a typed, validated StackConfig, or throws one ConfigError listing
 * every problem with its key, its value, why it is wrong and how to fix it. Runs before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { pagingWebhookProblems } from "./alarms";
import { SECRET_PLACEHOLDER } from "./primitives";
import { ACCOUNT_ROLES, AccountRole, PROJECT, problem } from "./primitives";
import { ROLE_ONLY_KEYS, ROLE_SCHEMAS, StackConfig, resolveStackConfig } from "./schema";

/** A RunError prints its message without a stack trace under `pulumi up`. */
export class ConfigError extends pulumi.RunError {
    /**
     * `values`: the config as read, before validation (this project's keys, and region), when the schema refused
     * it: lets the cross-stack rules still run in the same round on whatever parts are usable.
     */
    constructor(
        readonly stack: string,
        readonly problems: readonly string[],
        readonly values?: Readonly<Record<string, unknown>>,
    ) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} ` +
                `problem${problems.length === 1 ? "" : "s"}):\n - ${problems.join("\n - ")}`,
        );
        this.name = "ConfigError";
        Object.setPrototypeOf(this, ConfigError.prototype);
    }
}

/** aws:* keys that would carry credentials: those come from the environment (ESC / OIDC), never from config. */
const CREDENTIAL_KEYS = ["accessKey", "secretKey", "token", "profile", "sharedCredentialsFiles", "assumeRole", "assumeRoleWithWebIdentity"];

interface RawConfig {
    readonly values: Record<string, unknown>;
    readonly problems: string[];
}

/** Splits Pulumi's flat "namespace:key" map into this project's keys, refusing what the program would ignore. */
function readRaw(all: Readonly<Record<string, string>>): RawConfig {
    const values: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const fullKey of Object.keys(all).sort()) {
        const value = all[fullKey];
        const [namespace, key] = splitKey(fullKey);
        if (namespace === PROJECT) {
            try {
                // The offline plan's stand-in for a secret is a string, not a list.
                values[key] = /^\s*[[{]/.test(value) && value !== SECRET_PLACEHOLDER ? JSON.parse(value) : value;
            } catch {
                problems.push(`${fullKey} = ${quote(value)}: ${problem("not valid structured config", "fix the YAML under this key")}`);
            }
        } else if (fullKey === "aws:region") {
            values.region = value;
        } else if (namespace === "aws" && CREDENTIAL_KEYS.includes(key)) {
            const fix = `remove ${fullKey}; credentials come from the environment (Pulumi ESC or OIDC)`;
            problems.push(`${fullKey}: ${problem("credentials never live in stack config", fix)}`);
        } else if (namespace === "pulumi") {
            continue; // engine settings such as pulumi:disable-default-providers
        } else {
            problems.push(
                `${fullKey}: ${problem(
                    "unknown key: this program builds every provider itself and reads only aws:region and twine-infra:* keys",
                    `remove ${fullKey}, or move the setting under ${PROJECT}:`,
                )}`,
            );
        }
    }
    return { values, problems };
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function quote(value: unknown): string {
    const text = JSON.stringify(value) ?? "undefined";
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The config key as an engineer would type it in `pulumi config set --path`. */
export function configKeyName(path: readonly PropertyKey[]): string {
    if (path.length === 0) {
        return `${PROJECT}:<root>`;
    }
    if (path[0] === "region") {
        return "aws:region";
    }
    const rest = path
        .slice(1)
        .map(p => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
        .join("");
    return `${PROJECT}:${String(path[0])}${rest}`;
}

/** Levenshtein distance, case-insensitive: for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

/** Every property name the role's schema knows, for "did you mean" hints. */
function knownKeys(schema: z.ZodType, into = new Set<string>()): Set<string> {
    const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === "object") {
        for (const [name, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
            into.add(name);
            knownKeys(child, into);
        }
    }
    for (const field of ["innerType", "in", "out", "schema", "element", "valueType"]) {
        const child = def[field] as z.ZodType | undefined;
        if (child && typeof child === "object" && "_zod" in child) {
            knownKeys(child, into);
        }
    }
    if (Array.isArray(def.options)) {
        for (const option of def.options as z.ZodType[]) knownKeys(option, into);
    }
    return into;
}

function suggestion(unknown: string, known: Set<string>): string {
    let best: string | undefined;
    let bestDistance = 3;
    for (const candidate of known) {
        const d = editDistance(unknown, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best ? `; did you mean "${best}"?` : "";
}

/** What a value of a zod type is called in a message (zod's own names, "int" or "record", read as jargon). */
const TYPE_WORDS: Record<string, string> = {
    int: "a whole number",
    number: "a number",
    string: "a string",
    boolean: "true or false",
    object: "a map of key: value",
    record: "a map of key: value",
    array: "a list",
};

const typeWord = (expected: string) => TYPE_WORDS[expected] ?? `a ${expected}`;

function inputKind(input: unknown): string {
    if (Array.isArray(input)) return "a list";
    if (input === null) return "null";
    if (typeof input === "number") return Number.isInteger(input) ? "a whole number" : "a fractional number";
    return typeWord(typeof input);
}

/** A refinement's own message ("<why>. Fix: <fix>"), which must win over zod's generic wording. */
const ownMessage = (issue: z.core.$ZodIssue) => (issue.message?.includes("Fix:") ? issue.message : undefined);

function describeIssue(issue: z.core.$ZodIssue, role: AccountRole, known: Set<string>, stackFile: string): string[] {
    const key = configKeyName(issue.path);
    // Offline users edit the stack file; `pulumi config set` is the CLI's way to the same key.
    const setHint = `${key} in ${stackFile}, or pulumi config set --path ${key.replace(`${PROJECT}:`, "")} <value> (docs/configuration.md)`;
    const own = ownMessage(issue);
    if (own && issue.code !== "invalid_key" && issue.code !== "invalid_element" && issue.code !== "unrecognized_keys") {
        return [`${key} = ${quote(issue.input)}: ${own}`];
    }
    switch (issue.code) {
        case "unrecognized_keys":
            return issue.keys.map(k => {
                const full = configKeyName([...issue.path, k]);
                const only = issue.path.length === 0 ? ROLE_ONLY_KEYS[k] : undefined;
                if (only && !only.roles.includes(role)) {
                    return `${full}: ${problem(only.why, `remove ${k} from the ${role} stack`)}`;
                }
                const why = `unknown key for a ${role} stack${suggestion(k, known)}`;
                return `${full}: ${problem(why, `remove ${full} or correct its spelling`)}`;
            });
        case "invalid_type": {
            if (issue.input === undefined) {
                return [`${key}: ${problem("required but missing", `set ${setHint}`)}`];
            }
            const why = `expected ${typeWord(issue.expected)}, got ${inputKind(issue.input)}`;
            return [`${key} = ${quote(issue.input)}: ${problem(why, `set ${typeWord(issue.expected)} at ${setHint}`)}`];
        }
        case "invalid_key":
        case "invalid_element":
            // A record key or array element failed its own schema: report its reasons at this key.
            return issue.issues.flatMap(inner =>
                describeIssue({ ...inner, path: issue.path, input: issue.input } as z.core.$ZodIssue, role, known, stackFile),
            );
        case "invalid_value": {
            const allowed = issue.values.map(v => JSON.stringify(v)).join(", ");
            return [`${key} = ${quote(issue.input)}: ${problem("not an allowed value", `use one of ${allowed}`)}`];
        }
        case "too_small":
        case "too_big": {
            const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
            return [`${key} = ${quote(issue.input)}: ${problem(`must be ${bound}`, `set a value that is ${bound}`)}`];
        }
        default:
            // Our own refinements already read "<why>. Fix: <fix>"; zod's stock messages get a generic fix.
            return [
                `${key} = ${quote(issue.input)}: ` +
                    `${issue.message.includes("Fix:") ? issue.message : problem(issue.message, `correct ${key}`)}`,
            ];
    }
}

/**
 * Validates a flat Pulumi config map (as `pulumi.runtime.allConfig()` returns it) for the named stack.
 * Throws ConfigError with every problem; returns the typed settings with every default applied (see
 * resolveStackConfig), so no stack or component applies a default of its own.
 */
export function parseStackConfig(stack: string, all: Readonly<Record<string, string>>, secretKeys: readonly string[] = []): StackConfig {
    const raw = readRaw(all);
    const role = raw.values.accountRole;
    if (typeof role !== "string" || !(ACCOUNT_ROLES as readonly string[]).includes(role)) {
        const shown = role === undefined ? "missing" : quote(role);
        throw new ConfigError(stack, [
            `${PROJECT}:accountRole = ${shown}: ${problem(
                "every stack names the account it deploys to",
                `set ${PROJECT}:accountRole to one of ${ACCOUNT_ROLES.join(", ")} (pulumi config set accountRole dev)`,
            )}`,
            ...raw.problems,
        ]);
    }
    const schema = ROLE_SCHEMAS[role as AccountRole];
    const result = schema.safeParse(raw.values, { reportInput: true });
    const problems = [...raw.problems];
    {
        // Every stack has an account topic (Access Analyzer's findings, GuardDuty, the trail): each may page.
        const key = `${PROJECT}:pagingWebhook`;
        const value = typeof raw.values.pagingWebhook === "string" ? raw.values.pagingWebhook : undefined;
        for (const message of pagingWebhookProblems(value, secretKeys.includes(key))) problems.push(`${key}: ${message}`);
    }
    if (!result.success) {
        const known = knownKeys(schema);
        for (const issue of result.error.issues) problems.push(...describeIssue(issue, role as AccountRole, known, `Pulumi.${stack}.yaml`));
    }
    if (problems.length > 0 || !result.success) {
        throw new ConfigError(stack, [...new Set(problems)], raw.values);
    }
    return resolveStackConfig(result.data);
}

/** Reads and validates the running stack's config. */
export function loadStackConfig(): StackConfig {
    const all = pulumi.runtime.allConfig();
    // isConfigSecret is exported by @pulumi/pulumi's runtime (runtime/config.js) but left out of its typings.
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret: (key: string) => boolean }).isConfigSecret;
    return parseStackConfig(pulumi.getStack(), all, Object.keys(all).filter(isSecret));
}
