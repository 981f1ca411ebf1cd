/** The environment of bench/startupProbe.js: what the Pulumi CLI would hand the language host for a stack. */
import { StackSettings } from "../plan/stackFile";

/** The current environment minus ts-node and Pulumi settings, so that none leaks into what is measured. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(TS_NODE_|PULUMI_)/.test(k)) env[k] = v;
    return { ...env, ...extra };
}

/**
 * How the language host's ts-node turns TypeScript into JavaScript: "swc" as tsconfig.json says; "typescript",
 * TypeScript's own transpiler (tsconfig.typescript.json), as before swc; "typeCheck", TypeScript type-checking
 * every file (PULUMI_NODEJS_TRANSPILE_ONLY=false), as before tsconfig.json turned that off.
 */
export type ProbeTranspile = "swc" | "typescript" | "typeCheck";

/**
 * Config as the CLI passes it (PULUMI_CONFIG), TypeScript on as `runtime.options.typescript: true` makes the CLI
 * set it, upstream stacks' outputs for the StackReferences, and the spawn time to measure from.
 */
export function startupProbeEnv(
    settings: StackSettings,
    upstream: Readonly<Record<string, unknown>>,
    transpile: ProbeTranspile = "swc",
): NodeJS.ProcessEnv {
    return cleanEnv({
        PULUMI_CONFIG: JSON.stringify(settings.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(settings.secretKeys),
        PULUMI_NODEJS_TYPESCRIPT: "true",
        // swc refuses to run with type-checking on, so both earlier set-ups take the config without it.
        ...(transpile === "swc" ? {} : { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.typescript.json" }),
        ...(transpile === "typeCheck" ? { PULUMI_NODEJS_TRANSPILE_ONLY: "false" } : {}),
        TWINE_PROBE_PROJECT: settings.project,
        TWINE_PROBE_STACK: settings.stack,
        TWINE_PROBE_ACCOUNT: settings.config[`${settings.project}:accountId`],
        TWINE_PROBE_REGION: settings.config["aws:region"],
        TWINE_PROBE_UPSTREAM: JSON.stringify(upstream),
        TWINE_PROBE_SPAWNED_AT: String(Date.now()),
    });
}
