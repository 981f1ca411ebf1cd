import type { Violation } from "../policy/rules";
import { CostEstimate, renderCost, usd } from "./cost";
import { PlanDiff, ResourceChange } from "./diff";
import { Plan, PlannedResource } from "./run";
import { STACK_WIDE, environmentOf, renderSummary, summarizePlan } from "./summary";

/** Mandatory violations first, then advisory; each group in the pack's own order. */
export function policyOrder(policy: readonly Violation[]): Violation[] {
    return [...policy.filter(v => v.level === "mandatory"), ...policy.filter(v => v.level !== "mandatory")];
}

/** "name (type)" from a URN: what a reader needs to find the resource, not its 200-character URN. */
export function shortName(urn: string | null): string {
    if (!urn) return "(stack)";
    const parts = urn.split("::");
    const types = parts[2]?.split("$") ?? [];
    return `${parts[3] ?? urn} (${types[types.length - 1] ?? "?"})`;
}

/** The plan as JSON: two spaces, keys already in a fixed order, a trailing newline; `policy` last when given. */
export function renderJson(plan: Plan, policy?: readonly Violation[]): string {
    return `${JSON.stringify(policy ? { ...plan, policy: policyOrder(policy) } : plan, null, 2)}\n`;
}

/** A value on one line, folded when long: strings cut, long lists and objects shortened. */
export function folded(value: unknown, width = 100): string {
    const text = JSON.stringify(value) ?? "undefined";
    if (text.length <= width) return text;
    if (Array.isArray(value)) {
        const shown: string[] = [];
        for (const item of value) {
            const next = folded(item, 40);
            if ([...shown, next].join(", ").length > width - 20) break;
            shown.push(next);
        }
        return `[${shown.join(", ")}${shown.length < value.length ? `, ... ${value.length - shown.length} more` : ""}]`;
    }
    if (value && typeof value === "object") {
        const keys = Object.keys(value);
        return `{ ${keys.length} keys: ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", ..." : ""} }`;
    }
    return `${text.slice(0, width - 20)}... (${text.length} characters)`;
}

function policyLines(policy: readonly Violation[]): string[] {
    const mandatory = policy.filter(v => v.level === "mandatory").length;
    const lines = [`Policy (twine-guardrails): ${mandatory} mandatory, ${policy.length - mandatory} advisory violations`];
    for (const v of policyOrder(policy)) lines.push(`  [${v.level}] ${v.rule}: ${shortName(v.urn)}: ${v.message}`);
    return lines;
}

/**
 * A reader's view: the per-environment summary, the cost estimate, the resources grouped by environment (each
 * group a tree by parent), the outputs folded, and the policy findings, mandatory first.
 */
export function renderText(plan: Plan, policy?: readonly Violation[], cost?: CostEstimate): string {
    const lines: string[] = [...renderSummary(summarizePlan(plan)), ""];
    if (cost) lines.push(...renderCost(cost, false), "");
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map(t => t.length));
    lines.push("Resources per type:");
    for (const [type, count] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
        lines.push(`  ${type.padEnd(width)}  ${String(count).padStart(4)}`);
    }
    const envOf = environmentOf(plan);
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of plan.resources) {
        const siblings = children.get(r.parent) ?? [];
        siblings.push(r);
        children.set(r.parent, siblings);
    }
    const tree = (r: PlannedResource, depth: number, group: string) => {
        const flags = [r.options.protect ? "protected" : "", r.options.retainOnDelete ? "retained" : ""].filter(Boolean).join(", ");
        lines.push(`${"  ".repeat(depth + 1)}${r.name} (${r.type})${flags ? ` [${flags}]` : ""}`);
        for (const child of children.get(r.urn) ?? []) if (envOf.get(child.urn) === group) tree(child, depth + 1, group);
    };
    const groups = [...new Set(envOf.values())].sort((a, b) => (a === STACK_WIDE ? -1 : b === STACK_WIDE ? 1 : a.localeCompare(b)));
    for (const group of groups) {
        const members = plan.resources.filter(r => envOf.get(r.urn) === group);
        lines.push(
            "",
            group === STACK_WIDE
                ? `Resources of the whole stack (${members.length}):`
                : `Resources of environment ${group} (${members.length}):`,
        );
        // A group's roots: members whose parent is outside the group (or none).
        const roots = members.filter(r => !r.parent || envOf.get(r.parent) !== group);
        for (const root of roots) tree(root, 0, group);
    }
    lines.push("", "Outputs (long values folded; --format json prints them whole):");
    for (const [key, value] of Object.entries(plan.outputs)) {
        if (value && typeof value === "object" && !Array.isArray(value) && JSON.stringify(value).length > 100) {
            lines.push(`  ${key}:`);
            for (const [k, v] of Object.entries(value)) lines.push(`    ${k}: ${folded(v, 96)}`);
        } else lines.push(`  ${key}: ${folded(value)}`);
    }
    if (policy) lines.push("", ...policyLines(policy));
    return `${lines.join("\n")}\n`;
}

/** A changed value: lists of plain values as what leaves and what joins them, anything else as old => new. */
function changeText(old: unknown, next: unknown): string {
    const plain = (v: unknown): v is (string | number | boolean)[] => Array.isArray(v) && v.every(x => typeof x !== "object");
    if (plain(old) && plain(next)) {
        const removed = old.filter(x => !next.includes(x));
        const added = next.filter(x => !old.includes(x));
        if (removed.length + added.length > 0) {
            return [removed.length ? `removes ${folded(removed, 70)}` : "", added.length ? `adds ${folded(added, 70)}` : ""]
                .filter(Boolean)
                .join(", ");
        }
    }
    return `${folded(old, 60)} => ${folded(next, 60)}`;
}

const SYMBOL: Record<ResourceChange["action"], string> = { create: "+", update: "~", replace: "+-", delete: "-" };

/** The diff as a reviewer reads it, ending with the line Terraform users know. */
export function renderDiffText(diff: PlanDiff): string {
    const lines = [`Changes to ${diff.stack} against ${diff.against}:`];
    for (const c of diff.changes) {
        const notes = [
            c.protected ? "PROTECTED: pulumi up refuses to delete it; unprotect it first if this is meant" : "",
            c.retained ? "retained: the old one stays in the account" : "",
        ].filter(Boolean);
        lines.push(
            `  ${SYMBOL[c.action].padEnd(2)} ${c.action.padEnd(7)} ${c.name} (${c.type})${notes.length ? `  [${notes.join("; ")}]` : ""}`,
        );
        for (const ch of c.changes)
            lines.push(`        ${ch.path}: ${changeText(ch.old, ch.new)}${ch.forcesReplacement ? "  (forces replacement)" : ""}`);
    }
    if (diff.changes.length === 0) lines.push("  no changes");
    const protectedHits = diff.changes.filter(c => c.protected);
    if (protectedHits.length > 0) {
        lines.push(
            "",
            "Protected resources this change would delete or replace (the deploy stops at them): " +
                protectedHits.map(c => c.name).join(", "),
        );
    }
    const sign = (n: number) => (n > 0 ? `+${usd(n)}` : n < 0 ? `-${usd(-n)}` : usd(0));
    lines.push("", `Estimated fixed monthly cost: ${usd(diff.cost.old)} -> ${usd(diff.cost.new)} (${sign(diff.cost.delta)})`);
    for (const g of diff.cost.groups.filter(x => x.delta !== 0))
        lines.push(`  ${g.name}: ${usd(g.old)} -> ${usd(g.new)} (${sign(g.delta)})`);
    lines.push("", `Plan: ${diff.summary.add} to add, ${diff.summary.change} to change, ${diff.summary.destroy} to destroy.`);
    return `${lines.join("\n")}\n`;
}

export function renderDiffJson(diff: PlanDiff): string {
    return `${JSON.stringify(diff, null, 2)}\n`;
}
