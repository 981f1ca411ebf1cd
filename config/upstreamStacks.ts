/** The `stacks` section of the env stacks: the upstream stacks they read through StackReferences. */
import { z } from "zod";
import { stackNameSchema } from "./primitives";

export const upstreamStacksSchema = z
    .strictObject({
        dns: stackNameSchema.describe("Fully qualified name of the dns stack, e.g. acme/twine-infra/dns. Required."),
        bastion: stackNameSchema.describe("Fully qualified name of the bastion stack. Required."),
        dev: stackNameSchema
            .optional()
            .describe(
                "Fully qualified name of the dev stack; prod reads the tested AMI and dev's CIDR from it. " +
                    "Required in prod, refused elsewhere.",
            ),
    })
    .describe("Upstream stacks this stack reads through StackReferences (dev and prod only).");
