import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, StackConfig } from "../config";
import { buildBastionStack } from "./bastionStack";
import { buildDnsStack } from "./dnsStack";
import { buildEnvStack } from "./envStack";
import { committedStackAccounts, oneStackPerAccountProblems } from "./oneStackPerAccount";

/** Builds what the stack's account needs, chosen by its accountRole, and returns the stack outputs. */
export async function buildStack(config: StackConfig): Promise<Record<string, unknown>> {
    const stack = pulumi.getStack();
    const problems = oneStackPerAccountProblems({ stack, accountId: config.accountId, region: config.region }, committedStackAccounts(path.join(__dirname, "..")));
    if (problems.length > 0) throw new ConfigError(stack, problems);
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
