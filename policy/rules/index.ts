/**
 * Every rule of the twine-guardrails pack, in one list: what the policy pack serves, what the offline plan
 * evaluates, and what the README's rule table is generated from.
 */
import { ciRules } from "./ci";
import { computeRules } from "./compute";
import { dataStoreRules } from "./dataStores";
import { dnsRules } from "./dns";
import { iamRules } from "./iam";
import { loadBalancerRules } from "./loadBalancers";
import { loggingRules } from "./logging";
import { networkRules } from "./network";
import { operationsRules } from "./operations";
import { storageRules } from "./storage";
import { structureRules } from "./structure";
import { PackSettings, PolicyInput, Rule, appliesTo } from "./types";

export * from "./types";

export const RULES: readonly Rule[] = [
    ...networkRules,
    ...computeRules,
    ...loadBalancerRules,
    ...dataStoreRules,
    ...storageRules,
    ...dnsRules,
    ...iamRules,
    ...ciRules,
    ...loggingRules,
    ...operationsRules,
    ...structureRules,
];

/** One finding, as the plan's "policy" section prints it. */
export interface Violation {
    readonly rule: string;
    readonly control: string;
    readonly level: Rule["enforcementLevel"];
    /** The resource at fault; null when the stack as a whole lacks something. */
    readonly urn: string | null;
    readonly message: string;
}

/** Runs rules over a stack's resources, as the policy engine would; sorted for stable output. */
export function evaluate(resources: readonly PolicyInput[], settings: PackSettings = {}, rules: readonly Rule[] = RULES): Violation[] {
    const ctx = { settings };
    const found: Violation[] = [];
    for (const rule of rules) {
        const base = { rule: rule.name, control: rule.control, level: rule.enforcementLevel };
        if (rule.kind === "stack") {
            for (const v of rule.check(resources, ctx)) found.push({ ...base, urn: v.urn ?? null, message: v.message });
            continue;
        }
        for (const r of resources) {
            if (!appliesTo(rule, r.type)) continue;
            for (const message of rule.check(r, ctx)) found.push({ ...base, urn: r.urn, message });
        }
    }
    const key = (v: Violation) => `${v.rule}\u0000${v.urn ?? ""}\u0000${v.message}`;
    return found.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
