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

/** User data as a reviewer reads it: the cloud-config text (launch templates hold it base64-encoded). */
export function userDataText(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    if (value.startsWith("#")) return value;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return /^(#cloud-config|#!|Content-Type: multipart)/.test(decoded) ? decoded : undefined;
}

/** A line diff (longest common subsequence), as `-`/`+` lines with a line of context either side of each change. */
export function lineDiff(oldText: string, newText: string, context = 1): string[] {
    const a = oldText.split("\n");
    const b = newText.split("\n");
    const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    const ops: { op: " " | "-" | "+"; line: string }[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i] === b[j]) {
            ops.push({ op: " ", line: a[i] });
            i++;
            j++;
        } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ op: "-", line: a[i++] });
        else ops.push({ op: "+", line: b[j++] });
    }
    const near = (k: number) => ops.slice(Math.max(0, k - context), k + context + 1).some(o => o.op !== " ");
    const out: string[] = [];
    ops.forEach((o, k) => {
        if (o.op !== " " || near(k)) out.push(`${o.op} ${o.line}`);
        else if (out.length > 0 && out[out.length - 1] !== "  ...") out.push("  ...");
    });
    return out[out.length - 1] === "  ..." ? out.slice(0, -1) : out;
}

function changeLines(ch: PlanDiff["changes"][number]["changes"][number]): string[] {
    const why = ch.forcesReplacement ? `  (forces replacement${ch.why ? `: ${ch.why}` : ""})` : "";
    const [oldText, newText] = [userDataText(ch.old), userDataText(ch.new)];
    if (/^userData(Base64)?$/.test(ch.path) && oldText !== undefined && newText !== undefined) {
        return [`        ${ch.path} (decoded):${why}`, ...lineDiff(oldText, newText).map(l => `          ${l}`)];
    }
    return [`        ${ch.path}: ${changeText(ch.old, ch.new)}${why}`];
}

/** The diff as a reviewer reads it, ending with the line Terraform users know. */
export function renderDiffText(diff: PlanDiff): string {
    const lines = [`Changes to ${diff.stack} against ${diff.against}:`];
    const depth = new Map<string, number>();
    for (const c of diff.changes) {
        const d = c.parent && depth.has(c.parent) ? depth.get(c.parent)! + 1 : 0;
        depth.set(c.urn, d);
        const notes = [
            c.protected ? "PROTECTED: pulumi up refuses to delete it; unprotect it first if this is meant" : "",
            c.retained ? "retained: the old one stays in the account" : "",
            c.deleteBeforeReplace ? "delete before replace: the old one is deleted first, a gap without it" : "",
            c.component ? "component, not counted" : "",
        ].filter(Boolean);
        const indent = "  ".repeat(d);
        lines.push(
            `  ${indent}${SYMBOL[c.action].padEnd(2)} ${c.action.padEnd(7)} ${c.name} (${c.type})` +
                (notes.length ? `  [${notes.join("; ")}]` : ""),
        );
        for (const ch of c.changes) lines.push(...changeLines(ch).map(l => `${indent}${l}`));
    }
    if (diff.changes.length === 0) lines.push("  no changes");
    if (diff.notes.length > 0) {
        lines.push("", "Resource options that change (the engine records them; nothing changes in the cloud, not counted):");
        for (const n of diff.notes) {
            lines.push(`  ${n.name} (${n.type})`);
            for (const ch of n.changes) lines.push(...changeLines(ch));
        }
    }
    const protectedHits = diff.changes.filter(c => c.protected);
    if (protectedHits.length > 0) {
        lines.push(
            "",
            "Protected resources this change would delete or replace (the deploy stops at them): " +
                protectedHits.map(c => c.name).join(", "),
        );
    }
    if (diff.refreshes.length > 0) {
        lines.push("", "Instance refreshes (the launch template changes, so AWS replaces the group's servers):");
        for (const r of diff.refreshes) {
            const prefs = (r.settings as { preferences?: Record<string, unknown>; strategy?: string }) ?? {};
            const settings = [
                prefs.strategy ?? "",
                ...Object.entries(prefs.preferences ?? {}).map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`),
            ].filter(Boolean);
            const pool = r.warmPoolMinSize === null ? "" : ` plus its warm pool (at least ${r.warmPoolMinSize} stopped)`;
            lines.push(
                `  ${r.group}: the group's current size (${r.minSize} to ${r.maxSize} servers, set by autoscaling)${pool} ` +
                    `from ${r.launchTemplate}; ${settings.join(", ")}`,
            );
        }
    }
    if (diff.outputs.length > 0) {
        lines.push("", "Outputs that change:");
        for (const o of diff.outputs) lines.push(`  ${o.name}: ${changeText(o.old, o.new)}`);
    }
    const sign = (n: number | null) => (n === null ? "unknown" : n > 0 ? `+${usd(n)}` : n < 0 ? `-${usd(-n)}` : usd(0));
    const total = (n: number | null) => (n === null ? "unknown" : usd(n));
    lines.push("", `Estimated fixed monthly cost: ${total(diff.cost.old)} -> ${total(diff.cost.new)} (${sign(diff.cost.delta)})`);
    for (const g of diff.cost.groups.filter(x => x.delta !== 0))
        lines.push(`  ${g.name}: ${total(g.old)} -> ${total(g.new)} (${sign(g.delta)})`);
    if (diff.cost.unpriced.length > 0)
        lines.push(
            `  unknown: no price in plan/prices.ts for ${diff.cost.unpriced.join(", ")} (a total or environment with one is unknown)`,
        );
    lines.push("", `Plan: ${diff.summary.add} to add, ${diff.summary.change} to change, ${diff.summary.destroy} to destroy.`);
    return `${lines.join("\n")}\n`;
}

export function renderDiffJson(diff: PlanDiff): string {
    return `${JSON.stringify(diff, null, 2)}\n`;
}
