import { ConfigError, EnvStackConfig, envCrossStackProblems } from "../config";
import { networkOutputs, newNetwork, stackContext } from "./context";
import { EnvOutputs, Exported, bastionOutputsSchema, dnsOutputsSchema, envOutputsSchema } from "./outputs";
import { readUpstream } from "./upstream";
import { accountBaseline } from "../components/accountBaseline";

/** Upstream outputs an environment stack builds on, read and checked before anything is declared. */
export async function readEnvUpstreams(config: EnvStackConfig) {
    const dns = await readUpstream("dns", config.stacks.dns, dnsOutputsSchema);
    const bastion = await readUpstream("bastion", config.stacks.bastion, bastionOutputsSchema);
    const dev = config.accountRole === "prod" && config.stacks.dev ? await readUpstream("dev", config.stacks.dev, envOutputsSchema) : undefined;
    return { dns, bastion, dev };
}

/** A dev or prod account: the environment's VPC and everything that runs in it. */
export async function buildEnvStack(config: EnvStackConfig, stack: string): Promise<Exported<EnvOutputs>> {
    // StackReferences only read; the cross-stack rules run before the first real resource (the provider).
    const upstream = await readEnvUpstreams(config);
    const problems = envCrossStackProblems({
        role: config.accountRole,
        cidr: config.network.cidr,
        region: config.region,
        bastion: { stack: "bastion", cidr: upstream.bastion.vpcCidr, region: upstream.bastion.region },
        otherEnv: upstream.dev && { stack: "dev", cidr: upstream.dev.vpcCidr, region: upstream.dev.region },
    });
    if (problems.length > 0) {
        throw new ConfigError(stack, problems);
    }

    const ctx = stackContext(config, stack);
    accountBaseline(config, ctx.provider);
    const network = newNetwork(ctx);
    return {
        accountId: config.accountId,
        region: config.region,
        ...networkOutputs(network),
    };
}
