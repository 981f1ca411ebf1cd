/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands them to a program: one flat map of
 * "namespace:key" to string (objects and arrays as JSON), plus the keys whose values are secrets.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface StackSettings {
    readonly project: string;
    readonly stack: string;
    /** Where the config came from, for messages. */
    readonly source: string;
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
}

/** Stands in for a `secure:` value: the plan never sees (or needs) the cleartext. */
export const SECRET_PLACEHOLDER = "[secret]";

function readYaml(file: string): any {
    try {
        return parse(fs.readFileSync(file, "utf8")) ?? {};
    } catch (err) {
        throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
    }
}

export function readProjectName(projectDir: string): string {
    const project = readYaml(path.join(projectDir, "Pulumi.yaml"));
    if (typeof project.name !== "string") {
        throw new Error(`${path.join(projectDir, "Pulumi.yaml")} has no project name`);
    }
    return project.name;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Flattens a stack file's `config:` block. Keys without a namespace belong to the project, as in the CLI.
 * Project-level defaults from Pulumi.yaml apply where the stack sets nothing.
 */
export function readStackSettings(projectDir: string, stack: string, configFile?: string): StackSettings {
    const projectFile = readYaml(path.join(projectDir, "Pulumi.yaml"));
    const project = readProjectName(projectDir);
    const source = configFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(source)) {
        throw new Error(`No config for stack "${stack}": ${path.relative(process.cwd(), source) || source} does not exist`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);

    for (const [key, declaration] of Object.entries<any>(projectFile.config ?? {})) {
        if (declaration && typeof declaration === "object" && "default" in declaration) {
            config[qualify(key)] = encode(declaration.default);
        } else if (declaration && typeof declaration === "object" && "value" in declaration) {
            config[qualify(key)] = encode(declaration.value);
        }
    }
    for (const [key, value] of Object.entries<any>(readYaml(source).config ?? {})) {
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

/**
 * Stacks of this project that the given stack reads through StackReferences, from its `stacks` config key
 * ("org/project/stack" -> "stack"). Returns the fully qualified names with their local stack names.
 */
export function upstreamStacks(settings: StackSettings): { qualifiedName: string; stack: string }[] {
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
    return Object.values(names as Record<string, unknown>)
        .filter((n): n is string => typeof n === "string")
        .map(qualifiedName => {
            const parts = qualifiedName.split("/");
            return { qualifiedName, stack: parts[parts.length - 1], project: parts.length === 3 ? parts[1] : undefined };
        })
        .filter(u => u.project === settings.project)
        .map(({ qualifiedName, stack }) => ({ qualifiedName, stack }));
}
