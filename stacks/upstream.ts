import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { readContractOutputs } from "./readOutputs";

/** An upstream stack is missing or exports something other than the contract says. */
export class UpstreamError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "UpstreamError";
        Object.setPrototypeOf(this, UpstreamError.prototype);
    }
}

/** The one way this program reads another stack: a StackReference keyed by why it reads it (upstream-dns, peer-dev). */
export function stackReference(name: string, stackName: string): pulumi.StackReference {
    return new pulumi.StackReference(name, { name: stackName });
}

/**
 * Reads an upstream stack's outputs through a StackReference and checks them against the outputs contract,
 * returning plain typed values. A stack that has not been deployed, or exports an older contract, fails here
 * with a message naming the stack and every missing output, before this stack declares anything else.
 */
export async function readUpstream<S extends z.ZodObject>(role: string, stackName: string, schema: S): Promise<z.infer<S>> {
    const ref = stackReference(`upstream-${role}`, stackName);
    const reading = await readContractOutputs(ref, schema);
    if (reading.ok) return reading.data;
    const { missing, problems } = reading;
    if (missing.length > 0) {
        throw new UpstreamError(
            `Deploy the ${role} stack (${stackName}) first: output${missing.length === 1 ? "" : "s"} ${missing.join(", ")} ` +
                `${missing.length === 1 ? "is" : "are"} missing. ` +
                `Fix: run \`pulumi up\` in ${stackName}, or correct stacks.${role} in this stack's config.`,
        );
    }
    throw new UpstreamError(
        `The ${role} stack (${stackName}) exports outputs that do not match the contract:\n - ${problems.join("\n - ")}\n` +
            `Fix: redeploy ${stackName} from the same revision of twine-infra.`,
    );
}
