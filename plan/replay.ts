/**
 * Replays a recorded plan through the same deterministic mocks that produced it, to recover what each resource
 * returned (ids, ARNs, attributes). The plan records inputs only; with the outputs back, a check can tell which
 * inputs carry another resource's outputs (a dependency) and which values are mocked ids rather than data.
 */
import { PlanMocks } from "./mocks";
import { Plan } from "./run";

/** Package names of this project's ComponentResources (type token twine:index:<Name>). */
export const COMPONENT_PACKAGES: readonly string[] = ["twine"];

/** The stack, providers and this project's components: nothing is created in the cloud for them. */
export function isLogical(type: string): boolean {
    return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:") || COMPONENT_PACKAGES.includes(type.split(":")[0]);
}

/** Every string inside a value (object keys excluded). */
export function stringLeaves(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach(v => stringLeaves(v, out));
    else if (value && typeof value === "object") Object.values(value).forEach(v => stringLeaves(v, out));
    return out;
}

/**
 * The values each custom resource of the plan received from the mocks (its id and the attributes the mocks add),
 * keyed by URN. Values that are not specific to one resource (its own inputs, account ids, regions, short
 * strings, anything two resources share) are left out, so finding one in an input names its producer.
 */
export function mockedOutputs(plan: Plan): Map<string, string[]> {
    const providers = plan.resources.filter(r => r.type.startsWith("pulumi:providers:"));
    const first = providers[0]?.inputs;
    const accountIds = first && Array.isArray(first.allowedAccountIds) ? first.allowedAccountIds.map(String) : [];
    const mocks = new PlanMocks({ accountId: accountIds[0] ?? "000000000000", region: String(first?.region ?? "us-east-1") }, new Map());
    const common = new Set<string>(providers.flatMap(p => stringLeaves(p.inputs)));

    const providerRefs = new Map<string, string>();
    for (const p of providers) {
        const { id } = mocks.newResource({ type: p.type, name: p.name, inputs: p.inputs, custom: true });
        providerRefs.set(p.urn, `${p.urn}::${id}`);
    }
    const produced = new Map<string, string[]>();
    for (const r of plan.resources) {
        if (isLogical(r.type) || r.type === "pulumi:pulumi:StackReference") continue;
        let result: { id: string | undefined; state: Record<string, unknown> };
        try {
            result = mocks.newResource({
                type: r.type,
                name: r.name,
                inputs: r.inputs,
                provider: r.provider ? providerRefs.get(r.provider) : undefined,
                custom: true,
            });
        } catch {
            continue; // a mock that cannot replay sanitised inputs: the resource's edges then come from URNs only
        }
        const own = new Set(stringLeaves(r.inputs));
        const values = [result.id ?? "", ...stringLeaves(result.state)].filter(
            v => v.length >= 8 && !own.has(v) && !common.has(v) && !/^\d+$/.test(v),
        );
        produced.set(r.urn, [...new Set(values)]);
    }
    // A value two resources share identifies neither.
    const producers = new Map<string, Set<string>>();
    for (const [urn, values] of produced) for (const v of values) (producers.get(v) ?? producers.set(v, new Set()).get(v)!).add(urn);
    for (const [urn, values] of produced)
        produced.set(
            urn,
            values.filter(v => producers.get(v)!.size === 1),
        );
    return produced;
}
