import type { Violation } from "../policy/rules";
import { Plan, PlannedResource } from "./run";

/** The plan as JSON: two spaces, keys already in a fixed order, a trailing newline; `policy` last when given. */
export function renderJson(plan: Plan, policy?: readonly Violation[]): string {
    return `${JSON.stringify(policy ? { ...plan, policy } : plan, null, 2)}\n`;
}

/** A human summary: resource counts per type, then the tree of resources by parent. */
export function renderText(plan: Plan, policy?: readonly Violation[]): string {
    const lines: string[] = [`Stack ${plan.stack} (${plan.project}): ${plan.resources.length} resources`, "", "Resources per type:"];
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map(t => t.length));
    for (const [type, count] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
        lines.push(`  ${type.padEnd(width)}  ${String(count).padStart(4)}`);
    }
    lines.push("", "Tree:");
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of plan.resources) {
        const siblings = children.get(r.parent) ?? [];
        siblings.push(r);
        children.set(r.parent, siblings);
    }
    const walk = (parent: string | null, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const flags = [r.options.protect ? "protected" : "", r.options.retainOnDelete ? "retained" : ""].filter(Boolean).join(", ");
            lines.push(`${"  ".repeat(depth + 1)}${r.name} (${r.type})${flags ? ` [${flags}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(null, 0);
    lines.push("", "Outputs:");
    for (const [key, value] of Object.entries(plan.outputs)) lines.push(`  ${key}: ${JSON.stringify(value)}`);
    if (policy) {
        lines.push("", `Policy (twine-guardrails): ${policy.filter(v => v.level === "mandatory").length} mandatory, ${policy.filter(v => v.level === "advisory").length} advisory violations`);
        for (const v of policy) lines.push(`  [${v.level}] ${v.rule}: ${v.urn ?? "(stack)"}: ${v.message}`);
    }
    return `${lines.join("\n")}\n`;
}
