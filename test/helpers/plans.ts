/**
 * Plans shared by the test files: each committed stack is planned once per test run (the mock runtime is
 * global, so plans run one at a time) and the result is reused.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Plan, PlanOptions, PlannedResource, planStack } from "../../plan/run";
import { planOrganization } from "../../scripts/docs";
import { engineUrns } from "../../plan/urns";
import { FIXTURES, REPO } from "./config";

export { FIXTURES };

export const STACKS = ["dns", "bastion", "dev", "prod"] as const;
export type StackName = (typeof STACKS)[number];

const cache = new Map<string, Promise<Plan>>();
let queue: Promise<unknown> = Promise.resolve();

/** Plans run strictly one after another: the mock runtime is process-wide. */
function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
}

/**
 * The plan of a fixture stack (test/fixtures, upstream stacks from there too), once per test run: what the tests
 * that pin exact values read.
 */
/** Runs a plan in the one queue every plan of the test run shares (the mock runtime is process-wide). */
export function serialPlan(work: () => Promise<Plan>): Promise<Plan> {
    return serial(work);
}

export function planOf(stack: StackName): Promise<Plan> {
    return fixturePlanOf(stack);
}

/** The plan of a committed stack file, once per test run: only for assertions that hold for any valid config. */
export function committedPlanOf(stack: StackName): Promise<Plan> {
    let plan = cache.get(stack);
    if (!plan) {
        plan = serial(() => planStack(stack));
        cache.set(stack, plan);
    }
    return plan;
}

/**
 * A list kept by hand in the program (`list`, in `file`) equals what each plan of the stack, its fixture's and its
 * committed stack file's, derives: else the failure says what to paste where.
 */
export async function assertListedAsPlanned(
    stack: StackName,
    list: string,
    file: string,
    listed: readonly string[],
    derive: (plan: Plan) => string[],
): Promise<void> {
    for (const plan of [await planOf(stack), await committedPlanOf(stack)]) {
        const derived = derive(plan);
        assert.deepEqual([...listed], derived, `Fix: set ${list}.${stack} (${file}) to ${JSON.stringify(derived)}`);
    }
}

/**
 * The plan of the organization stack (pulumi-cloud/), which declares every Pulumi Cloud resource of the project's
 * stacks from their stack files: those of the fixtures, or the committed ones (REPO). Once per test run.
 */
export function organizationPlanOf(projectDir: string = FIXTURES): Promise<Plan> {
    const key = `organization:${projectDir}`;
    let plan = cache.get(key);
    if (!plan) {
        plan = serial(() => planOrganization(projectDir));
        cache.set(key, plan);
    }
    return plan;
}

/** The organization stack's plan over the fixtures, with stack files replaced by other config files (not cached). */
export function organizationPlanWith(configFiles: Readonly<Record<string, string>>): Promise<Plan> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-organization-"));
    for (const f of fs.readdirSync(FIXTURES).filter(f => /^Pulumi\..*yaml$/.test(f)))
        fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
    for (const [stack, file] of Object.entries(configFiles)) fs.copyFileSync(file, path.join(dir, `Pulumi.${stack}.yaml`));
    return serial(() => planOrganization(dir));
}

/** Plans a stack from another config file, with the fixtures as its upstream stacks (not cached). */
export function planWithConfig(stack: string, configFile: string): Promise<Plan> {
    return serial(() => planStack(stack, { projectDir: FIXTURES, configFile }));
}

export function ofType(plan: Plan, type: string): PlannedResource[] {
    return plan.resources.filter(r => r.type === type);
}

export function byUrn(plan: Plan, urn: string | null): PlannedResource | undefined {
    return plan.resources.find(r => r.urn === urn);
}

/** The resource's ancestors, nearest first. */
export function ancestors(plan: Plan, resource: PlannedResource): PlannedResource[] {
    const chain: PlannedResource[] = [];
    for (let p = byUrn(plan, resource.parent); p; p = byUrn(plan, p.parent)) chain.push(p);
    return chain;
}

/** The URN the Pulumi engine gives a planned resource (plan/urns.ts): the SDK's mocks keep only the nearest parent's type. */
export function engineUrnOf(plan: Plan, resource: PlannedResource): string {
    return engineUrns(plan).get(resource.urn)!;
}

/** Runs `npx twine-infra plan <args>` as a user does (the package's bin, from the repository root). */
export function runCli(...args: string[]) {
    return spawnSync(process.execPath, [path.join(REPO, "scripts", "twine-infra.js"), "plan", ...args], {
        cwd: REPO,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
}

const fixtureCache = new Map<string, Promise<Plan>>();

/** Plans a fixture stack (upstream stacks from the fixtures too), once per test run. */
export function fixturePlanOf(stack: StackName): Promise<Plan> {
    let plan = fixtureCache.get(stack);
    if (!plan) {
        plan = serial(() => planStack(stack, { projectDir: FIXTURES }));
        fixtureCache.set(stack, plan);
    }
    return plan;
}

/** Plans a fixture stack from an edited copy of its file (upstream stacks from the fixtures); not cached. */
export function planFixtureWith(stack: StackName, configFile: string, options: Pick<PlanOptions, "peers"> = {}): Promise<Plan> {
    return serial(() => planStack(stack, { projectDir: FIXTURES, configFile, ...options }));
}
