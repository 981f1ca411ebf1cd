import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { buildBastionStack } from "./bastionStack";
import { buildDnsStack } from "./dnsStack";
import { buildEnvStack } from "./envStack";

/** Builds what the stack's account needs, chosen by its accountRole, and returns the stack outputs. */
export async function buildStack(config: StackConfig): Promise<Record<string, unknown>> {
    const stack = pulumi.getStack();
    switch (config.accountRole) {
        case "dns":
            return buildDnsStack(config, stack);
        case "bastion":
            return buildBastionStack(config, stack);
        case "dev":
        case "prod":
            return buildEnvStack(config, stack);
    }
}
