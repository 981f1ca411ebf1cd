/**
 * The deploy critical path of a planned stack: the dependency graph the engine will honour (parents, providers,
 * dependsOn, and inputs that carry another resource's outputs), and its longest chain weighted by typical
 * creation times. Works on any plan: the outputs each resource had are recomputed by replaying the plan through
 * the same deterministic mocks (plan/mocks.ts), then found again inside other resources' inputs.
 */
import { mockedOutputs, stringLeaves } from "../plan/replay";
import { Plan, PlannedResource } from "../plan/run";
import { ResolvedCreationTime, creationTimeOf } from "./creationTimes";

export type EdgeKind = "parent" | "provider" | "dependsOn" | "input";

/** For each resource URN, the URNs it waits for and why. */
export type DependencyGraph = ReadonlyMap<string, ReadonlyMap<string, EdgeKind>>;

export interface ChainLink {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly time: ResolvedCreationTime;
    /** Why this link waits for the previous one. */
    readonly via?: EdgeKind;
}

export interface CriticalPath {
    /** Sum of the chain's creation times. */
    readonly seconds: number;
    /** First created first. */
    readonly chain: readonly ChainLink[];
    /** Types in the plan that got the default creation time. */
    readonly unknownTypes: readonly string[];
}

/** The graph of what waits for what. */
export function dependencyGraph(plan: Plan): DependencyGraph {
    const urns = new Set(plan.resources.map(r => r.urn));
    const fingerprints = new Map<string, string>();
    for (const [urn, values] of mockedOutputs(plan)) for (const v of values) fingerprints.set(v, urn);
    for (const urn of urns) fingerprints.set(urn, urn); // resource references print as their URN
    const sorted = [...fingerprints.keys()].sort((a, b) => b.length - a.length);

    const graph = new Map<string, Map<string, EdgeKind>>();
    for (const r of plan.resources) {
        const deps = new Map<string, EdgeKind>();
        const add = (urn: string | null | undefined, kind: EdgeKind) => {
            if (urn && urn !== r.urn && urns.has(urn) && !deps.has(urn)) deps.set(urn, kind);
        };
        r.options.dependsOn.forEach(urn => add(urn, "dependsOn"));
        for (const leaf of stringLeaves(r.inputs)) {
            const exact = fingerprints.get(leaf);
            if (exact) add(exact, "input");
            else for (const f of sorted) if (f.length < leaf.length && leaf.includes(f)) add(fingerprints.get(f), "input");
        }
        add(r.parent, "parent");
        add(r.provider, "provider");
        graph.set(r.urn, deps);
    }
    return graph;
}

/** The longest chain of the graph, each resource weighted by its creation time. */
export function criticalPath(plan: Plan, graph: DependencyGraph = dependencyGraph(plan)): CriticalPath {
    const byUrn = new Map<string, PlannedResource>(plan.resources.map(r => [r.urn, r]));
    const time = new Map<string, ResolvedCreationTime>(plan.resources.map(r => [r.urn, creationTimeOf(r.type, r.inputs)]));
    const finish = new Map<string, { seconds: number; from?: string }>();
    const visiting = new Set<string>();

    const visit = (urn: string): number => {
        const done = finish.get(urn);
        if (done) return done.seconds;
        if (visiting.has(urn)) throw new Error(`The plan's dependencies form a cycle through ${urn}`);
        visiting.add(urn);
        let best: { seconds: number; from?: string } = { seconds: 0 };
        for (const dep of [...(graph.get(urn)?.keys() ?? [])].sort()) {
            // An "input" edge is inferred from a value found in the inputs; a value the program can compute
            // without the resource (an ARN built from a known name) can close a false loop. Explicit edges
            // (parent, provider, dependsOn) never loop in a valid program, so only they make a cycle an error.
            if (visiting.has(dep) && graph.get(urn)!.get(dep) === "input") continue;
            const s = visit(dep);
            if (s > best.seconds) best = { seconds: s, from: dep };
        }
        visiting.delete(urn);
        const total = best.seconds + time.get(urn)!.seconds;
        finish.set(urn, { seconds: total, from: best.from });
        return total;
    };
    let end: string | undefined;
    for (const r of plan.resources) if (visit(r.urn) > (end ? finish.get(end)!.seconds : -1)) end = r.urn;

    const chain: ChainLink[] = [];
    for (let urn = end; urn; urn = finish.get(urn)!.from) {
        const r = byUrn.get(urn)!;
        chain.unshift({ urn, type: r.type, name: r.name, time: time.get(urn)! });
    }
    const linked = chain.map((link, i) => (i === 0 ? link : { ...link, via: graph.get(link.urn)!.get(chain[i - 1].urn) }));
    const unknownTypes = [...new Set(plan.resources.filter(r => !time.get(r.urn)!.known).map(r => r.type))].sort();
    // Logical links (components, providers) add nothing; keep the chain to what takes time.
    return { seconds: end ? finish.get(end)!.seconds : 0, chain: linked.filter(l => l.time.seconds > 0), unknownTypes };
}

/** "2m30s" style. */
export function formatDuration(seconds: number): string {
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds % 60);
    return m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}
