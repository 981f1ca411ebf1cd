/** Builders for flat Pulumi config maps, as the CLI hands them to the program. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ConfigError, parseStackConfig } from "../../config";
import { readStackSettings } from "../../plan/stackFile";

export const REPO = path.resolve(__dirname, "..", "..");

/** The fixture project: copies of the stack files that exact-value tests pin (users edit the committed ones). */
export const FIXTURES = path.join(REPO, "test", "fixtures");

/**
 * The committed config of a stack, as a flat "namespace:key" -> string map. Only for tests that assert what holds
 * for any valid config: users edit these files for their own accounts.
 */
export function committedConfig(stack: string): Record<string, string> {
    return { ...readStackSettings(REPO, stack).config };
}

/** The fixture config of a stack (test/fixtures), as a flat map: the config that exact-value tests start from. */
export function fixtureConfig(stack: string): Record<string, string> {
    return { ...readStackSettings(FIXTURES, stack).config };
}

/** Reads a structured key as an object, for editing in a test. */
export function objectKey(config: Record<string, string>, key: string): any {
    return JSON.parse(config[key]);
}

/** A copy of the config with `key` replaced (objects are JSON-encoded) or removed (undefined). */
export function withKey(config: Record<string, string>, key: string, value: unknown): Record<string, string> {
    const copy = { ...config };
    if (value === undefined) delete copy[key];
    else copy[key] = typeof value === "string" ? value : JSON.stringify(value);
    return copy;
}

/** A copy with a nested field of a structured key changed (undefined removes it). */
export function withPath(config: Record<string, string>, key: string, fieldPath: string, value: unknown): Record<string, string> {
    const object = objectKey(config, key);
    const parts = fieldPath.split(".");
    let cursor = object;
    for (const part of parts.slice(0, -1)) cursor = cursor[part] ??= {};
    if (value === undefined) delete cursor[parts[parts.length - 1]];
    else cursor[parts[parts.length - 1]] = value;
    return withKey(config, key, object);
}

/** Writes a stack file holding the given flat config into a temp folder, for planWithConfig; returns its path. */
export function writeStackFile(config: Record<string, string>): string {
    const structured: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) structured[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-plan-")), "Pulumi.test.yaml");
    fs.writeFileSync(file, stringify({ config: structured }));
    return file;
}

/** Every problem the config validation reports for this config; fails the test if it is accepted. */
export function problemsOf(stack: string, config: Record<string, string>): string[] {
    try {
        parseStackConfig(stack, config);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return [...err.problems];
    }
    return assert.fail(`stack ${stack}: expected the config to be rejected`);
}
