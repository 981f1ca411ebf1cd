import { BastionStackConfig } from "../config";
import { stackContext, networkOutputs, newNetwork } from "./context";
import { BastionOutputs, Exported } from "./outputs";
import { accountBaseline } from "../components/accountBaseline";

/** The bastion account: a small VPC holding the one SSH entry point to dev and prod. */
export async function buildBastionStack(config: BastionStackConfig, stack: string): Promise<Exported<BastionOutputs>> {
    const ctx = stackContext(config, stack);
    accountBaseline(config, ctx.provider);
    const network = newNetwork(ctx);
    return {
        accountId: config.accountId,
        region: config.region,
        ...networkOutputs(network),
    };
}
