/**
 * The configuration reference (docs/configuration.md), generated from the schema itself (keys, types,
 * descriptions), so the table cannot drift from what the program accepts. Pure: walks the zod schemas, returns
 * Markdown.
 */
import { z } from "zod";
import { ACCOUNT_ROLES, AccountRole, PROJECT } from "./primitives";
import { REFUSED_IN, ROLE_SCHEMAS } from "./schema";

interface Def {
    type: string;
    shape?: Record<string, z.ZodType>;
    innerType?: z.ZodType;
    element?: z.ZodType;
    valueType?: z.ZodType;
    keyType?: z.ZodType;
    entries?: Record<string, string>;
    values?: unknown[];
    options?: z.ZodType[];
    in?: z.ZodType;
}

function def(schema: z.ZodType): Def {
    return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema under optional/default/nullable/pipe wrappers, collecting the first description on the way. */
function unwrap(schema: z.ZodType): { core: z.ZodType; description?: string; optional: boolean } {
    let current = schema;
    let description = current.description;
    let optional = false;
    for (;;) {
        const d = def(current);
        if (d.type === "optional" || d.type === "default" || d.type === "nullable") {
            optional = true;
            current = d.innerType!;
        } else if (d.type === "pipe") {
            current = d.in!;
        } else {
            break;
        }
        description ??= current.description;
    }
    return { core: current, description: description ?? current.description, optional };
}

function typeName(schema: z.ZodType): string {
    const d = def(unwrap(schema).core);
    switch (d.type) {
        case "enum":
            return Object.values(d.entries ?? {})
                .map(v => `\`${v}\``)
                .join(" \\| ");
        case "literal":
            return (d.values ?? []).map(v => `\`${String(v)}\``).join(" \\| ");
        case "array":
            return `list of ${typeName(d.element!)}`;
        case "record":
            return `map of ${typeName(d.valueType!)}`;
        case "object":
            return "object";
        case "union":
            return (d.options ?? []).map(typeName).join(" \\| ");
        default:
            return d.type;
    }
}

export interface ConfigKeyDoc {
    readonly key: string;
    readonly roles: AccountRole[];
    readonly type: string;
    readonly description: string;
}

/** Alternatives of a type cell ("`a` \\| `b`") merged without repeats: a key several roles share lists each value once. */
function mergeTypes(a: string, b: string): string {
    return [...new Set([...a.split(" \\| "), ...b.split(" \\| ")])].join(" \\| ");
}

/** Every leaf key (and every object key with a description of its own) of every role, merged across roles. */
export function configKeyDocs(): ConfigKeyDoc[] {
    // Per key: the roles that accept it, its type, and each role's description (roles may describe it differently).
    const byKey = new Map<string, { roles: AccountRole[]; type: string; descriptions: Map<string, AccountRole[]> }>();
    const visit = (role: AccountRole, path: string, schema: z.ZodType) => {
        const { core, description } = unwrap(schema);
        const d = def(core);
        const isObject = d.type === "object";
        if ((!isObject || description) && !(REFUSED_IN[path] ?? []).includes(role)) {
            const key = path === "region" ? "aws:region" : `${PROJECT}:${path}`;
            const entry = byKey.get(key) ?? { roles: [], type: typeName(schema), descriptions: new Map<string, AccountRole[]>() };
            entry.roles.push(role);
            entry.type = mergeTypes(entry.type, typeName(schema));
            const text = (description ?? "").replace(/\|/g, "\\|");
            entry.descriptions.set(text, [...(entry.descriptions.get(text) ?? []), role]);
            byKey.set(key, entry);
        }
        if (isObject) {
            for (const [name, child] of Object.entries(d.shape ?? {})) visit(role, path ? `${path}.${name}` : name, child);
        } else if (d.type === "array" || d.type === "record") {
            // A list or map of objects: document the fields of one element (users[].name, environments.<name>.app).
            const element = unwrap(d.type === "array" ? d.element! : d.valueType!).core;
            const elementDef = def(element);
            if (elementDef.type === "object") {
                for (const [name, child] of Object.entries(elementDef.shape ?? {}))
                    visit(role, `${path}${d.type === "array" ? "[]" : ".<name>"}.${name}`, child);
            }
        }
    };
    for (const role of ACCOUNT_ROLES) visit(role, "", ROLE_SCHEMAS[role] as unknown as z.ZodType);
    return [...byKey.entries()]
        .filter(([key]) => key !== `${PROJECT}:`)
        .map(([key, e]) => ({
            key,
            roles: e.roles,
            type: e.type,
            // One description when the roles agree; else each with the stacks it applies to.
            description:
                e.descriptions.size === 1
                    ? [...e.descriptions.keys()][0]
                    : [...e.descriptions].map(([text, roles]) => `${roles.join(", ")}: ${text}`).join(" "),
        }));
}

/** The whole of docs/configuration.md. */
export function renderConfigurationDoc(): string {
    return `${CONFIGURATION_HEAD}\n${renderConfigReference()}\n${CONFIGURATION_TAIL}`;
}

const CONFIGURATION_HEAD = `# Configuration reference

<!-- Generated by npm run docs from the config schema (config/); edit the schema's descriptions, not this file. -->

Each \`Pulumi.<stack>.yaml\` carries all of its account's settings under \`config:\`. The program validates them
before it declares a single resource and reports every problem at once: the key, the value, why, and the fix.
Which keys a stack accepts follows from its \`twine-infra:accountRole\`; any other key is refused as unknown, with a
"did you mean" hint. "stacks" says which account roles accept a key.
`;

const CONFIGURATION_TAIL =
    `Credentials never go in config (\`aws:accessKey\`, \`aws:profile\`... are refused): ` +
    `they come from the environment.
Every stack file sets \`pulumi:disable-default-providers: ["aws"]\`, so a resource that forgot its explicit
provider fails instead of using whatever credentials are ambient; the offline plan refuses a stack file without it
or with a misspelt \`pulumi:*\` key.

## Adding a config key

1. Add it to its section's schema in \`config/\`, with \`.describe()\` stating what it does and its default; put
   rules that involve several keys in that role's \`superRefine\`, with messages made by \`problem(why, fix)\`.
2. Add a good and a bad case to \`test/config.test.ts\`.
3. Set it in the stack files that need it, and run \`npm run docs\`: this table is generated from the schema.
`;

export function renderConfigReference(): string {
    const lines = [
        "| key | stacks | type | meaning |",
        "|---|---|---|---|",
        ...configKeyDocs().map(
            d =>
                `| \`${d.key}\` | ${d.roles.length === ACCOUNT_ROLES.length ? "all" : d.roles.join(", ")} | ${d.type} | ${d.description} |`,
        ),
    ];
    return `${lines.join("\n")}\n`;
}
