/**
 * The outputs reference for other teams, generated from the outputs contract (stacks/outputs.ts): one table per
 * stack with every exported output, its type and meaning, and the snippets to read them.
 */
import { z } from "zod";
import { OUTPUT_CONTRACTS } from "./outputs";

/** Which contract each stack exports. */
export const STACK_OUTPUT_CONTRACTS: Readonly<Record<string, z.ZodObject>> = OUTPUT_CONTRACTS;

function typeOf(schema: z.ZodType): string {
    const d = (
        schema as unknown as {
            _zod: {
                def: { type: string; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; shape?: Record<string, z.ZodType> };
            };
        }
    )._zod.def;
    switch (d.type) {
        case "optional":
        case "nullable":
        case "default":
            return `${typeOf(d.innerType!)} (optional)`.replace(" (optional) (optional)", " (optional)");
        case "array":
            return `${typeOf(d.element!)}[]`;
        case "record":
            return `Record<string, ${typeOf(d.valueType!)}>`;
        case "object":
            return `{ ${Object.entries(d.shape ?? {})
                .map(([k, v]) => `${k}: ${typeOf(v)}`)
                .join("; ")} }`;
        default:
            return d.type;
    }
}

function describeField(schema: z.ZodType): string {
    let current: z.ZodType | undefined = schema;
    while (current) {
        if (current.description) return current.description;
        current = (current as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
    }
    return "";
}

export interface OutputDoc {
    readonly name: string;
    readonly type: string;
    readonly description: string;
}

export function outputDocs(stack: string): OutputDoc[] {
    const contract = STACK_OUTPUT_CONTRACTS[stack];
    return Object.entries(contract.shape as Record<string, z.ZodType>).map(([name, schema]) => ({
        name,
        type: typeOf(schema),
        description: describeField(schema),
    }));
}

export function renderOutputsReference(): string {
    const sections = [
        "# Stack outputs",
        "",
        "Generated from the outputs contract in `stacks/outputs.ts` by `npm run docs`; a test fails when this file is",
        "stale. Renaming or removing an output is a breaking change for the teams that read it: the contract is",
        "versioned with the outputs package (`packages/outputs/CHANGELOG.md`), and a test fails when it changes without",
        "a new version.",
        "",
        "There are three ways to read them.",
        "",
        "**1. The Pulumi CLI**, with read access to the stack:",
        "",
        "```sh",
        "pulumi stack output --json --stack <org>/twine-infra/prod",
        "pulumi stack output vpcId --stack <org>/twine-infra/prod",
        "```",
        "",
        "**2. Pulumi ESC**, with access to the stack's outputs environment only (`<org>/twine-infra/<stack>-outputs`,",
        "definitions in `esc/`). ESC reads the stack with `fn::open::pulumi-stacks` and exposes the contract's outputs",
        "under the stack's name, and as stack config in the namespace `twine-<stack>`:",
        "",
        "```sh",
        "esc env get <org>/twine-infra/prod-outputs prod.vpcId",
        "esc open <org>/twine-infra/prod-outputs --format json",
        "```",
        "",
        "A stack of another team in the same Pulumi organization imports them into its config (`Pulumi.<its stack>.yaml`)",
        "and reads them as config:",
        "",
        "```yaml",
        "environment:",
        "  - twine-infra/prod-outputs",
        "```",
        "",
        "```ts",
        'const prod = new pulumi.Config("twine-prod");',
        'const subnets = prod.requireObject<string[]>("privateSubnetIds");',
        "```",
        "",
        "**3. The typed package** `@twine/infra-outputs` (`packages/outputs`; `npm run outputs:pack` writes its",
        "tarball), in a Pulumi program with read access to the stack. It reads through a StackReference and checks",
        "what it reads against the contract; the stack's role, and so the type, follows from its name:",
        "",
        "```ts",
        'import { readStackOutputs } from "@twine/infra-outputs";',
        "",
        "export = async () => {",
        '    const prod = await readStackOutputs("<org>/twine-infra/prod"); // EnvOutputs',
        "    return { subnets: prod.privateSubnetIds };",
        "};",
        "```",
        "",
        "Inside this project, `readUpstream(role, stackName, schema)` in `stacks/upstream.ts` reads them back with the",
        "same reader (`stacks/readOutputs.ts`).",
    ];
    for (const stack of Object.keys(STACK_OUTPUT_CONTRACTS)) {
        sections.push("", `## ${stack}`, "", "| output | type | meaning |", "|---|---|---|");
        for (const doc of outputDocs(stack))
            sections.push(`| \`${doc.name}\` | \`${doc.type.replace(/\|/g, "\\|")}\` | ${doc.description.replace(/\|/g, "\\|")} |`);
    }
    return `${sections.join("\n")}\n`;
}

/**
 * The contract as JSON Schema, one schema per account role: shipped in the outputs package (schema.json) for
 * readers in other languages, and hashed to tell when the contract changed (packages/outputs/versions.json).
 */
export function renderContractSchema(): string {
    const schemas: Record<string, unknown> = {};
    for (const [role, contract] of Object.entries(STACK_OUTPUT_CONTRACTS)) schemas[role] = z.toJSONSchema(contract);
    return `${JSON.stringify(schemas, null, 2)}\n`;
}
