/**
 * The configuration reference, generated from the schema itself (keys, types, descriptions), so the README's
 * table cannot drift from what the program accepts. Pure: walks the zod schemas, returns Markdown.
 */
import { z } from "zod";
import { ACCOUNT_ROLES, AccountRole, PROJECT } from "./primitives";
import { ROLE_SCHEMAS } from "./schema";

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
            return Object.values(d.entries ?? {}).map(v => `\`${v}\``).join(" \\| ");
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

/** Every leaf key (and every object key with a description of its own) of every role, merged across roles. */
export function configKeyDocs(): ConfigKeyDoc[] {
    const byKey = new Map<string, ConfigKeyDoc>();
    const visit = (role: AccountRole, path: string, schema: z.ZodType) => {
        const { core, description } = unwrap(schema);
        const d = def(core);
        const isObject = d.type === "object";
        if (!isObject || description) {
            const key = path === "region" ? "aws:region" : `${PROJECT}:${path}`;
            const existing = byKey.get(key);
            if (existing) {
                if (!existing.roles.includes(role)) existing.roles.push(role);
                // Per-role literals (accountRole) merge into one list of allowed values.
                const type = typeName(schema);
                if (!existing.type.split(" \\| ").includes(type)) byKey.set(key, { ...existing, type: `${existing.type} \\| ${type}` });
            } else {
                byKey.set(key, { key, roles: [role], type: typeName(schema), description: (description ?? "").replace(/\|/g, "\\|") });
            }
        }
        if (isObject) {
            for (const [name, child] of Object.entries(d.shape ?? {})) visit(role, path ? `${path}.${name}` : name, child);
        } else if (d.type === "array" || d.type === "record") {
            // A list or map of objects: document the fields of one element (users[].name, environments.<name>.app).
            const element = unwrap(d.type === "array" ? d.element! : d.valueType!).core;
            const elementDef = def(element);
            if (elementDef.type === "object") {
                for (const [name, child] of Object.entries(elementDef.shape ?? {})) visit(role, `${path}${d.type === "array" ? "[]" : ".<name>"}.${name}`, child);
            }
        }
    };
    for (const role of ACCOUNT_ROLES) visit(role, "", ROLE_SCHEMAS[role] as unknown as z.ZodType);
    return [...byKey.values()].filter(doc => doc.key !== `${PROJECT}:`);
}

export function renderConfigReference(): string {
    const lines = [
        "| key | stacks | type | meaning |",
        "|---|---|---|---|",
        ...configKeyDocs().map(d => `| \`${d.key}\` | ${d.roles.length === ACCOUNT_ROLES.length ? "all" : d.roles.join(", ")} | ${d.type} | ${d.description} |`),
    ];
    return `${lines.join("\n")}\n`;
}
