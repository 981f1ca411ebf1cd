/**
 * The offline plan: runs the real program (index.ts) for a stack under Pulumi's mock runtime, from its real
 * Pulumi.<stack>.yaml, after planning the upstream stacks it references and feeding their outputs in. Records
 * every resource with its type, name, parent, provider, inputs and resource options.
 */
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { StackAccount, stacksSharingAnAccount } from "../components/account/awsNameConfig";
import { committedStackAccounts } from "../stacks/oneStackPerAccount";
import { bastionGrantTargetProblems, peerEnvironments, withSiblingStackFolder } from "../stacks/peerEnvironments";
import { InputError, closest, shownPath } from "./inputError";
import { PlanMocks, UpstreamStackOutputs } from "./mocks";
import { skipMappingSdkPromiseTraces } from "./promiseTraces";
import {
    SECRET_PLACEHOLDER,
    StackSettings,
    lineOfSetting,
    peerStacks,
    projectStacks,
    readStackSettings,
    upstreamStacks,
} from "./stackFile";

export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly provider: string | null;
    readonly inputs: Record<string, unknown>;
    readonly options: {
        readonly protect: boolean;
        readonly retainOnDelete: boolean;
        readonly ignoreChanges: readonly string[];
        readonly dependsOn: readonly string[];
        readonly deleteBeforeReplace: boolean;
        /** Outputs the engine stores as secrets; present only when the resource names some. */
        readonly additionalSecretOutputs?: readonly string[];
        /** Where the resource was before it moved (its own aliases, not its parent's); present only when set. */
        readonly aliases?: readonly PlannedAlias[];
        /** Inputs whose change replaces the resource (the replaceOnChanges option); present only when set. */
        readonly replaceOnChanges?: readonly string[];
    };
    /**
     * Per top-level input, the resources whose id or ARN it holds (the engine's propertyDependencies, as far as the
     * mocks' values show them); present only when there are some. A replaced resource changes those inputs.
     */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    /** Set on component resources: they group others and hold nothing in the cloud. */
    readonly component?: true;
}

/** An alias as declared: the parent (by URN), name or type the resource had before; left out, the current one. */
export interface PlannedAlias {
    readonly parent?: string;
    readonly name?: string;
    readonly type?: string;
}

export interface Plan {
    readonly stack: string;
    readonly project: string;
    readonly resources: readonly PlannedResource[];
    readonly outputs: Record<string, unknown>;
}

export interface PlanOptions {
    /** Folder holding Pulumi.yaml and the stack files. Defaults to this repository. */
    readonly projectDir?: string;
    /** Config file to use for the target stack instead of Pulumi.<stack>.yaml (same format). */
    readonly configFile?: string;
    /** The role the target stack's program runs as (its caller identity), e.g. pulumi-dev-preview. Defaults to a deployer. */
    readonly callerRole?: string;
    /**
     * What the bastion reads from the environment stacks (bastionHost.peers.<env>.stack): "first-deploy" (their stacks
     * exist without outputs: no routes, no database tunnels) or "deployed" (their plans' outputs, as on the bastion's
     * deploy after theirs). @default "first-deploy"
     */
    readonly peers?: "first-deploy" | "deployed";
}

/** An environment stack before its first deploy: `pulumi stack init` made it (runbook step 1); it has no outputs. */
const NOT_YET_DEPLOYED: UpstreamStackOutputs = { outputs: {}, secretOutputNames: [] };

/** A plan and, for downstream stacks, the raw outputs other stacks' references see. */
interface StackRun {
    readonly plan: Plan;
    readonly upstreamView: UpstreamStackOutputs;
}

// Internal to the SDK (absent from its typings) but what `pulumi` itself awaits before exiting: every pending
// registration has settled. The SDK version is pinned, and the plan tests fail if this stops working.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

skipMappingSdkPromiseTraces();

const PROGRAM = path.resolve(__dirname, "..", "index");
const REPO_ROOT = path.resolve(__dirname, "..");

interface Captured {
    readonly resource: pulumi.Resource;
    readonly type: string;
    readonly name: string;
    readonly opts: pulumi.CustomResourceOptions;
}

function resolved<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise(resolve => pulumi.output(output).apply(v => resolve(v as T)));
}

async function urnOf(resource: pulumi.Resource | undefined): Promise<string | null> {
    return resource ? resolved(resource.urn) : null;
}

/**
 * Secrets become "[secret]", resource references their URN, assets what they hold, and object keys are sorted
 * for stable JSON.
 */
export async function sanitize(value: unknown): Promise<unknown> {
    if (Array.isArray(value)) {
        return Promise.all(value.map(sanitize));
    }
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[specialSigKey] === specialSecretSig) {
            return SECRET_PLACEHOLDER;
        }
        if (pulumi.Resource.isInstance(value)) {
            return { urn: await resolved(value.urn) };
        }
        // An asset's content is a promise: record what it holds (a string asset's text, a file asset's path).
        if (pulumi.asset.Asset.isInstance(value)) {
            const asset = value as { text?: Promise<string>; path?: Promise<string>; uri?: Promise<string> };
            const [text, file, uri] = await Promise.all([asset.text, asset.path, asset.uri]);
            return { asset: text !== undefined ? { text } : file !== undefined ? { path: file } : { uri } };
        }
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(record).sort()) {
            if (record[key] !== undefined) {
                out[key] = await sanitize(record[key]);
            }
        }
        return out;
    }
    return value;
}

/** Provider inputs travel as strings (JSON for lists and objects); decode them so checks can read them. */
function decodeProviderInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    const decoded: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(inputs)) {
        if (typeof value === "string" && /^[[{]|^(true|false)$/.test(value)) {
            try {
                decoded[key] = JSON.parse(value);
                continue;
            } catch {
                // not JSON after all: keep the string
            }
        }
        decoded[key] = value;
    }
    return decoded;
}

async function dependsOnUrns(dependsOn: pulumi.CustomResourceOptions["dependsOn"]): Promise<string[]> {
    if (!dependsOn) return [];
    const list = await resolved(dependsOn as pulumi.Input<pulumi.Resource | pulumi.Resource[]>);
    const resources = Array.isArray(list) ? list : [list];
    return (await Promise.all(resources.map(r => resolved(r.urn)))).sort();
}

async function plannedAliases(aliases: pulumi.CustomResourceOptions["aliases"]): Promise<PlannedAlias[]> {
    const out: PlannedAlias[] = [];
    for (const alias of aliases ?? []) {
        const spec = (await resolved(alias as pulumi.Input<string | pulumi.Alias>)) as string | pulumi.Alias;
        if (typeof spec === "string") throw new Error(`alias ${spec}: give aliases as { parent, name, type }, which the plan can follow`);
        const parent = spec.parent && pulumi.Resource.isInstance(spec.parent) ? await urnOf(spec.parent) : undefined;
        out.push({
            ...(parent ? { parent } : {}),
            ...(spec.name !== undefined ? { name: await resolved(spec.name) } : {}),
            ...(spec.type !== undefined ? { type: await resolved(spec.type) } : {}),
        });
    }
    return out;
}

/** Every string inside a value, split into the tokens an id or ARN can be (JSON policies hold them quoted). */
function tokensOf(value: unknown, into: Set<string> = new Set()): Set<string> {
    if (typeof value === "string") {
        for (const t of value.split(/[^\w:/.*-]+/)) if (t) into.add(t.replace(/\/\*$/, ""));
    } else if (Array.isArray(value)) {
        for (const v of value) tokensOf(v, into);
    } else if (value && typeof value === "object") {
        for (const v of Object.values(value)) tokensOf(v, into);
    }
    return into;
}

/** Fills in each resource's propertyDependencies from the ids and ARNs the mocks gave the others. */
async function recordPropertyDependencies(resources: PlannedResource[], captured: readonly Captured[]): Promise<void> {
    const owner = new Map<string, string>();
    for (const c of captured) {
        if (!(c.resource instanceof pulumi.CustomResource)) continue;
        const urn = await resolved(c.resource.urn);
        const arn = (c.resource as unknown as { arn?: pulumi.Output<unknown> }).arn;
        for (const v of [await resolved(c.resource.id), pulumi.Output.isInstance(arn) ? await resolved(arn) : undefined]) {
            // Short values (a name like "web", a port) would match unrelated inputs.
            // The first to hold a value owns it: a certificate validation's id is its certificate's ARN.
            if (typeof v === "string" && v.length >= 8 && !owner.has(v)) owner.set(v, urn);
        }
    }
    for (const [i, r] of resources.entries()) {
        const deps: Record<string, string[]> = {};
        for (const [key, value] of Object.entries(r.inputs)) {
            const urns = [...tokensOf(value)].flatMap(t => (owner.has(t) && owner.get(t) !== r.urn ? [owner.get(t)!] : []));
            if (urns.length > 0) deps[key] = [...new Set(urns)].sort();
        }
        if (Object.keys(deps).length > 0) resources[i] = { ...r, propertyDependencies: deps };
    }
}

/**
 * A failing program leaves rejected promises behind in the SDK (the stack's outputs, pending registrations).
 * They belong to the run that failed, which already reports its first error; without this handler Node would
 * print them again and exit 1 instead of the plan's own exit code.
 */
let currentFailures: unknown[] | undefined;
process.on("unhandledRejection", reason => {
    currentFailures?.push(reason);
});

let lastRun: { readonly stack: string; readonly mocks: PlanMocks } | undefined;

/**
 * What the most recent stack run registered with the engine ("<type>::<name>", in order), even when it failed:
 * lets tests prove that bad input stops the program before it declares anything.
 */
export function lastRunRegistrations(): { stack: string; registered: string[] } | undefined {
    return lastRun && { stack: lastRun.stack, registered: [...lastRun.mocks.registered.keys()] };
}

type Program = () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** Runs the program (or `program`, for a component in isolation) once for one stack, upstream outputs known. */
async function runStack(
    settings: StackSettings,
    upstream: ReadonlyMap<string, UpstreamStackOutputs>,
    program?: Program,
    callerRole?: string,
    projectDir: string = REPO_ROOT,
): Promise<StackRun> {
    const account = {
        accountId: /^\d{12}$/.test(settings.config[`${settings.project}:accountId`] ?? "")
            ? settings.config[`${settings.project}:accountId`]
            : "000000000000",
        region: settings.config["aws:region"] ?? "us-east-1",
    };
    const mocks = new PlanMocks(account, upstream, callerRole);
    lastRun = { stack: settings.stack, mocks };
    await pulumi.runtime.setMocks(mocks, settings.project, settings.stack, false);
    pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);

    const captured: Captured[] = [];
    let exported: Record<string, unknown> = {};
    const failures: unknown[] = [];
    currentFailures = failures;
    let stackUrn: string;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation(args => {
                // A resource passed inside a component's args comes back from serialization as a reference to the
                // same URN (opts.urn set): not a new resource, so not recorded again.
                if (!args.opts.urn) {
                    captured.push({ resource: args.resource, type: args.type, name: args.name, opts: args.opts });
                }
                return undefined;
            });
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const run = program ?? (require(PROGRAM) as () => Promise<Record<string, unknown>>);
            // The program compares its config with the stack files beside it: here, the planned project's.
            exported = (await withSiblingStackFolder(projectDir, async () => await run())) ?? {};
            return exported;
        });
        await waitForRPCs();
        stackUrn = (await urnOf(pulumi.runtime.getStackResource()))!;
    } finally {
        currentFailures = undefined;
    }
    if (failures.length > 0) {
        throw failures[0];
    }

    const stackInputs = mocks.registered.get(`pulumi:pulumi:Stack::${settings.project}-${settings.stack}`);
    const resources: PlannedResource[] = [
        {
            urn: stackUrn,
            type: "pulumi:pulumi:Stack",
            name: `${settings.project}-${settings.stack}`,
            parent: null,
            provider: null,
            inputs: (await sanitize(stackInputs?.inputs ?? {})) as Record<string, unknown>,
            options: { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [], deleteBeforeReplace: false },
        },
    ];
    for (const c of captured) {
        const internal = c.resource as unknown as {
            __prov?: pulumi.ProviderResource;
            __protect?: boolean;
        };
        const aliases = await plannedAliases(c.opts.aliases);
        const recorded = mocks.registered.get(`${c.type}::${c.name}`);
        resources.push({
            urn: await resolved(c.resource.urn),
            type: c.type,
            name: c.name,
            parent: c.opts.parent ? await urnOf(c.opts.parent) : stackUrn,
            provider: await urnOf(internal.__prov),
            ...(c.resource instanceof pulumi.ComponentResource ? { component: true as const } : {}),
            inputs: (await sanitize(
                c.type.startsWith("pulumi:providers:") ? decodeProviderInputs(recorded?.inputs ?? {}) : (recorded?.inputs ?? {}),
            )) as Record<string, unknown>,
            options: {
                protect: internal.__protect === true,
                retainOnDelete: c.opts.retainOnDelete === true,
                ignoreChanges: [...(c.opts.ignoreChanges ?? [])].sort(),
                dependsOn: await dependsOnUrns(c.opts.dependsOn),
                deleteBeforeReplace: c.opts.deleteBeforeReplace === true,
                ...(c.opts.additionalSecretOutputs?.length ? { additionalSecretOutputs: [...c.opts.additionalSecretOutputs].sort() } : {}),
                ...(aliases.length ? { aliases } : {}),
                ...(c.opts.replaceOnChanges?.length ? { replaceOnChanges: [...c.opts.replaceOnChanges].sort() } : {}),
            },
        });
    }
    await recordPropertyDependencies(resources, captured);
    resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));

    const outputs: Record<string, unknown> = {};
    const rawOutputs: Record<string, unknown> = {};
    const secretOutputNames: string[] = [];
    for (const key of Object.keys(exported).sort()) {
        const output = pulumi.output(exported[key]);
        const value = await resolved(output);
        rawOutputs[key] = value;
        if (await pulumi.isSecret(output)) {
            secretOutputNames.push(key);
            outputs[key] = SECRET_PLACEHOLDER;
        } else {
            outputs[key] = await sanitize(value);
        }
    }
    return {
        plan: { stack: settings.stack, project: settings.project, resources, outputs },
        upstreamView: { outputs: rawOutputs, secretOutputNames },
    };
}

/**
 * Upstream stacks' runs, by project folder and stack, for the life of the process. An upstream stack is always
 * planned from its file in the working tree, so its outputs cannot change between two plans in one process; the
 * stack asked for is always run again (two plans of it must be two runs, or the byte-for-byte comparison proves
 * nothing).
 */
const upstreamRuns = new Map<string, StackRun>();

const ACCOUNT_ROLE = "accountRole";

/**
 * Refuses, before anything runs, a --config file of another account role than the stack's own file (planning dev
 * from prod's file would plan prod's resources under dev's name), and references that cannot be planned: to the
 * stack itself or a stack downstream of it (a cycle), or to a stack this project has no file for.
 */
function checkReferences(projectDir: string, settings: StackSettings, visiting: readonly string[], configFile?: string): void {
    const roleKey = `${settings.project}:${ACCOUNT_ROLE}`;
    const own = path.join(projectDir, `Pulumi.${settings.stack}.yaml`);
    if (configFile && path.resolve(configFile) !== own && fs.existsSync(own)) {
        const expected = readStackSettings(projectDir, settings.stack).config[roleKey];
        const given = settings.config[roleKey];
        const roleOf = (s: string) => readStackSettings(projectDir, s).config[roleKey];
        const sameRole =
            expected && given && expected !== given
                ? projectStacks(projectDir).filter(s => s !== settings.stack && roleOf(s) === given)
                : [];
        // A role no stack file has (a typo, "qa") is the config validation's to report, with the roles there are.
        if (sameRole.length > 0) {
            throw new InputError({
                file: settings.source,
                line: lineOfSetting(settings, roleKey),
                key: roleKey,
                value: given,
                why: `this file is for a ${given} stack, but stack ${settings.stack} is a ${expected} stack (${shownPath(own)})`,
                fix:
                    `plan ${sameRole.join(" or ")} with this file (plan ${sameRole[0]} --config ${shownPath(settings.source)}), ` +
                    `or give ${settings.stack} a ${expected} stack file`,
            });
        }
    }
    const stacks = projectStacks(projectDir);
    for (const ref of upstreamStacks(settings)) {
        const where = { file: settings.source, line: lineOfSetting(settings, ref.key), key: ref.key };
        if (ref.stack === settings.stack || visiting.includes(ref.stack)) {
            throw new InputError({
                ...where,
                value: ref.qualifiedName,
                why:
                    `names ${ref.stack === settings.stack ? "this stack itself" : `${ref.stack}, which is planned after this one`}: ` +
                    `stack references form a cycle (${[...visiting, settings.stack, ref.stack].join(" -> ")})`,
                fix: "name the upstream stack, deployed before this one (the order is dns -> bastion -> dev -> prod)",
            });
        }
        if (!stacks.includes(ref.stack)) {
            // Never this stack itself, nor one planned after it: both are refused above as a cycle.
            const guess = closest(
                ref.stack,
                stacks.filter(s => s !== settings.stack && !visiting.includes(s)),
                2,
            );
            const suggestion = guess ? `${ref.qualifiedName.slice(0, ref.qualifiedName.length - ref.stack.length)}${guess}` : undefined;
            throw new InputError({
                ...where,
                value: ref.qualifiedName,
                why:
                    `this project has no stack ${ref.stack} (no ` +
                    `Pulumi.${ref.stack}.yaml)${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
                fix: `name one of ${stacks.join(", ")}`,
            });
        }
    }
}

/** Plans a stack and, first, every stack it references (dns -> bastion -> dev -> prod). `configFile` replaces
 * the target stack's own file only; upstream stacks are read from their files in the working tree. */
export async function planStack(stack: string, options: PlanOptions = {}): Promise<Plan> {
    const projectDir = options.projectDir ?? REPO_ROOT;
    const runs = new Map<string, StackRun>();
    const visiting: string[] = [];

    async function plan(name: string, configFile?: string, callerRole?: string): Promise<StackRun> {
        const done = runs.get(name);
        if (done && !configFile) return done;
        const settings = readStackSettings(projectDir, name, configFile);
        checkReferences(projectDir, settings, visiting, configFile);
        // Before any upstream stack is planned, which could only blame itself (see checkOneStackPerAccount).
        if (visiting.length === 0 && !callerRole) checkOneStackPerAccount(projectDir, settings);
        checkBastionGrantTargets(projectDir, settings);
        visiting.push(name);
        const upstream = new Map<string, UpstreamStackOutputs>();
        for (const ref of upstreamStacks(settings)) {
            const key = `${projectDir}\u0000${ref.stack}`;
            let run = upstreamRuns.get(key);
            if (!run) {
                run = await plan(ref.stack);
                upstreamRuns.set(key, run);
            }
            upstream.set(ref.qualifiedName, run.upstreamView);
        }
        for (const peer of peerStacks(settings)) upstream.set(peer.qualifiedName, NOT_YET_DEPLOYED);
        let run = await runStack(settings, upstream, undefined, callerRole, projectDir);
        visiting.pop();
        if (options.peers === "deployed" && visiting.length === 0 && peerStacks(settings).length > 0) {
            // The environments plan against the bastion's file as committed (their upstream), then this stack again.
            for (const peer of peerStacks(settings)) upstream.set(peer.qualifiedName, (await plan(peer.stack)).upstreamView);
            run = await runStack(settings, upstream, undefined, callerRole, projectDir);
        }
        if (!configFile && !callerRole) runs.set(name, run);
        return run;
    }

    return (await plan(stack, options.configFile, options.callerRole)).plan;
}

/**
 * The commit the stack files are compared with to tell which was edited: where this branch left main (an edit
 * already committed on the branch still counts), or the last commit when there is no main; undefined without git.
 */
function baseCommit(projectDir: string): string | undefined {
    const git = (...args: string[]) => spawnSync("git", args, { cwd: projectDir, encoding: "utf8" });
    const base = git("merge-base", "HEAD", "main");
    if (base.status === 0 && base.stdout.trim()) return base.stdout.trim();
    const head = git("rev-parse", "--verify", "-q", "HEAD");
    return head.status === 0 && head.stdout.trim() ? head.stdout.trim() : undefined;
}

/**
 * Whether a stack file's account id differs from the one it had at `base` (a file added since counts as edited);
 * undefined when not known (no git).
 */
function accountIdEdited(projectDir: string, base: string | undefined, stack: StackAccount, project: string): boolean | undefined {
    if (!base) return undefined;
    const shown = spawnSync("git", ["show", `${base}:./Pulumi.${stack.stack}.yaml`], { cwd: projectDir, encoding: "utf8" });
    if (shown.status !== 0) return true;
    const id = (parse(shown.stdout) ?? {}).config?.[`${project}:accountId`];
    return id === undefined || String(id) !== stack.accountId;
}

/**
 * One stack per account, checked before any stack of the chain is planned, and blamed on the file that was edited:
 * the one whose accountId differs from where this branch left main. When that does not single one out (no git,
 * nothing or several changed), every file of the group is named. (The program checks the same from inside each
 * stack, where it can only blame the stack it runs as, an upstream one included.)
 */
function checkOneStackPerAccount(projectDir: string, target: StackSettings): void {
    const accountId = target.config[`${target.project}:accountId`];
    if (accountId === undefined) return; // the config schema reports it
    const mine = { stack: target.stack, accountId, region: target.config["aws:region"] ?? "" };
    const group = stacksSharingAnAccount([mine, ...committedStackAccounts(projectDir).filter(s => s.stack !== target.stack)]).find(g =>
        g.some(s => s.stack === target.stack),
    );
    if (!group) return;
    const key = `${target.project}:accountId`;
    const base = baseCommit(projectDir);
    const changed = group.filter(s => accountIdEdited(projectDir, base, s, target.project) === true);
    const blamed = changed.length === 1 ? changed : group;
    throw new InputError(
        blamed.map(edited => {
            const settings = edited.stack === target.stack ? target : readStackSettings(projectDir, edited.stack);
            const others = group.filter(s => s !== edited).map(s => `Pulumi.${s.stack}.yaml`);
            return {
                file: settings.source,
                line: lineOfSetting(settings, key),
                key,
                value: edited.accountId,
                why:
                    `${others.join(", ")} also deploy${others.length === 1 ? "s" : ""} into this account, and each stack owns its ` +
                    `account's CloudTrail trail, Access Analyzer, OIDC providers and role-named resources` +
                    (blamed.length === 1
                        ? " (this file's accountId is not the one it had where this branch left main)"
                        : " (which of these files was edited is not known, so each is named)"),
                fix:
                    "give each stack its own account (a personal stack needs a personal account): " +
                    `set ${key} in ${shownPath(settings.source)} to the ${edited.stack} stack's own`,
            };
        }),
    );
}

/**
 * The bastion's grants name environments of the dev and prod stack files beside it (the program checks the same in
 * a deploy); refused here with the line of the grant in the bastion's file, before dev or prod is planned.
 */
function checkBastionGrantTargets(projectDir: string, settings: StackSettings): void {
    if (settings.config[`${settings.project}:accountRole`] !== "bastion") return;
    let bastionHost: { peers?: Parameters<typeof bastionGrantTargetProblems>[0] };
    try {
        bastionHost = JSON.parse(settings.config[`${settings.project}:bastionHost`] ?? "{}");
    } catch {
        return; // the config schema reports it
    }
    if (!bastionHost || typeof bastionHost !== "object" || !bastionHost.peers || typeof bastionHost.peers !== "object") return;
    const problems = bastionGrantTargetProblems(bastionHost.peers, peerEnvironments(projectDir));
    if (problems.length === 0) return;
    throw new InputError(
        problems.map(p => {
            const key = `${settings.project}:${p.key}`;
            return { file: settings.source, line: lineOfSetting(settings, key), key, why: p.why, fix: p.fix };
        }),
    );
}

export interface RunProgramOptions {
    /** The stack the resources belong to, in URNs. Defaults to "test". */
    readonly stack?: string;
    /** The account and region the mocks answer for (ARNs, AZs). Default to 123456789012 and eu-west-1. */
    readonly accountId?: string;
    readonly region?: string;
    /** Flat config ("namespace:key" -> string) the program may read. Defaults to none. */
    readonly config?: Readonly<Record<string, string>>;
    /** The project whose stack files the program compares its config with. Defaults to this repository. */
    readonly projectDir?: string;
}

/**
 * Runs any program (typically one component built from hand-written args) under the same mocks and recording as
 * the offline plan, so a component can be tested in isolation, for inputs no committed stack uses.
 */
export async function runProgram(program: Program, options: RunProgramOptions = {}): Promise<Plan> {
    const project = "twine-infra";
    const accountId = options.accountId ?? "123456789012";
    const settings: StackSettings = {
        project,
        stack: options.stack ?? "test",
        source: "runProgram",
        config: { [`${project}:accountId`]: accountId, "aws:region": options.region ?? "eu-west-1", ...options.config },
        secretKeys: [],
    };
    return (await runStack(settings, new Map(), program, undefined, options.projectDir)).plan;
}
