/**
 * npm run docs — regenerates what the README and docs/ derive from the code:
 *   - the architecture diagram, from the offline plans of the four stacks (Mermaid in the README and
 *     docs/architecture.mmd; Graphviz source docs/architecture.dot and the image docs/architecture.svg),
 *   - the outputs reference (docs/outputs.md) and the outputs package's JSON Schema, from the outputs contract,
 *   - the configuration reference (docs/configuration.md), from the config schema,
 *   - the resource index (docs/resources.md): every resource, by type and name, and the file that creates it,
 *   - a copy of the ESC environment definitions each stack declares (esc/), from its plan.
 * The plans are those of the fixture stacks (test/fixtures): users edit the committed stack files for their own
 * accounts, and the generated docs must not go stale (nor their test fail) when they do.
 * `npm run docs -- --check` writes nothing and exits 1 when a committed file is stale (the tests do the same).
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { renderConfigurationDoc } from "../config/reference";
import { architectureDiagram, renderDot, renderMermaid } from "../plan/diagram";
import { readComponentSources, renderResourceIndex, resourceIndex } from "../plan/resourceIndex";
import { Plan, planStack, runProgram } from "../plan/run";
import { buildPulumiCloud } from "../stacks/organizationStack";
import { renderContractSchema, renderOutputsReference } from "../stacks/outputsReference";

export const REPO = path.resolve(__dirname, "..");
export const STACK_ORDER = ["dns", "bastion", "dev", "prod"];
/** The project whose stack files the generated docs are drawn from. */
export const DOCS_PROJECT = path.join(REPO, "test", "fixtures");

/** The marker pair around a generated block in a Markdown file. */
export function markers(name: string): [string, string] {
    return [`<!-- BEGIN GENERATED ${name}: npm run docs -->`, `<!-- END GENERATED ${name} -->`];
}

/** Replaces the block between the markers; throws if the markers are missing. */
export function replaceBlock(document: string, name: string, content: string): string {
    const [begin, end] = markers(name);
    const start = document.indexOf(begin);
    const stop = document.indexOf(end);
    if (start < 0 || stop < start) throw new Error(`README.md lacks the markers for the generated block "${name}"`);
    return `${document.slice(0, start + begin.length)}\n${content}${document.slice(stop)}`;
}

export function sourceDigest(dot: string): string {
    return createHash("sha256").update(dot).digest("hex");
}

/** The digest line the committed SVG carries, so a test can tell it was drawn from the current source. */
export function svgDigestComment(dot: string): string {
    return `<!-- drawn from docs/architecture.dot sha256:${sourceDigest(dot)} -->`;
}

export interface GeneratedDocs {
    /** Whole files, by path relative to the repository. */
    readonly files: Record<string, string>;
    /** The README with its generated blocks refreshed. */
    readonly readme: string;
    readonly dot: string;
}

/** The organization stack's plan (pulumi-cloud/): the Pulumi Cloud resources of the stacks in projectDir. */
export function planOrganization(projectDir: string): Promise<Plan> {
    return runProgram(() => buildPulumiCloud(projectDir), { stack: "organization", projectDir });
}

export async function planAll(): Promise<Plan[]> {
    const plans: Plan[] = [];
    for (const stack of STACK_ORDER) plans.push(await planStack(stack, { projectDir: DOCS_PROJECT }));
    plans.push(await planOrganization(DOCS_PROJECT));
    return plans;
}

/** The YAML of every ESC environment a plan declares, by esc/<environment>.yaml. */
export function escFiles(plans: readonly Plan[]): Record<string, string> {
    const files: Record<string, string> = {};
    for (const plan of plans) {
        for (const env of plan.resources.filter(r => r.type === "pulumiservice:index:Environment")) {
            const yaml = env.inputs.yaml as { asset?: { text?: string } } | undefined;
            if (typeof yaml?.asset?.text !== "string") throw new Error(`${env.name}: its yaml is not a string asset`);
            files[`esc/${String(env.inputs.name)}.yaml`] = yaml.asset.text;
        }
    }
    return files;
}

export function generateDocs(plans: readonly Plan[], readme: string): GeneratedDocs {
    // The diagram draws the AWS accounts: the organization stack has none (only Pulumi Cloud resources).
    const diagram = architectureDiagram(plans.filter(p => p.resources.some(r => r.type === "pulumi:providers:aws")));
    const mermaid = renderMermaid(diagram);
    const dot = renderDot(diagram);
    const updated = replaceBlock(readme, "architecture", `\`\`\`mermaid\n${mermaid}\`\`\`\n`);
    return {
        files: {
            "docs/architecture.mmd": mermaid,
            "docs/architecture.dot": dot,
            "docs/outputs.md": renderOutputsReference(),
            "packages/outputs/schema.json": renderContractSchema(),
            ...escFiles(plans),
            "docs/configuration.md": renderConfigurationDoc(),
            "docs/resources.md": renderResourceIndex(resourceIndex(plans, readComponentSources(REPO))),
        },
        readme: updated,
        dot,
    };
}

function drawSvg(dot: string): string {
    let svg: string;
    try {
        svg = execFileSync("dot", ["-Tsvg"], { input: dot, encoding: "utf8" });
    } catch (err) {
        throw new Error(
            `Graphviz's "dot" is needed to draw docs/architecture.svg (bash scripts/setup.sh installs it); ` +
                `nothing was written: ${(err as Error).message}`,
            { cause: err },
        );
    }
    return svg.replace(/^(<\?xml[^>]*>\n)/, `$1${svgDigestComment(dot)}\n`);
}

/**
 * Writes every file or none: each goes to a temporary file beside it first (the SVG drawn before anything is
 * written, since Graphviz may be missing), then all are renamed into place, so a failure leaves the tree as it was.
 */
export function writeAll(files: readonly [string, string][]): void {
    const staged: [string, string][] = [];
    try {
        for (const [file, content] of files) {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const temporary = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(temporary, content);
            staged.push([temporary, file]);
        }
    } catch (err) {
        for (const [temporary] of staged) fs.rmSync(temporary, { force: true });
        throw err;
    }
    for (const [temporary, file] of staged) fs.renameSync(temporary, file);
}

async function main(): Promise<number> {
    const check = process.argv.includes("--check");
    const readmePath = path.join(REPO, "README.md");
    const generated = generateDocs(await planAll(), fs.readFileSync(readmePath, "utf8"));
    const changed: [string, string][] = [];
    const compare = (relative: string, content: string) => {
        const file = path.join(REPO, relative);
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        if (current !== content) changed.push([relative, content]);
    };
    for (const [relative, content] of Object.entries(generated.files)) compare(relative, content);
    compare("README.md", generated.readme);
    const svgPath = path.join(REPO, "docs", "architecture.svg");
    const svgFresh = fs.existsSync(svgPath) && fs.readFileSync(svgPath, "utf8").includes(svgDigestComment(generated.dot));
    const stale = [...changed.map(([relative]) => relative), ...(svgFresh ? [] : ["docs/architecture.svg"])];
    if (check) {
        if (stale.length > 0) {
            process.stderr.write(`Stale generated docs: ${stale.join(", ")}. Run: npm run docs\n`);
            return 1;
        }
    } else {
        if (!svgFresh) changed.push(["docs/architecture.svg", drawSvg(generated.dot)]);
        writeAll(changed.map(([relative, content]) => [path.join(REPO, relative), content]));
    }
    process.stdout.write(stale.length > 0 ? `${check ? "stale" : "updated"}: ${stale.join(", ")}\n` : "docs are up to date\n");
    return 0;
}

if (require.main === module) {
    main().then(
        code => process.exit(code),
        err => {
            process.stderr.write(`${(err as Error).message ?? String(err)}\n`);
            process.exit(1);
        },
    );
}
