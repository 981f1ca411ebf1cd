import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** An upstream stack is missing or exports something other than the contract says. */
export class UpstreamError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "UpstreamError";
        Object.setPrototypeOf(this, UpstreamError.prototype);
    }
}

/**
 * Reads an upstream stack's outputs through a StackReference and checks them against the outputs contract,
 * returning plain typed values. A stack that has not been deployed, or exports an older contract, fails here
 * with a message naming the stack and every missing output, before this stack declares anything else.
 */
export async function readUpstream<S extends z.ZodObject>(role: string, stackName: string, schema: S): Promise<z.infer<S>> {
    const ref = new pulumi.StackReference(`upstream-${role}`, { name: stackName });
    const values: Record<string, unknown> = {};
    const missing: string[] = [];
    const keys = Object.keys(schema.shape);
    const all = await Promise.all(keys.map(key => ref.getOutputDetails(key)));
    for (const [i, key] of keys.entries()) {
        const details = all[i];
        const value = details.value ?? details.secretValue;
        if (value === undefined) {
            missing.push(key);
        } else {
            values[key] = value;
        }
    }
    if (missing.length > 0) {
        throw new UpstreamError(
            `Deploy the ${role} stack (${stackName}) first: output${missing.length === 1 ? "" : "s"} ${missing.join(", ")} ` +
                `${missing.length === 1 ? "is" : "are"} missing. Fix: run \`pulumi up\` in ${stackName}, or correct ${role === "dev" ? "stacks.dev" : `stacks.${role}`} in this stack's config.`,
        );
    }
    const parsed = schema.safeParse(values);
    if (!parsed.success) {
        const problems = parsed.error.issues.map(i => `${i.path.join(".")}: ${i.message}`);
        throw new UpstreamError(`The ${role} stack (${stackName}) exports outputs that do not match the contract:\n - ${problems.join("\n - ")}\nFix: redeploy ${stackName} from the same revision of twine-infra.`);
    }
    return parsed.data;
}
