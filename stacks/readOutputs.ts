/**
 * Reading a stack's outputs against the outputs contract, shared by the readers in downstream stacks
 * (upstream.ts) and by the outputs package other teams install (packages/outputs): one place decides what
 * "missing" and "does not match" mean, each reader words its own advice.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

export type ContractReading<T> =
    | { readonly ok: true; readonly data: T }
    | { readonly ok: false; readonly missing: readonly string[]; readonly problems: readonly string[] };

/**
 * Reads every output the contract names (secret or not: a secret value reads back as its plain value) and
 * checks them against it. Outputs the stack exports beyond the contract are ignored.
 */
export async function readContractOutputs<S extends z.ZodObject>(
    ref: pulumi.StackReference,
    schema: S,
): Promise<ContractReading<z.infer<S>>> {
    const keys = Object.keys(schema.shape);
    const details = await Promise.all(keys.map(key => ref.getOutputDetails(key)));
    const values: Record<string, unknown> = {};
    const missing: string[] = [];
    for (const [i, key] of keys.entries()) {
        const value = details[i].value ?? details[i].secretValue;
        if (value === undefined) {
            if (!schema.shape[key].safeParse(undefined).success) missing.push(key);
        } else {
            values[key] = value;
        }
    }
    if (missing.length > 0) return { ok: false, missing, problems: [] };
    const parsed = schema.safeParse(values);
    if (!parsed.success) {
        return { ok: false, missing: [], problems: parsed.error.issues.map(i => `${i.path.join(".")}: ${i.message}`) };
    }
    return { ok: true, data: parsed.data };
}
