import { local } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** A Packer variable's value: strings pass as they are, numbers and lists as HCL (JSON) literals. */
export type PackerVariable = string | number | boolean | readonly string[];

export interface PackerImageArgs {
    /** Folder holding the template (`*.pkr.hcl`) and every file its build reads (scripts, files, http). Required. */
    readonly templateDir: string;
    /**
     * The template file inside templateDir, checked to be there. Packer reads the whole folder, whose
     * `required_version` (in any `*.pkr.hcl`) is the oldest Packer the build runs with. Required.
     */
    readonly templateFile: string;
    /** The one source to build, as `-only` takes it, e.g. "amazon-ebs.twine-app". Required. */
    readonly source: string;
    /** Template variables, passed as PKR_VAR_* environment variables. Part of the rebuild trigger. Defaults to none. */
    readonly variables?: Readonly<Record<string, pulumi.Input<PackerVariable>>>;
    /** Region of the AMI, to pick its id out of the manifest. Required. */
    readonly region: string;
    /**
     * What of Packer's output goes to the Pulumi log: "stderr" (the build log; Packer redacts variables declared
     * `sensitive`) or "none". stdout is only the manifest. Defaults to "stderr".
     */
    readonly logging?: "stderr" | "none";
    /**
     * Why the build must not start yet (e.g. the repository lacks the packages it installs), or "" when it may: a
     * gate command the build depends on then stops with this message before Packer runs. Defaults to "".
     */
    readonly notReady?: pulumi.Input<string>;
}

/** The environment variable carrying `notReady` into the gate command. */
export const NOT_READY_ENV = "PACKER_IMAGE_NOT_READY";

/** Files of a template folder that never feed the AMI build: docs, the VM's Vagrantfile, settings and repository copy, outputs. */
const NOT_BUILD_INPUTS = [
    /^README\.md$/,
    /^Vagrantfile$/,
    /^vm\.env$/,
    /^\.gitignore$/,
    /^manifest.*\.json$/,
    /^(output-[^/]+|packer_cache|\.vagrant|http\/apt)\//,
    /\.box$/,
];

export interface BuildFile {
    /** Path relative to the template folder, with "/" separators. */
    readonly path: string;
    readonly content: string | Buffer;
}

/** Every file under `dir` that a Packer build of it reads, sorted by path. */
export function readBuildFiles(dir: string): BuildFile[] {
    const files: BuildFile[] = [];
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
            const rel = relative ? `${relative}/${entry.name}` : entry.name;
            if (entry.isDirectory()) {
                if (!NOT_BUILD_INPUTS.some(p => p.test(`${rel}/`))) walk(rel);
            } else if (!NOT_BUILD_INPUTS.some(p => p.test(rel))) {
                files.push({ path: rel, content: fs.readFileSync(path.join(dir, rel)) });
            }
        }
    };
    walk("");
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The rebuild trigger: a SHA-256 over every build file (path and content) and every variable (name and value).
 * Independent of the order files are listed or variables declared; any change to a byte, a name or a value
 * changes it.
 */
export function buildInputsHash(files: readonly BuildFile[], variables: Readonly<Record<string, PackerVariable>>): string {
    const hash = createHash("sha256");
    const field = (kind: string, name: string, value: string | Buffer) => {
        // Length-prefixed, so no two different inputs can run together into the same byte stream.
        const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
        hash.update(`${kind}\u0000${Buffer.byteLength(name)}:${name}\u0000${bytes.length}:`);
        hash.update(bytes);
    };
    for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        field("file", file.path, file.content);
    }
    for (const name of Object.keys(variables).sort()) {
        field("var", name, packerValue(variables[name]));
    }
    return hash.digest("hex");
}

/** A variable as Packer reads it from PKR_VAR_<name>: strings verbatim, anything else as an HCL literal. */
export function packerValue(value: PackerVariable): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

export function packerEnvironment(variables: Readonly<Record<string, PackerVariable>>): Record<string, string> {
    return Object.fromEntries(
        Object.keys(variables)
            .sort()
            .map(name => [`PKR_VAR_${name}`, packerValue(variables[name])]),
    );
}

/**
 * The oldest Packer a template folder builds with: the `required_version = ">= X.Y.Z"` of its `packer` block.
 * Throws if no file states one, so a folder cannot silently accept any Packer.
 */
export function requiredPackerVersion(files: readonly BuildFile[]): string {
    const found = files
        .filter(f => f.path.endsWith(".pkr.hcl"))
        .map(f => /^\s*required_version\s*=\s*">=\s*(\d+\.\d+\.\d+)"/m.exec(f.content.toString()))
        .filter((m): m is RegExpExecArray => m !== null);
    if (found.length !== 1) {
        throw new Error(`expected one required_version = ">= X.Y.Z" in the folder's *.pkr.hcl files, found ${found.length}`);
    }
    return found[0][1];
}

/** A dependsOn option as a list, to add to. */
function dependencies(dependsOn: pulumi.ResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (dependsOn === undefined) return [];
    if (Array.isArray(dependsOn)) return [...dependsOn];
    if (pulumi.Resource.isInstance(dependsOn)) return [dependsOn];
    throw new Error("PackerImage: dependsOn must be a resource or a list of resources, not an Output");
}

/**
 * The gate's shell command: fail with the reason the build must wait, if there is one. The build depends on the
 * gate, so Pulumi never starts Packer after the gate failed.
 */
export const GATE_COMMAND = `if [ -n "\${${NOT_READY_ENV}:-}" ]; then echo "PackerImage: $${NOT_READY_ENV}" >&2; exit 1; fi`;

/**
 * The shell command: refuse a Packer older than the folder requires (Debian's 1.6 has no `init`, ignores the
 * plugin pins and rejects settings such as metadata_options), `packer init`, then a build of one source into a
 * fresh manifest. The build log goes to stderr; stdout is the manifest alone, so the AMI id is read from Packer's
 * own record, never scraped from its log.
 */
export function packerBuildCommand(source: string, requiredVersion: string): string {
    if (!/^\d+\.\d+\.\d+$/.test(requiredVersion)) throw new Error(`packerBuildCommand: "${requiredVersion}" is not a version X.Y.Z`);
    return [
        "set -eu",
        `required=${requiredVersion}`,
        "version=\"$(packer version | sed -n '1s/^Packer v\\{0,1\\}\\([0-9][0-9.]*\\).*/\\1/p')\"",
        'if [ -z "$version" ] || ! printf \'%s\\n%s\\n\' "$required" "$version" | sort -V -C; then',
        '  echo "PackerImage: $(command -v packer) is Packer ${version:-of unknown version}; this template needs >= $required' +
            " (required_version in its folder). Fix: put Packer >= $required first on PATH (in Pulumi Deployments" +
            ' scripts/deploy-tools.sh installs it)" >&2',
        "  exit 1",
        "fi",
        'work="$(mktemp -d)"',
        "trap 'rm -rf \"$work\"' EXIT",
        'manifest="$work/manifest.json"',
        "packer init . >&2",
        `packer build -color=false -only=${shellQuote(source)} -var "manifest_path=$manifest" . >&2`,
        'cat "$manifest"',
    ].join("\n");
}

function shellQuote(value: string): string {
    return /^[A-Za-z0-9_./:=-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

interface ManifestBuild {
    readonly builder_type?: string;
    readonly artifact_id?: string;
    readonly packer_run_uuid?: string;
}

/**
 * The AMI id a Packer manifest records for the region, from its last run. Throws if the manifest holds no
 * amazon-ebs artifact for it: a build that printed anything else did not produce an image.
 */
export function amiIdFromManifest(manifestJson: string, region: string): string {
    let manifest: { builds?: ManifestBuild[]; last_run_uuid?: string };
    try {
        manifest = JSON.parse(manifestJson);
    } catch {
        throw new Error(`The Packer manifest is not JSON (got ${JSON.stringify(manifestJson.slice(0, 80))}); the build did not finish`);
    }
    const builds = (manifest.builds ?? []).filter(
        b => b.builder_type === "amazon-ebs" && (!manifest.last_run_uuid || b.packer_run_uuid === manifest.last_run_uuid),
    );
    // artifact_id is "region:ami-...", comma-separated when the image is copied to several regions.
    const ids = builds.flatMap(b => (b.artifact_id ?? "").split(",")).map(pair => pair.split(":"));
    const found = ids.filter(([r, id]) => r === region && /^ami-[0-9a-f]+$/.test(id ?? "")).map(([, id]) => id);
    if (found.length === 0) {
        throw new Error(`The Packer manifest records no AMI in ${region} (artifacts: ${JSON.stringify(builds.map(b => b.artifact_id))})`);
    }
    return found[found.length - 1];
}

/** A plugin a template folder requires (`required_plugins`), with its version constraint as written. */
export interface PluginPin {
    readonly name: string;
    readonly source: string;
    readonly version: string;
}

/** Every `required_plugins` entry in the folder's *.pkr.hcl files. */
export function pluginPins(files: readonly BuildFile[]): PluginPin[] {
    const pins: PluginPin[] = [];
    for (const file of files.filter(f => f.path.endsWith(".pkr.hcl"))) {
        const text = file.content.toString();
        const start = /required_plugins\s*\{/.exec(text);
        if (!start) continue;
        // The block's body, up to its matching brace.
        let depth = 1;
        let end = start.index + start[0].length;
        for (; end < text.length && depth > 0; end++) depth += text[end] === "{" ? 1 : text[end] === "}" ? -1 : 0;
        const body = text.slice(start.index + start[0].length, end - 1);
        for (const entry of body.matchAll(/(\w[\w-]*)\s*=\s*\{([^}]*)\}/g)) {
            const field = (key: string) => new RegExp(`${key}\\s*=\\s*"([^"]*)"`).exec(entry[2])?.[1] ?? "";
            pins.push({ name: entry[1], source: field("source"), version: field("version") });
        }
    }
    return pins;
}

/**
 * Plugins not pinned to one version: `packer init` installs the newest a range allows, so the image would change
 * with no change to the folder, and so to the rebuild trigger (buildInputsHash, which covers this file).
 */
export function pluginPinProblems(files: readonly BuildFile[]): string[] {
    return pluginPins(files)
        .filter(p => !/^=?\s*\d+\.\d+\.\d+$/.test(p.version.trim()))
        .map(
            p =>
                `plugin ${p.name} (${p.source}) has version "${p.version}": not one version. Fix: pin it exactly, ` +
                `e.g. version = "= 1.2.3", and move the pin to upgrade (a rebuild follows)`,
        );
}

/**
 * The AMI id of the build command's stdout, or undefined when the command did not run: a create skipped by
 * `pulumi up --exclude` (with --exclude-dependents) resolves its outputs empty (pulumi/pulumi#24108), and the
 * excluded dependents need no id. A manifest that is there but holds no AMI still throws.
 */
export function amiIdOfBuild(stdout: string | undefined, region: string): string | undefined {
    return stdout === undefined || stdout === "" ? undefined : amiIdFromManifest(stdout, region);
}

/**
 * One Packer build, run by `pulumi up` on the deploying machine: `packer build -only=<source>` for a template
 * folder, re-run only when a file the build reads or one of its variables changes (see buildInputsHash), with
 * the AMI id read from the manifest. Removing it keeps the AMI (an environment may still run it).
 */
export class PackerImage extends pulumi.ComponentResource {
    /** The built AMI's id. Not secret, though the command's output is. */
    public readonly amiId: pulumi.Output<string>;
    /** The rebuild trigger: hash of the build files and variables. */
    public readonly inputsHash: pulumi.Output<string>;
    public readonly command: local.Command;

    constructor(name: string, args: PackerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:PackerImage", name, {}, opts);
        const files = readBuildFiles(args.templateDir);
        if (!files.some(f => f.path === args.templateFile)) {
            throw new pulumi.ResourceError(
                `${name}: ${args.templateFile} is not a file in ${args.templateDir}. Fix: pass the template's file name`,
                this,
            );
        }
        let requiredVersion: string;
        try {
            requiredVersion = requiredPackerVersion(files);
        } catch (e) {
            const why = `${name}: ${args.templateDir}: ${(e as Error).message}`;
            throw new pulumi.ResourceError(`${why}. Fix: state the oldest Packer it builds with`, this);
        }
        const unpinned = pluginPinProblems(files);
        if (unpinned.length > 0) {
            throw new pulumi.ResourceError(`${name}: ${args.templateDir}:\n - ${unpinned.join("\n - ")}`, this);
        }
        const variables = pulumi.output(args.variables ?? {}) as pulumi.Output<Record<string, PackerVariable>>;
        this.inputsHash = variables.apply(vars => buildInputsHash(files, vars));

        // The readiness verdict is an input of this gate, never of the build: a command re-runs its create when any
        // input changes and it has no update command (@pulumi/command 1.2), so a verdict in the build's environment
        // would re-bake a finished image whenever it changed. The gate checks on its create, which its replacement
        // with the build's trigger brings (the first bake, and every re-bake); a verdict that changes between bakes
        // runs its update, which does nothing.
        const gate = new local.Command(
            `${name}-gate`,
            {
                create: GATE_COMMAND,
                update: "true",
                environment: pulumi
                    .output(args.notReady ?? "")
                    .apply((notReady): Record<string, string> => (notReady ? { [NOT_READY_ENV]: notReady } : {})),
                triggers: [this.inputsHash],
                logging: "stderr",
            },
            { parent: this },
        );
        this.command = new local.Command(
            `${name}-build`,
            {
                create: packerBuildCommand(args.source, requiredVersion),
                // Relative to the project, so the same build is the same input on every machine that deploys it.
                dir: path.relative(process.cwd(), args.templateDir) || ".",
                environment: variables.apply(packerEnvironment),
                triggers: [this.inputsHash],
                logging: args.logging ?? "stderr",
                addPreviousOutputInEnv: false,
            },
            // Variables may carry secrets, and Packer's output can echo them: neither lands in state in clear text.
            // The component's dependsOn (what the build's network needs) is the build's own: children do not inherit it.
            {
                parent: this,
                additionalSecretOutputs: ["stdout", "stderr"],
                dependsOn: [...dependencies(opts?.dependsOn), gate],
            },
        );
        // The id alone is not sensitive: unwrap it so the environments and their previews can show it.
        this.amiId = pulumi.unsecret(this.command.stdout.apply(stdout => amiIdOfBuild(stdout, args.region) as string));
        this.registerOutputs({ amiId: this.amiId, inputsHash: this.inputsHash });
    }
}
