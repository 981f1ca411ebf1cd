import * as pulumi from "@pulumi/pulumi";
import { ConfigError, StackConfig, loadStackConfig } from "../config";
import { buildBastionStack } from "./bastionStack";
import { buildDnsStack } from "./dnsStack";
import { buildEnvStack, crossStackProblemsOfRaw } from "./envStack";
import { committedStackAccounts, oneStackPerAccountProblems } from "./oneStackPerAccount";
import { bastionGrantTargetMessages, peerEnvironments, siblingStackFolder } from "./peerEnvironments";

/**
 * The stack's validated config. When the schema refuses it, the cross-stack rules still run on the usable parts
 * (an overlapping CIDR beside a type error), so one round reports every problem.
 */
export async function loadConfig(): Promise<StackConfig> {
    try {
        return loadStackConfig();
    } catch (err) {
        if (!(err instanceof ConfigError) || !err.values) throw err;
        const more = await crossStackProblemsOfRaw(err.values);
        if (more.length === 0) throw err;
        throw new ConfigError(err.stack, [...err.problems, ...more.filter(p => !err.problems.includes(p))]);
    }
}

/** Builds what the stack's account needs, chosen by its accountRole, and returns the stack outputs. */
export async function buildStack(config: StackConfig): Promise<Record<string, unknown>> {
    const stack = pulumi.getStack();
    const problems = oneStackPerAccountProblems(
        { stack, accountId: config.accountId, region: config.region },
        committedStackAccounts(siblingStackFolder()),
    );
    if (config.accountRole === "bastion") {
        problems.push(...bastionGrantTargetMessages(config.bastionHost.peers, peerEnvironments(siblingStackFolder())));
    }
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
