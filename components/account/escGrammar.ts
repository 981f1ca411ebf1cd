/**
 * What Pulumi ESC accepts in an environment definition, as its documentation states it, checked without the
 * service (no ESC evaluator runs offline). Every problem is collected: `path: what is wrong. Fix: ...`.
 *
 * Sources (pulumi.com/docs/esc/environments/syntax/...):
 *   - top-level-keys: a definition has `imports` (a list of environment names, each a string or
 *     `{ <name>: { merge: <bool> } }`) and `values`; ESC's parser (pulumi/esc, ast/environment.go) also reads
 *     `description`, and only warns on any other top-level key, which it then ignores. Here that is an error:
 *     a warning nobody reads is a setting silently lost.
 *   - builtin-functions: "It is an error to attempt to invoke an unknown function, or for an object literal
 *     with multiple entries to contain a key with the prefix `fn::`".
 *   - reserved-properties: `environmentVariables`, `files`, `pulumiConfig`, `policyConfig` under `values`.
 *   - builtin-properties: `context.pulumi.user.login`, `context.pulumi.organization.login`, `environments`,
 *     `imports`.
 *   - providers/login/aws-login: inputs `oidc` (roleArn, sessionName, duration, policyArns,
 *     subjectAttributes) or `static` (accessKeyId, secretAccessKey, sessionToken); outputs accessKeyId,
 *     secretAccessKey, sessionToken; the session defaults to 2 hours.
 *   - providers/iac/pulumi-stacks: input `stacks`, a map of names to `{ stack: <project>/<stack> }`; the
 *     output under each name is that stack's outputs.
 */
import { parse } from "yaml";

/** Built-in functions other than providers (fn::open::<provider>) and rotators. */
const BUILTIN_FUNCTIONS = [
    "fn::concat",
    "fn::final",
    "fn::fromBase64",
    "fn::fromJSON",
    "fn::join",
    "fn::open",
    "fn::rotate",
    "fn::secret",
    "fn::split",
    "fn::toBase64",
    "fn::toJSON",
    "fn::toString",
    "fn::validate",
] as const;

const SUBJECT_ATTRIBUTES = ["rootEnvironment.name", "currentEnvironment.name", "pulumi.user.login", "pulumi.organization.login"];
const AWS_LOGIN_OUTPUTS = ["accessKeyId", "secretAccessKey", "sessionToken"];

/** An environment name as a stack file or an import names it: [<project>/]<environment>, each part a-z0-9._- */
const ENVIRONMENT_NAME = /^([A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** STS RoleSessionName: 2-64 characters of [\w+=,.@-] (AssumeRoleWithWebIdentity's API reference). */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const INTERPOLATION = /\$\{([^}]*)\}/g;

export interface EscCheckOptions {
    /**
     * The outputs a referenced stack exports, by its project-qualified name (project/stack), to check references
     * into a pulumi-stacks value; undefined for a stack it does not know (any output is then accepted).
     */
    readonly stackOutputs?: (stack: string) => readonly string[] | undefined;
}

type Problems = string[];

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function add(problems: Problems, path: string, why: string, fix: string): void {
    problems.push(`${path}: ${why}. Fix: ${fix}.`);
}

/** Go's time.ParseDuration subset ESC uses for session durations: e.g. 1h, 90m, 1h30m, 3600s. */
export function parseGoDuration(text: string): number | undefined {
    if (!/^(\d+(\.\d+)?(h|m|s))+$/.test(text)) return undefined;
    let seconds = 0;
    for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(h|m|s)/g))
        seconds += Number(amount) * { h: 3600, m: 60, s: 1 }[unit as "h" | "m" | "s"];
    return seconds;
}

function literalParts(text: string): string {
    return text.replace(INTERPOLATION, "");
}

function checkKeys(
    problems: Problems,
    path: string,
    value: Record<string, unknown>,
    allowed: readonly string[],
    required: readonly string[] = [],
): void {
    for (const key of Object.keys(value)) {
        if (!allowed.includes(key))
            add(problems, `${path}.${key}`, `"${key}" is not an input ESC accepts here`, `use one of ${allowed.join(", ")}`);
    }
    for (const key of required) {
        if (value[key] === undefined) add(problems, `${path}.${key}`, `${key} is required`, `set ${key}`);
    }
}

function checkStringList(problems: Problems, path: string, value: unknown, allowed?: readonly string[]): void {
    if (!Array.isArray(value) || value.some(v => typeof v !== "string")) {
        add(problems, path, "must be a list of strings", "write it as a YAML list");
        return;
    }
    for (const item of value) {
        if (allowed && !allowed.includes(item)) add(problems, path, `"${item}" is not one of ${allowed.join(", ")}`, "use one of those");
    }
}

function checkAwsLogin(problems: Problems, path: string, inputs: unknown): void {
    if (!isObject(inputs))
        return add(problems, path, "aws-login takes an object with oidc or static", "write oidc: { roleArn, sessionName }");
    checkKeys(problems, path, inputs, ["oidc", "static"]);
    if ((inputs.oidc === undefined) === (inputs.static === undefined))
        add(problems, path, "aws-login needs exactly one of oidc and static", "keep one");
    if (inputs.oidc !== undefined) {
        const oidc = inputs.oidc;
        const at = `${path}.oidc`;
        if (!isObject(oidc)) return add(problems, at, "must be an object", "write roleArn and sessionName under it");
        checkKeys(
            problems,
            at,
            oidc,
            ["roleArn", "sessionName", "duration", "policyArns", "subjectAttributes"],
            ["roleArn", "sessionName"],
        );
        if (
            oidc.roleArn !== undefined &&
            (typeof oidc.roleArn !== "string" || (!oidc.roleArn.includes("${") && !ROLE_ARN.test(oidc.roleArn)))
        ) {
            add(
                problems,
                `${at}.roleArn`,
                `${JSON.stringify(oidc.roleArn)} is not an IAM role ARN`,
                "write arn:aws:iam::<account>:role/<name>",
            );
        }
        if (oidc.sessionName !== undefined) {
            const literal = typeof oidc.sessionName === "string" ? literalParts(oidc.sessionName) : "";
            if (
                typeof oidc.sessionName !== "string" ||
                !/^[\w+=,.@-]*$/.test(literal) ||
                (literal === oidc.sessionName && !SESSION_NAME.test(literal))
            ) {
                add(
                    problems,
                    `${at}.sessionName`,
                    `${JSON.stringify(oidc.sessionName)} is not an STS session name`,
                    "use 2-64 characters of letters, digits and +=,.@_-",
                );
            }
        }
        if (oidc.duration !== undefined) {
            const seconds = typeof oidc.duration === "string" ? parseGoDuration(oidc.duration) : undefined;
            if (seconds === undefined)
                add(problems, `${at}.duration`, `${JSON.stringify(oidc.duration)} is not a duration`, "write it as 1h, 90m or 1h30m");
            else if (seconds < 900 || seconds > 43200)
                add(
                    problems,
                    `${at}.duration`,
                    `${oidc.duration} is outside STS's 15m to 12h`,
                    "choose a duration in that range, at most the role's maximum session",
                );
        }
        if (oidc.policyArns !== undefined) checkStringList(problems, `${at}.policyArns`, oidc.policyArns);
        if (oidc.subjectAttributes !== undefined)
            checkStringList(problems, `${at}.subjectAttributes`, oidc.subjectAttributes, SUBJECT_ATTRIBUTES);
    }
    if (inputs.static !== undefined) {
        if (!isObject(inputs.static))
            return add(problems, `${path}.static`, "must be an object", "write accessKeyId and secretAccessKey under it");
        checkKeys(
            problems,
            `${path}.static`,
            inputs.static,
            ["accessKeyId", "secretAccessKey", "sessionToken"],
            ["accessKeyId", "secretAccessKey"],
        );
    }
}

function checkPulumiStacks(problems: Problems, path: string, inputs: unknown): void {
    if (!isObject(inputs))
        return add(problems, path, "pulumi-stacks takes an object with stacks", "write stacks: { <name>: { stack: <project>/<stack> } }");
    checkKeys(problems, path, inputs, ["stacks"], ["stacks"]);
    if (inputs.stacks === undefined) return;
    if (!isObject(inputs.stacks))
        return add(problems, `${path}.stacks`, "must be a map of names to stacks", "write <name>: { stack: <project>/<stack> }");
    for (const [name, entry] of Object.entries(inputs.stacks)) {
        const at = `${path}.stacks.${name}`;
        if (!isObject(entry)) {
            add(problems, at, "must be an object with stack", "write stack: <project>/<stack>");
            continue;
        }
        checkKeys(problems, at, entry, ["stack"], ["stack"]);
        if (entry.stack !== undefined && (typeof entry.stack !== "string" || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(entry.stack))) {
            add(
                problems,
                `${at}.stack`,
                `${JSON.stringify(entry.stack)} is not a project-qualified stack name`,
                "write <project>/<stack>, e.g. twine-infra/dev (the organization is the environment's)",
            );
        }
    }
}

const PROVIDERS: Record<string, (problems: Problems, path: string, inputs: unknown) => void> = {
    "aws-login": checkAwsLogin,
    "pulumi-stacks": checkPulumiStacks,
};

/** What a value evaluates to, as far as references into it can be checked. */
type Shape =
    | { kind: "object"; fields: Map<string, Shape> }
    | { kind: "list"; items: Shape[] }
    | { kind: "leaf" }
    | { kind: "outputs"; names?: readonly string[] }
    | { kind: "open" };

function checkFunction(problems: Problems, path: string, name: string, argument: unknown, options: EscCheckOptions): Shape {
    if (name.startsWith("fn::open::")) {
        const provider = name.slice("fn::open::".length);
        const check = PROVIDERS[provider];
        if (!check) {
            add(
                problems,
                `${path}.${name}`,
                `"${provider}" is not a provider this check knows`,
                `use one of ${Object.keys(PROVIDERS).join(", ")}, ` +
                    "or teach components/account/escGrammar.ts its inputs from ESC's documentation",
            );
            return { kind: "open" };
        }
        check(problems, `${path}.${name}`, argument);
        return providerShape(provider, argument, options);
    }
    if (name.startsWith("fn::rotate::")) return { kind: "open" };
    if (!(BUILTIN_FUNCTIONS as readonly string[]).includes(name)) {
        add(
            problems,
            `${path}.${name}`,
            `"${name}" is not an ESC function`,
            `use one of ${BUILTIN_FUNCTIONS.join(", ")} or fn::open::<provider>`,
        );
        return { kind: "open" };
    }
    if (name === "fn::open") {
        if (!isObject(argument) || typeof argument.provider !== "string") {
            add(
                problems,
                `${path}.fn::open`,
                "fn::open takes { provider, inputs }",
                "write provider: <name> and inputs: {...}, or use fn::open::<name>",
            );
            return { kind: "open" };
        }
        checkKeys(problems, `${path}.fn::open`, argument, ["provider", "inputs"], ["provider"]);
        return checkFunction(problems, path, `fn::open::${argument.provider}`, argument.inputs, options);
    }
    if (name === "fn::secret" && !(typeof argument === "string" || (isObject(argument) && typeof argument.ciphertext === "string"))) {
        add(problems, `${path}.fn::secret`, "fn::secret takes a string (or { ciphertext })", "write the value as a string");
    }
    if (
        (name === "fn::join" || name === "fn::split") &&
        !(Array.isArray(argument) && argument.length === 2 && typeof argument[0] === "string")
    ) {
        add(problems, `${path}.${name}`, `${name} takes [delimiter, value]`, `write ${name}: [",", ...]`);
    }
    walk(problems, `${path}.${name}`, argument, options);
    return { kind: "leaf" };
}

function providerShape(provider: string, inputs: unknown, options: EscCheckOptions): Shape {
    if (provider === "aws-login") return { kind: "object", fields: new Map(AWS_LOGIN_OUTPUTS.map(k => [k, { kind: "leaf" } as Shape])) };
    if (provider === "pulumi-stacks" && isObject(inputs) && isObject(inputs.stacks)) {
        const fields = new Map<string, Shape>();
        for (const [name, entry] of Object.entries(inputs.stacks)) {
            const stack = isObject(entry) && typeof entry.stack === "string" ? entry.stack : undefined;
            fields.set(name, { kind: "outputs", names: stack ? options.stackOutputs?.(stack) : undefined });
        }
        return { kind: "object", fields };
    }
    return { kind: "open" };
}

/** Checks function calls anywhere in a value and returns its shape. */
function walk(problems: Problems, path: string, value: unknown, options: EscCheckOptions): Shape {
    if (Array.isArray(value)) return { kind: "list", items: value.map((v, i) => walk(problems, `${path}[${i}]`, v, options)) };
    if (!isObject(value)) return { kind: "leaf" };
    const keys = Object.keys(value);
    const functions = keys.filter(k => k.startsWith("fn::"));
    if (functions.length > 0) {
        if (keys.length > 1) {
            add(
                problems,
                `${path}.${functions[0]}`,
                `a function call must be the only key of its object (beside ${keys.filter(k => k !== functions[0]).join(", ")})`,
                "move the other keys to a sibling property",
            );
        }
        return checkFunction(problems, path, functions[0], value[functions[0]], options);
    }
    const fields = new Map<string, Shape>();
    for (const key of keys) fields.set(key, walk(problems, `${path}.${key}`, value[key], options));
    return { kind: "object", fields };
}

function splitPath(reference: string): string[] | undefined {
    const parts: string[] = [];
    const pattern = /(?:^|\.)([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]+)"\]/y;
    let match: RegExpExecArray | null;
    pattern.lastIndex = 0;
    while (pattern.lastIndex < reference.length && (match = pattern.exec(reference))) parts.push(match[1] ?? match[2] ?? match[3]);
    return pattern.lastIndex === reference.length && parts.length > 0 ? parts : undefined;
}

function resolve(shape: Shape, parts: readonly string[]): string | undefined {
    let current = shape;
    for (const [i, part] of parts.entries()) {
        const so = parts.slice(0, i).join(".") || "values";
        switch (current.kind) {
            case "object": {
                const next = current.fields.get(part);
                const has = current.fields.size > 0 ? ` (it has ${[...current.fields.keys()].join(", ")})` : "";
                if (!next) return `${so} has no property "${part}"${has}`;
                current = next;
                break;
            }
            case "list": {
                const next = /^\d+$/.test(part) ? current.items[Number(part)] : undefined;
                if (!next) return `${so} has no element ${part}`;
                current = next;
                break;
            }
            case "outputs":
                if (current.names && !current.names.includes(part)) return `the stack behind ${so} exports no output "${part}"`;
                return undefined;
            case "open":
                return undefined;
            case "leaf":
                return `${so} is a single value: it has no property "${part}"`;
        }
    }
    return undefined;
}

/** Checks every ${...} in a value; `imported` says whether a top-level name may come from an imported environment. */
function checkReferences(problems: Problems, path: string, value: unknown, root: Shape, imported: (name: string) => boolean): void {
    if (Array.isArray(value)) return value.forEach((v, i) => checkReferences(problems, `${path}[${i}]`, v, root, imported));
    if (isObject(value)) return Object.entries(value).forEach(([k, v]) => checkReferences(problems, `${path}.${k}`, v, root, imported));
    if (typeof value !== "string") return;
    for (const [, reference] of value.matchAll(INTERPOLATION)) {
        const parts = splitPath(reference);
        if (!parts) {
            add(problems, path, `\${${reference}} is not a property path`, "write ${a.b.c} or ${a[0]}");
            continue;
        }
        if (parts[0] === "context") {
            const known = ["context.pulumi.user.login", "context.pulumi.organization.login"];
            if (!known.includes(parts.join(".")))
                add(problems, path, `\${${reference}} is not a built-in context property`, `use ${known.join(" or ")}`);
            continue;
        }
        if (parts[0] === "environments" || parts[0] === "imports") continue; // other environments: not known here
        if (imported(parts[0])) continue;
        const why = resolve(root, parts);
        if (why) add(problems, path, `\${${reference}} refers to nothing: ${why}`, "refer to a property defined in values");
    }
}

function checkReserved(problems: Problems, values: Record<string, unknown>): void {
    const variables = values.environmentVariables;
    if (variables !== undefined) {
        if (!isObject(variables)) add(problems, "values.environmentVariables", "must map variable names to values", "write NAME: value");
        else {
            for (const [name, v] of Object.entries(variables)) {
                if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
                    add(
                        problems,
                        `values.environmentVariables.${name}`,
                        `"${name}" is not an environment variable name`,
                        "use letters, digits and _",
                    );
                if (isObject(v) || Array.isArray(v)) {
                    if (!(isObject(v) && Object.keys(v).some(k => k.startsWith("fn::"))))
                        add(
                            problems,
                            `values.environmentVariables.${name}`,
                            "an environment variable holds a single value",
                            "use a string or a reference",
                        );
                }
            }
        }
    }
    for (const key of ["files", "pulumiConfig", "policyConfig"] as const) {
        if (values[key] !== undefined && !isObject(values[key]))
            add(problems, `values.${key}`, `${key} must be a mapping`, `write ${key}: { <name>: <value> }`);
    }
    const config = values.pulumiConfig;
    if (isObject(config)) {
        for (const key of Object.keys(config)) {
            if (!/^([A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$/.test(key))
                add(problems, `values.pulumiConfig.${key}`, `"${key}" is not a Pulumi config key`, "write <key> or <namespace>:<key>");
        }
    }
}

/** Every problem with an ESC environment definition (a parsed YAML document); empty when ESC would accept it. */
export function escProblems(document: unknown, options: EscCheckOptions = {}): string[] {
    const problems: Problems = [];
    if (!isObject(document))
        return ["(document): an environment definition is a mapping with imports and values. Fix: start with values:."];
    for (const key of Object.keys(document)) {
        if (!["imports", "values", "description"].includes(key)) {
            add(
                problems,
                key,
                `"${key}" is not a top-level key of an environment`,
                "use imports, values or description (reserved properties such as environmentVariables go under values)",
            );
        }
    }
    const imports = document.imports;
    if (imports !== undefined) {
        if (!Array.isArray(imports)) add(problems, "imports", "must be a list of environment names", "write - <project>/<environment>");
        else {
            imports.forEach((entry, i) => {
                const name = isObject(entry) && Object.keys(entry).length === 1 ? Object.keys(entry)[0] : entry;
                if (typeof name !== "string" || !ENVIRONMENT_NAME.test(name))
                    add(problems, `imports[${i}]`, `${JSON.stringify(entry)} is not an environment name`, "write <project>/<environment>");
                else if (isObject(entry)) {
                    const meta = entry[name];
                    if (!isObject(meta))
                        add(
                            problems,
                            `imports[${i}].${name}`,
                            "import options must be an object",
                            "write { merge: false }, or import by name alone",
                        );
                    else checkKeys(problems, `imports[${i}].${name}`, meta, ["merge"]);
                }
            });
        }
    }
    const values = document.values ?? {};
    if (!isObject(values)) {
        add(problems, "values", "must be a mapping of property names to values", "write values: { <name>: <value> }");
        return problems;
    }
    const root = walk(problems, "values", values, options);
    checkReserved(problems, values);
    // A name this document does not define may come from an import, whose values are not known here.
    const hasImports = Array.isArray(imports) && imports.length > 0;
    checkReferences(problems, "values", values, root, name => hasImports && !(name in values));
    return problems;
}

/** Parses a YAML definition and checks it; a YAML syntax error is a problem too. */
export function escYamlProblems(text: string, options: EscCheckOptions = {}): string[] {
    let document: unknown;
    try {
        document = parse(text);
    } catch (err) {
        return [`(document): not YAML: ${(err as Error).message.split("\n")[0].replace(/:$/, "")}. Fix: correct the YAML syntax.`];
    }
    return escProblems(document, options);
}
