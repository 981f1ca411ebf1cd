/**
 * Runs the pack over the offline plan: plan records become the inputs the rules read (provider URNs resolved
 * to the provider resource, as the policy engine does), and the project's stack files supply the pack settings.
 */
import type { Plan } from "./run";
import { readStackSettings } from "./stackFile";
import { PackSettings, PolicyInput, RULES, Rule, Violation, evaluate, policyInput } from "../policy/rules";

export function planResources(plan: Pick<Plan, "resources">): PolicyInput[] {
    const byUrn = new Map(plan.resources.map(r => [r.urn, r]));
    return plan.resources
        .filter(r => r.type !== "pulumi:pulumi:Stack")
        .map(r => {
            const provider = r.provider ? byUrn.get(r.provider) : undefined;
            return policyInput({ ...r, props: r.inputs }, r.options, provider && { ...provider, props: provider.inputs });
        });
}

/**
 * The settings a deployment of this project passes to the pack: its four accounts, and the bastion VPC as
 * the only source of SSH into dev and prod. The README shows the same as --policy-pack-config.
 */
export function projectPackSettings(projectDir: string, stacks: readonly string[] = ["dns", "bastion", "dev", "prod"]): PackSettings {
    const configs = stacks.map(s => readStackSettings(projectDir, s));
    const project = configs[0]?.project ?? "twine-infra";
    const accounts = [
        ...new Set(configs.map(c => c.config[`${project}:accountId`]).filter((a): a is string => typeof a === "string")),
    ].sort();
    const bastion = configs.find(c => c.config[`${project}:accountRole`] === "bastion");
    const network = bastion?.config[`${project}:network`];
    const bastionCidr = network ? (JSON.parse(network) as { cidr?: string }).cidr : undefined;
    return { accounts, bastionCidrs: bastionCidr ? [bastionCidr] : undefined };
}

export function evaluatePlan(plan: Pick<Plan, "resources">, settings: PackSettings): Violation[] {
    return evaluate(planResources(plan), settings);
}

/**
 * The pack's config (`--policy-pack-config`) for these settings: for each rule that reads settings, the ones it
 * declares, keyed by the rule's name, as Pulumi passes them to the policy's config schema.
 */
export function packConfig(settings: PackSettings, rules: readonly Rule[] = RULES): Record<string, Partial<PackSettings>> {
    const config: Record<string, Partial<PackSettings>> = {};
    for (const rule of rules) {
        const entries = (rule.settings ?? []).filter(k => settings[k] !== undefined).map(k => [k, settings[k]]);
        if (entries.length > 0) config[rule.name] = Object.fromEntries(entries);
    }
    return config;
}
