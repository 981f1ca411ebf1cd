/**
 * @twine/infra-outputs: the outputs of the twine-infra stacks, typed and checked. Built from the same zod
 * contract the stacks export with (stacks/outputs.ts in twine-infra), so what this package accepts is exactly
 * what the stacks promise.
 */
import * as pulumi from "@pulumi/pulumi";
import { OUTPUT_CONTRACTS, OutputsOf, StackRole } from "../../../stacks/outputs";
import { readContractOutputs } from "../../../stacks/readOutputs";

export {
    OUTPUT_CONTRACTS,
    bastionOutputsSchema,
    dnsOutputsSchema,
    envOutputsSchema,
    environmentOutputsSchema,
} from "../../../stacks/outputs";
export type { BastionOutputs, DnsOutputs, EnvOutputs, EnvironmentOutputs, OutputsOf, StackRole } from "../../../stacks/outputs";

export const STACK_ROLES = Object.keys(OUTPUT_CONTRACTS) as readonly StackRole[];

/** The role a stack name ends with ("org/twine-infra/prod" is prod); any other name needs the role given. */
export type RoleOf<N extends string> = N extends `${string}/${infer Rest}` ? RoleOf<Rest> : N extends StackRole ? N : StackRole;

/** A stack's outputs could not be read: it is missing outputs, or they do not match the contract. */
export class StackOutputsError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "StackOutputsError";
        Object.setPrototypeOf(this, StackOutputsError.prototype);
    }
}

export interface ReadStackOutputsOptions<R extends StackRole> {
    /** Which contract to read the stack with. @default - the last segment of the stack name, when it is a role */
    readonly role?: R;
    /** Name of the StackReference resource in your program. @default - the stack name */
    readonly resourceName?: string;
    /** Options of the StackReference resource (parent, aliases...). */
    readonly opts?: pulumi.CustomResourceOptions;
}

function roleFor(stackName: string, role: string | undefined): StackRole {
    const candidate = role ?? stackName.split("/").pop() ?? "";
    if ((STACK_ROLES as readonly string[]).includes(candidate)) return candidate as StackRole;
    const why =
        role === undefined
            ? `its name does not end with one of ${STACK_ROLES.join(", ")}`
            : `role "${role}" is not one of ${STACK_ROLES.join(", ")}`;
    throw new StackOutputsError(
        `Cannot tell which twine-infra outputs "${stackName}" exports: ${why}. ` +
            `Fix: pass its account role, e.g. readStackOutputs("${stackName}", { role: "prod" }).`,
    );
}

/**
 * Reads a twine-infra stack's outputs through a StackReference and checks them against the outputs contract.
 * Resolves to plain typed values; rejects with a StackOutputsError naming every missing or malformed output.
 *
 *     const prod = await readStackOutputs("twine/twine-infra/prod");
 *     prod.privateSubnetIds; // string[]
 */
export async function readStackOutputs<N extends string, R extends StackRole = RoleOf<N>>(
    stackName: N,
    options: ReadStackOutputsOptions<R> = {},
): Promise<OutputsOf<R>> {
    const role = roleFor(stackName, options.role);
    const ref = new pulumi.StackReference(options.resourceName ?? stackName, { name: stackName }, options.opts);
    const reading = await readContractOutputs(ref, OUTPUT_CONTRACTS[role]);
    if (reading.ok) return reading.data as OutputsOf<R>;
    if (reading.missing.length > 0) {
        throw new StackOutputsError(
            `The ${role} stack ${stackName} does not export ${reading.missing.join(", ")}. ` +
                `Fix: check the stack name (org/twine-infra/<stack>) and that the stack has been deployed; ` +
                `a stack deployed from an older twine-infra may lack outputs this version of the package expects.`,
        );
    }
    throw new StackOutputsError(
        `The ${role} stack ${stackName} exports outputs that do not match the contract:\n - ${reading.problems.join("\n - ")}\n` +
            `Fix: use the version of @twine/infra-outputs that matches the stack's deployed revision (see its CHANGELOG).`,
    );
}
