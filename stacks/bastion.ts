import { BastionStackConfig } from "../config";
import { stackContext, networkOutputs, newNetwork } from "./context";
import { deploymentPreviews } from "./deployments";
import { BastionOutputs, Exported } from "./outputs";

/** The bastion account: a small VPC holding the one SSH entry point to dev and prod. */
export async function buildBastionStack(config: BastionStackConfig, stack: string): Promise<Exported<BastionOutputs>> {
    const ctx = stackContext(config, stack);
    const network = newNetwork(ctx);
    deploymentPreviews(ctx);
    return {
        accountId: config.accountId,
        region: config.region,
        ...networkOutputs(network),
    };
}
