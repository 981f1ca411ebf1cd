/**
 * URN stability across a refactor. The offline plan's mocks give a child a URN with only its parent's type; the
 * engine qualifies it with the whole chain of parent types (`twine:index:AppCluster$aws:s3/bucket:Bucket$...`), so
 * this module derives the engine's URNs from the plan's parent links, follows each resource's declared aliases and
 * the aliases a child inherits from its parent (as the engine does), and finds the URNs of an older plan that no
 * resource answers to any more: each of those would be deleted and created again.
 */
import { PlannedResource, Plan } from "./run";

/** The engine's URN of a resource of `type` named `name` under the resource whose engine URN is `parentUrn`. */
export function childUrn(parentUrn: string, type: string, name: string): string {
    const prefix = parentUrn.slice(0, parentUrn.lastIndexOf("::"));
    // The stack is nobody's qualifying type: its children's URNs start at their own type.
    if (prefix.endsWith("::pulumi:pulumi:Stack")) return `${prefix.slice(0, -"pulumi:pulumi:Stack".length)}${type}::${name}`;
    return `${prefix}$${type}::${name}`;
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Each resource's URN as the engine would compute it, keyed by its plan URN. */
export function engineUrns(plan: Plan): Map<string, string> {
    const byUrn = new Map(plan.resources.map(r => [r.urn, r]));
    const memo = new Map<string, string>();
    const of = (r: PlannedResource): string => {
        const known = memo.get(r.urn);
        if (known) return known;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        const urn = parent ? childUrn(of(parent), r.type, r.name) : r.urn;
        memo.set(r.urn, urn);
        return urn;
    };
    return new Map(plan.resources.map(r => [r.urn, of(r)]));
}

/**
 * Every engine URN each resource answers to: its own, one per declared alias, and for each former URN of its parent
 * the URNs it and its aliases had there (pulumi's inheritedChildAlias: a child named after its parent takes the
 * parent's old name).
 */
export function answeredUrns(plan: Plan): Map<string, string[]> {
    const byUrn = new Map(plan.resources.map(r => [r.urn, r]));
    const engine = engineUrns(plan);
    const memo = new Map<string, string[]>();
    const of = (r: PlannedResource): string[] => {
        const known = memo.get(r.urn);
        if (known) return known;
        const own = engine.get(r.urn)!;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        const declared = (r.options.aliases ?? []).map(a => {
            const aliasParent = a.parent ? engine.get(a.parent) : parent && engine.get(parent.urn);
            return aliasParent ? childUrn(aliasParent, a.type ?? r.type, a.name ?? r.name) : own;
        });
        // Under each former URN of the parent: the child's own name and type, and each of its declared aliases without a
        // parent of its own (pulumi's allAliases combines every child alias with every parent alias).
        const names = [{ name: r.name, type: r.type }, ...(r.options.aliases ?? []).filter(a => !a.parent)].map(a => ({
            name: a.name ?? r.name,
            type: a.type ?? r.type,
        }));
        const inherited = parent
            ? of(parent)
                  .slice(1)
                  .flatMap(former =>
                      names.map(({ name, type }) =>
                          childUrn(former, type, name.startsWith(parent.name) ? nameOf(former) + name.slice(parent.name.length) : name),
                      ),
                  )
            : [];
        const all = [...new Set([own, ...declared, ...inherited])];
        memo.set(r.urn, all);
        return all;
    };
    return new Map(plan.resources.map(r => [r.urn, of(r)]));
}

/** Engine URNs of `before` that no resource of `after` answers to: each would be replaced on the next `pulumi up`. */
export function lostUrns(before: readonly string[], after: Plan): string[] {
    const answered = new Set([...answeredUrns(after).values()].flat());
    return before.filter(urn => !answered.has(urn));
}
