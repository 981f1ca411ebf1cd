/**
 * Adapts the plain rules (policy/rules) to @pulumi/policy: resource rules become ResourceValidationPolicies
 * filtered by type, stack rules StackValidationPolicies. Rules that read pack settings declare them as the
 * policy's config schema, so `--policy-pack-config` can set them.
 */
import { PolicyConfigSchema, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PackSettings, PolicyInput, RULES, ResourceProps, Rule, appliesTo, policyInput } from "./rules";

const SETTING_SCHEMAS: Record<keyof PackSettings, { type: "array"; items: { type: "string" }; description: string }> = {
    accounts: { type: "array", items: { type: "string" }, description: "The deployment's 12-digit AWS account ids." },
    bastionCidrs: { type: "array", items: { type: "string" }, description: "CIDRs SSH into dev and prod may come from (the bastion VPC)." },
};

function configSchema(rule: Rule): PolicyConfigSchema | undefined {
    if (!rule.settings || rule.settings.length === 0) return undefined;
    return { properties: Object.fromEntries(rule.settings.map(k => [k, SETTING_SCHEMAS[k]])) };
}

function toInput(r: {
    type: string;
    urn: string;
    name: string;
    props: ResourceProps;
    opts: { protect: boolean; ignoreChanges: string[] };
    provider?: PolicyResource["provider"];
    parent?: PolicyResource;
    propertyDependencies?: Record<string, PolicyResource[]>;
}): PolicyInput {
    const propertyDependencies =
        r.propertyDependencies && Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, deps]) => [k, deps.map(d => d.urn)]));
    return policyInput({ ...r, parent: r.parent?.urn, propertyDependencies }, r.opts, r.provider);
}

export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
    const base = {
        name: rule.name,
        description: `[${rule.control}] ${rule.description}`,
        enforcementLevel: rule.enforcementLevel,
        configSchema: configSchema(rule),
        tags: [rule.area],
    };
    if (rule.kind === "resource") {
        return {
            ...base,
            validateResource: (args, reportViolation) => {
                if (!appliesTo(rule, args.type)) return;
                const settings = rule.settings ? args.getConfig<PackSettings>() : {};
                for (const message of rule.check(toInput(args), { settings })) reportViolation(message);
            },
        };
    }
    return {
        ...base,
        validateStack: (args, reportViolation) => {
            const settings = rule.settings ? args.getConfig<PackSettings>() : {};
            for (const v of rule.check(args.resources.map(toInput), { settings })) reportViolation(v.message, v.urn);
        },
    };
}

export const policies = RULES.map(toPolicy);
