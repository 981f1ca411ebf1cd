/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands them to a program: one flat map of
 * "namespace:key" to string (objects and arrays as JSON), plus the keys whose values are secrets.
 */
import * as fs from "fs";
import * as path from "path";
import { Document, LineCounter, Scalar, isMap, isPair, isScalar, isSeq, parseDocument, visit } from "yaml";
import { SECRET_PLACEHOLDER } from "../config/primitives";
import { InputError, InputProblem, closest } from "./inputError";

export interface StackSettings {
    readonly project: string;
    readonly stack: string;
    /** Where the config came from, for messages. */
    readonly source: string;
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
}

export { SECRET_PLACEHOLDER };

/** A parsed YAML file with its line numbers, for messages that point at a key. */
export interface YamlFile {
    readonly file: string;
    readonly doc: Document;
    readonly lines: LineCounter;
}

const YAML_FIXES: Record<string, [string, string]> = {
    DUPLICATE_KEY: ["a key appears twice in the same map (YAML keeps neither reliably)", "keep one of the two, merging their values"],
    TAB_AS_INDENT: ["a tab indents this line; YAML allows only spaces", "indent with spaces"],
};

/** Parses a YAML file, refusing syntax errors, duplicate keys and tabs with their lines (all of them at once). */
export function readYamlFile(file: string): YamlFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new InputError({
            file,
            why: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
            fix: "check the path",
        });
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length > 0) {
        throw new InputError(
            doc.errors.map(e => {
                const [why, fix] = YAML_FIXES[e.code] ?? [
                    `YAML syntax error: ${e.message.split(" at line ")[0]}`,
                    "correct the YAML on this line",
                ];
                return { file, line: e.linePos?.[0].line, why, fix };
            }),
        );
    }
    const zeros: InputProblem[] = [];
    visit(doc, {
        Scalar(_, node: Scalar, ancestors) {
            const source = node.range ? text.slice(node.range[0], node.range[1]).trim() : "";
            // YAML reads an unquoted 012345678901 as a number: the leading zero (of an account id, say) is lost.
            if (node.type === "PLAIN" && typeof node.value === "number" && /^[-+]?0\d+$/.test(source)) {
                const keys = ancestors
                    .flatMap(a => (isPair(a) && isScalar(a.key) ? [String(a.key.value)] : []))
                    .filter(k => k !== "config");
                zeros.push({
                    file,
                    line: lineOf({ file, doc, lines }, node),
                    key: keys.length > 0 ? keys.join(".") : undefined,
                    value: Number(node.value),
                    why: `unquoted, YAML reads ${source} as the number ${node.value} and drops its leading zero`,
                    fix: `quote it: "${source}"`,
                });
            }
        },
    });
    if (zeros.length > 0) throw new InputError(zeros);
    return { file, doc, lines };
}

/** The line of a node's start, or undefined. */
function lineOf(yaml: YamlFile, node: unknown): number | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? yaml.lines.linePos(range[0]).line : undefined;
}

/**
 * The line of a config key in a stack file, as messages print it: "twine-infra:network.cidr",
 * "twine-infra:environments.production.app.minSize", "twine-infra:tags.Team", "twine-infra:x[2]".
 * Falls back to the nearest ancestor that exists; undefined when not even the top-level key is in the file.
 */
export function lineOfConfigKey(yaml: YamlFile, project: string, key: string): number | undefined {
    const config = yaml.doc.get("config", true);
    if (!isMap(config)) return undefined;
    const match = /^([^:.[\]]+:)?([^.[\]]+)(.*)$/.exec(key);
    if (!match) return undefined;
    const namespace = match[1] ?? `${project}:`;
    const top = config.items.find(p => {
        const k = String(isScalar(p.key) ? p.key.value : p.key);
        return k === `${namespace}${match[2]}` || (namespace === `${project}:` && k === match[2]);
    });
    if (!top) return undefined;
    let line = lineOf(yaml, top.key);
    let node: unknown = top.value;
    for (const part of match[3].match(/\.[^.[\]]+|\[\d+\]/g) ?? []) {
        if (part.startsWith("[") && isSeq(node)) node = node.items[Number(part.slice(1, -1))];
        else if (part.startsWith(".") && isMap(node)) {
            const pair = node.items.find(p => String(isScalar(p.key) ? p.key.value : p.key) === part.slice(1));
            if (!pair) break;
            line = lineOf(yaml, pair.key) ?? line;
            node = pair.value;
            continue;
        } else break;
        if (!node) break;
        line = lineOf(yaml, node) ?? line;
    }
    return line;
}

export function readProjectName(projectDir: string): string {
    const file = path.join(projectDir, "Pulumi.yaml");
    const name = readYamlFile(file).doc.get("name");
    if (typeof name !== "string") {
        throw new InputError({ file, line: 1, key: "name", why: "the project has no name", fix: "set name: twine-infra" });
    }
    return name;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The stacks with a file in the project folder, for messages and "did you mean". */
export function projectStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map(f => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}

/** Engine settings a stack file may carry, and what each must hold. */
const DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers";
const PULUMI_KEYS = [DISABLE_DEFAULT_PROVIDERS];

/**
 * Checks a stack file's `pulumi:*` keys. The engine ignores a misspelt one silently, and without
 * disable-default-providers a resource that forgot its explicit provider would deploy with whatever credentials
 * are ambient, into whatever account they reach.
 */
function pulumiKeyProblems(yaml: YamlFile, config: Record<string, unknown>): InputProblem[] {
    const problems: InputProblem[] = [];
    const at = (key: string) => lineOfConfigKey(yaml, "", key);
    for (const key of Object.keys(config).filter(k => k.startsWith("pulumi:") && !PULUMI_KEYS.includes(k))) {
        const guess = closest(key, PULUMI_KEYS, 6);
        problems.push({
            file: yaml.file,
            line: at(key),
            key,
            why: `not an engine setting this project uses${guess ? `; did you mean "${guess}"?` : ""}`,
            fix: `remove it${guess ? `, or spell it ${guess}` : ""}`,
        });
    }
    const value = config[DISABLE_DEFAULT_PROVIDERS];
    const fix = `set ${DISABLE_DEFAULT_PROVIDERS}: ["aws"] under config:, as every stack file of this project does`;
    if (value === undefined) {
        problems.push({
            file: yaml.file,
            line: lineOf(yaml, yaml.doc.get("config", true)),
            key: DISABLE_DEFAULT_PROVIDERS,
            why: "missing: without it a resource that forgot its explicit provider deploys with the ambient credentials",
            fix,
        });
    } else if (!Array.isArray(value) || !value.some(v => v === "aws" || v === "*")) {
        problems.push({
            file: yaml.file,
            line: at(DISABLE_DEFAULT_PROVIDERS),
            key: DISABLE_DEFAULT_PROVIDERS,
            why: `= ${JSON.stringify(value)} leaves the default aws provider enabled`,
            fix,
        });
    }
    return problems;
}

/** The `config:` map of a stack file as plain values, refusing a file that is empty or not shaped like one. */
function stackFileConfig(yaml: YamlFile): Record<string, unknown> {
    const { doc, file } = yaml;
    const shape = "a stack file is a map whose config: key holds a map of settings (see Pulumi.dev.yaml)";
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
        throw new InputError({ file, why: "the file is empty", fix: `write its settings: ${shape}` });
    }
    if (!isMap(doc.contents)) {
        throw new InputError({
            file,
            line: lineOf(yaml, doc.contents),
            why: `the file holds a ${isSeq(doc.contents) ? "list" : "single value"}, not a map`,
            fix: shape,
        });
    }
    const config = doc.get("config", true);
    if (config === undefined || (isScalar(config) && config.value === null)) {
        throw new InputError({ file, line: 1, key: "config", why: "the file has no settings (no config: map)", fix: shape });
    }
    if (!isMap(config)) {
        throw new InputError({
            file,
            line: lineOf(yaml, config),
            key: "config",
            why: `is a ${isSeq(config) ? "list" : "single value"}, not a map of key: value`,
            fix: shape,
        });
    }
    return config.toJSON() as Record<string, unknown>;
}

/**
 * Flattens a stack file's `config:` block. Keys without a namespace belong to the project, as in the CLI.
 * Project-level defaults from Pulumi.yaml apply where the stack sets nothing.
 */
export function readStackSettings(projectDir: string, stack: string, configFile?: string): StackSettings {
    const projectFile = readYamlFile(path.join(projectDir, "Pulumi.yaml")).doc.toJSON() ?? {};
    const project = readProjectName(projectDir);
    const source = configFile ? path.resolve(configFile) : path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(source)) {
        if (configFile) throw new InputError({ file: source, why: "--config names a file that does not exist", fix: "check the path" });
        const stacks = projectStacks(projectDir);
        const guess = closest(stack, stacks, 2);
        throw new InputError({
            file: source,
            why: `no stack "${stack}" in this project${guess ? `; did you mean "${guess}"?` : ""} (stacks: ${stacks.join(", ")})`,
            fix: `name one of those stacks, or give its settings with --config <file>`,
        });
    }
    const yaml = readYamlFile(source);
    const raw = stackFileConfig(yaml);
    const pulumiProblems = pulumiKeyProblems(yaml, raw);
    if (pulumiProblems.length > 0) throw new InputError(pulumiProblems);

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);

    for (const [key, declaration] of Object.entries<unknown>(projectFile.config ?? {})) {
        if (declaration && typeof declaration === "object" && "default" in declaration) {
            config[qualify(key)] = encode(declaration.default);
        } else if (declaration && typeof declaration === "object" && "value" in declaration) {
            config[qualify(key)] = encode(declaration.value);
        }
    }
    for (const [key, value] of Object.entries<unknown>(raw)) {
        const fullKey = qualify(key);
        if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
            config[fullKey] = SECRET_PLACEHOLDER;
            secretKeys.push(fullKey);
        } else {
            config[fullKey] = encode(value);
        }
    }
    return { project, stack, source, config, secretKeys };
}

/** The line of a config key in the file the settings came from (for messages), or undefined. */
export function lineOfSetting(settings: StackSettings, key: string): number | undefined {
    try {
        return lineOfConfigKey(readYamlFile(settings.source), settings.project, key);
    } catch {
        return undefined;
    }
}

/**
 * Stacks of this project that the given stack reads through StackReferences, from its `stacks` config key
 * ("org/project/stack" -> "stack"). Returns the fully qualified names with their local stack names.
 */
export function upstreamStacks(settings: StackSettings): { qualifiedName: string; stack: string; key: string }[] {
    const raw = settings.config[`${settings.project}:stacks`];
    if (!raw) {
        return [];
    }
    let names: unknown;
    try {
        names = JSON.parse(raw);
    } catch {
        return []; // config validation reports the malformed value
    }
    if (!names || typeof names !== "object") {
        return [];
    }
    return Object.entries(names as Record<string, unknown>)
        .filter((e): e is [string, string] => typeof e[1] === "string")
        .map(([role, qualifiedName]) => {
            const parts = qualifiedName.split("/");
            return {
                qualifiedName,
                stack: parts[parts.length - 1],
                project: parts.length === 3 ? parts[1] : undefined,
                key: `${settings.project}:stacks.${role}`,
            };
        })
        .filter(u => u.project === settings.project)
        .map(({ qualifiedName, stack, key }) => ({ qualifiedName, stack, key }));
}

/**
 * The environment stacks the bastion reads back (bastionHost.peers.<env>.stack) that are stacks of this project. Not
 * upstream stacks: they are deployed after the bastion and read it, so the planner feeds them in separately
 * (PlanOptions.peers) and never plans them first.
 */
export function peerStacks(settings: StackSettings): { qualifiedName: string; stack: string }[] {
    let host: unknown;
    try {
        host = JSON.parse(settings.config[`${settings.project}:bastionHost`] ?? "null");
    } catch {
        return []; // config validation reports the malformed value
    }
    const peers = (host as { peers?: Record<string, { stack?: unknown } | null> } | null)?.peers;
    if (!peers || typeof peers !== "object") return [];
    return Object.values(peers)
        .map(peer => peer?.stack)
        .filter((name): name is string => typeof name === "string" && name.split("/").length === 3)
        .filter(name => name.split("/")[1] === settings.project)
        .map(qualifiedName => ({ qualifiedName, stack: qualifiedName.split("/")[2] }));
}
