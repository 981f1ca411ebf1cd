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
    /** The template file inside templateDir that Packer 1.6 reads alone (newer Packer reads the whole folder). Required. */
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
}

/** Files of a template folder that never feed a build: docs, the developers' Vagrantfile, build outputs. */
const NOT_BUILD_INPUTS = [/^README\.md$/, /^Vagrantfile$/, /^\.gitignore$/, /^manifest.*\.json$/, /^(output-[^/]+|packer_cache|\.vagrant)\//, /\.box$/];

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
    return Object.fromEntries(Object.keys(variables).sort().map(name => [`PKR_VAR_${name}`, packerValue(variables[name])]));
}

/**
 * The shell command: `packer init` where Packer has it (>= 1.7, reads plugins.pkr.hcl), then a build of one
 * source into a fresh manifest. The build log goes to stderr; stdout is the manifest alone, so the AMI id is read
 * from Packer's own record, never scraped from its log.
 */
export function packerBuildCommand(templateFile: string, source: string): string {
    return [
        "set -eu",
        'work="$(mktemp -d)"',
        "trap 'rm -rf \"$work\"' EXIT",
        'manifest="$work/manifest.json"',
        // Packer 1.6 has no init and rejects plugins.pkr.hcl: it gets the template file alone.
        `if packer --help 2>&1 | grep -qE '^[[:space:]]+init[[:space:]]'; then packer init . >&2; target=.; else target=${shellQuote(templateFile)}; fi`,
        `packer build -color=false -only=${shellQuote(source)} -var "manifest_path=$manifest" "$target" >&2`,
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
    const builds = (manifest.builds ?? []).filter(b => b.builder_type === "amazon-ebs" && (!manifest.last_run_uuid || b.packer_run_uuid === manifest.last_run_uuid));
    // artifact_id is "region:ami-...", comma-separated when the image is copied to several regions.
    const ids = builds.flatMap(b => (b.artifact_id ?? "").split(",")).map(pair => pair.split(":"));
    const found = ids.filter(([r, id]) => r === region && /^ami-[0-9a-f]+$/.test(id ?? "")).map(([, id]) => id);
    if (found.length === 0) {
        throw new Error(`The Packer manifest records no AMI in ${region} (artifacts: ${JSON.stringify(builds.map(b => b.artifact_id))})`);
    }
    return found[found.length - 1];
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
            throw new pulumi.ResourceError(`${name}: ${args.templateFile} is not a file in ${args.templateDir}. Fix: pass the template's file name`, this);
        }
        const variables = pulumi.output(args.variables ?? {}) as pulumi.Output<Record<string, PackerVariable>>;
        this.inputsHash = variables.apply(vars => buildInputsHash(files, vars));

        this.command = new local.Command(
            `${name}-build`,
            {
                create: packerBuildCommand(args.templateFile, args.source),
                // Relative to the project, so the same build is the same input on every machine that deploys it.
                dir: path.relative(process.cwd(), args.templateDir) || ".",
                environment: variables.apply(packerEnvironment),
                triggers: [this.inputsHash],
                logging: args.logging ?? "stderr",
                addPreviousOutputInEnv: false,
            },
            // Variables may carry secrets, and Packer's output can echo them: neither lands in state in clear text.
            { parent: this, additionalSecretOutputs: ["stdout", "stderr"] },
        );
        // The id alone is not sensitive: unwrap it so the environments and their previews can show it.
        this.amiId = pulumi.unsecret(this.command.stdout.apply(stdout => amiIdFromManifest(stdout, args.region)));
        this.registerOutputs({ amiId: this.amiId, inputsHash: this.inputsHash });
    }
}
