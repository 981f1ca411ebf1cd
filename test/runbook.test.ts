/**
 * The runbook cites config keys, stack outputs and files by name; a rename in code must not leave it pointing at
 * something that no longer exists. Checks every `twine-infra:<key>` and dotted config key, every output it names,
 * and every repository path, against the role schemas, the outputs contract and the tree.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { ROLE_SCHEMAS } from "../config/schema";
import { bastionOutputsSchema, dnsOutputsSchema, envOutputsSchema } from "../stacks/outputs";

const REPO = path.resolve(__dirname, "..");
const RUNBOOK = fs.readFileSync(path.join(REPO, "docs", "runbook.md"), "utf8");
const CONTRACTS: Record<string, z.ZodType> = {
    dns: dnsOutputsSchema,
    bastion: bastionOutputsSchema,
    dev: envOutputsSchema,
    prod: envOutputsSchema,
};

/** The schema a path segment leads to, looking through optional/default/lazy/pipe wrappers; undefined if none. */
function child(schema: z.ZodType, segment: string): z.ZodType | undefined {
    const def = (schema as any).def;
    switch (def.type) {
        case "optional":
        case "nullable":
        case "default":
        case "prefault":
        case "readonly":
            return child(def.innerType, segment);
        case "lazy":
            return child(def.getter(), segment);
        case "pipe":
            return child(def.in, segment);
        case "array":
            return child(def.element, segment);
        case "object":
            return Object.prototype.hasOwnProperty.call(def.shape, segment) ? def.shape[segment] : undefined;
        case "record":
            return def.valueType;
        default:
            return undefined;
    }
}

/** Whether a dotted path ("a.b.c", "environments.<env>.database") exists in the schema. */
function resolves(schema: z.ZodType, dotted: string): boolean {
    let current: z.ZodType | undefined = schema;
    for (const segment of dotted.split(".").filter(s => s.length > 0)) {
        current = current && child(current, segment);
        if (!current) return false;
    }
    return true;
}

/** "a.{b,c}.d" -> ["a.b.d", "a.c.d"]. */
function expandBraces(key: string): string[] {
    const m = /\{([^}]*)\}/.exec(key);
    if (!m) return [key];
    return m[1].split(",").flatMap(alt => expandBraces(key.slice(0, m.index) + alt + key.slice(m.index + m[0].length)));
}

const inlineCode = (text: string) => [...text.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`\n]+)`/g)].map(m => m[1]);
const configSchemas = Object.values(ROLE_SCHEMAS) as z.ZodType[];
const inConfig = (key: string) => configSchemas.some(s => resolves(s, key));
// A field of one environment's outputs (databaseEndpoint...) is cited bare, as part of the `environments` output.
const inOutputs = (stacks: readonly string[], key: string) =>
    stacks.some(s => resolves(CONTRACTS[s], key) || (s !== "dns" && s !== "bastion" && resolves(CONTRACTS[s], `environments.x.${key}`)));
const topLevelConfigKeys = new Set(configSchemas.flatMap(s => Object.keys((s as unknown as { shape: object }).shape)));

describe("runbook (docs/runbook.md)", () => {
    it("cites only config keys that the role schemas define", () => {
        const prefixed = [...RUNBOOK.matchAll(/twine-infra:([A-Za-z][\w.{},<>-]*[\w}>])/g)].map(m => m[1]);
        const dotted = inlineCode(RUNBOOK).filter(t => /^[a-z]\w*(\.[\w{},<>]+)+$/.test(t) && topLevelConfigKeys.has(t.split(".")[0]));
        const keys = [...new Set([...prefixed, ...dotted].flatMap(expandBraces))];
        assert.ok(keys.length >= 15, `expected the runbook to cite config keys, found ${keys.length}`);
        const unknown = keys.filter(k => !inConfig(k.replace(/<[^>]+>/g, "x")));
        assert.deepEqual(unknown, [], `config keys in the runbook that no role schema defines: ${unknown.join(", ")}`);
    });

    it("cites only outputs that the outputs contract defines", () => {
        const all = Object.keys(CONTRACTS);
        const cited: { stacks: readonly string[]; key: string }[] = [];
        // `pulumi stack output --stack <org>/twine-infra/<stack> <name>`
        for (const m of RUNBOOK.matchAll(/stack output --stack \S*?(dns|bastion|dev|prod) ([A-Za-z]\w*)/g))
            cited.push({ stacks: [m[1]], key: m[2] });
        // "the `x` output", "outputs `x`", "output (`x`, `y`)"
        for (const m of RUNBOOK.matchAll(/`([A-Za-z][\w.]*)` outputs?\b/g)) cited.push({ stacks: all, key: m[1] });
        for (const m of RUNBOOK.matchAll(/\boutputs? \(?((?:`[A-Za-z][\w.]*`,? ?)+)/g)) {
            for (const t of m[1].matchAll(/`([^`]+)`/g)) cited.push({ stacks: all, key: t[1] });
        }
        // The deploy-order table: what each stack takes from the stacks it reads.
        const table = RUNBOOK.slice(RUNBOOK.indexOf("| stack | reads | what it takes |"));
        for (const row of table
            .split("\n")
            .slice(2)
            .filter(l => l.startsWith("|"))) {
            const [, , reads, takes] = row.split("|").map(c => c.trim());
            const upstream = [...reads.matchAll(/`(\w+)`/g)].map(m => m[1]);
            for (const t of inlineCode(takes).filter(t => !t.includes("<") && !t.includes(" "))) cited.push({ stacks: upstream, key: t });
        }
        assert.ok(cited.length >= 15, `expected the runbook to cite outputs, found ${cited.length}`);
        const unknown = cited.filter(c => !inOutputs(c.stacks, c.key)).map(c => `${c.key} (${c.stacks.join("/")})`);
        assert.deepEqual(unknown, [], `outputs in the runbook that the contract does not define: ${unknown.join(", ")}`);
    });

    it("names only repository files that exist", () => {
        const paths = inlineCode(RUNBOOK).filter(
            t => /^(components|config|stacks|images|policy|scripts|test|plan|docs)\/[\w./-]+$/.test(t) || /^Pulumi\.\w+\.yaml$/.test(t),
        );
        assert.ok(paths.length >= 5, `expected the runbook to name files, found ${paths.length}`);
        const missing = paths.filter(p => !fs.existsSync(path.join(REPO, p)));
        assert.deepEqual(missing, [], `files named in the runbook that do not exist: ${missing.join(", ")}`);
    });

    it("checks what it claims to (a wrong key, output and path are caught)", () => {
        assert.equal(inConfig("image.aptRepo.twineVersion"), true);
        assert.equal(inConfig("image.aptRepo.twineVersoin"), false);
        assert.equal(inConfig("environments.x.database.instanceClass"), true);
        assert.equal(inOutputs(["dns"], "nameServers"), true);
        assert.equal(inOutputs(["dns"], "amiId"), false);
        assert.equal(inOutputs(["prod"], "environments.x.databaseSecretArn"), true);
        assert.deepEqual(expandBraces("a.{b,c}.d"), ["a.b.d", "a.c.d"]);
    });
});
