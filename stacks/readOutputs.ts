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
 * Reads every output the contract names and checks them against it. Outputs the stack exports beyond the contract
 * are ignored. The contract's outputs are plain values (ids, names, CIDRs, ARNs), so a contract output the stack
 * exports as a secret is refused: reading it as a plain value would put the secret in clear text into the reader's
 * state and logs (getOutputDetails hands it over as `secretValue`, unwrapped).
 */
export async function readContractOutputs<S extends z.ZodObject>(
    ref: Pick<pulumi.StackReference, "getOutputDetails">,
    schema: S,
): Promise<ContractReading<z.infer<S>>> {
    const keys = Object.keys(schema.shape);
    const details = await Promise.all(keys.map(key => ref.getOutputDetails(key)));
    const values: Record<string, unknown> = {};
    const missing: string[] = [];
    const secrets: string[] = [];
    for (const [i, key] of keys.entries()) {
        if (details[i].secretValue !== undefined) {
            secrets.push(key);
        } else if (details[i].value === undefined) {
            if (!schema.shape[key].safeParse(undefined).success) missing.push(key);
        } else {
            values[key] = details[i].value;
        }
    }
    if (secrets.length > 0) {
        return {
            ok: false,
            missing: [],
            problems: secrets.map(
                key =>
                    `${key}: exported as a secret, but the contract has it as a plain value; reading it would show the secret ` +
                    `in clear text (export it without pulumi.secret, or keep it out of the contract)`,
            ),
        };
    }
    if (missing.length > 0) return { ok: false, missing, problems: [] };
    const parsed = schema.safeParse(values);
    if (!parsed.success) {
        return { ok: false, missing: [], problems: parsed.error.issues.map(i => `${i.path.join(".")}: ${i.message}`) };
    }
    return { ok: true, data: parsed.data };
}
