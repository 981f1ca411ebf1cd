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
import { ImportFile, importLines, openSearchRoleImport, retainedImportFile, trailImport } from "../doctor/imports";
import { bastionOutputsSchema, dnsOutputsSchema, envOutputsSchema } from "../stacks/outputs";
import { byUrn, engineUrnOf, ofType, organizationPlanOf, planOf } from "./helpers/plans";

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

describe("runbook: the first-deploy checklist, as a person runs it", () => {
    const checklist = RUNBOOK.slice(RUNBOOK.indexOf("## 0. First deploy"), RUNBOOK.indexOf("## 1. "));
    const shell = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map(m => m[1]).join("\n");

    it("sets every shell variable before a command uses it, top to bottom", () => {
        const lines = shell(checklist).split("\n");
        const set = new Set<string>();
        const unset: string[] = [];
        let quotedHeredocEnd: string | undefined;
        for (const line of lines) {
            // A quoted here-document (<<'END') keeps `$` literal until its end line.
            if (quotedHeredocEnd !== undefined) {
                if (line.trim() === quotedHeredocEnd) quotedHeredocEnd = undefined;
                continue;
            }
            quotedHeredocEnd = /<<'(\w+)'/.exec(line)?.[1];
            for (const m of line.matchAll(/\bfor ([a-z_]+) in /g)) set.add(m[1]);
            // Single quotes keep `$` literal (a URN's type separator).
            for (const m of line.replace(/'[^']*'/g, "''").matchAll(/\$\{?([a-z_]+)\b/g))
                if (!set.has(m[1])) unset.push(`$${m[1]} in: ${line.trim()}`);
            for (const m of line.matchAll(/(?:^|[;\s])(?:export )?([a-z_]+)=/g)) set.add(m[1]);
        }
        assert.ok(set.has("bootstrap"), "the checklist makes the bootstrap stack file itself");
        assert.deepEqual(unset, []);
    });

    it("opens no stack through its ESC import before that environment exists (every preview and up uses the bootstrap file)", () => {
        // Steps 1 to 10 run before any stack's second `up`: the committed stack files import environments made by the
        // organization stack, which log in to roles each stack's first `up` creates. The organization stack itself
        // imports only its admin environment, made by hand just before.
        const beforeEsc = checklist.slice(0, checklist.indexOf("11. **dev, second `up`**"));
        const commands = shell(beforeEsc)
            .split("\n")
            .filter(l => /\bpulumi (preview|up|import)\b/.test(l) && !/^cd pulumi-cloud && .*--stack organization\b/.test(l.trim()));
        assert.ok(commands.length >= 2);
        assert.deepEqual(
            commands.filter(l => !l.includes('--config-file "$bootstrap"')),
            [],
        );
    });

    it("selects the profile it logs in with, so doctor and the AWS CLI use it", () => {
        const logins = [...checklist.matchAll(/aws sso login --profile ("?)(\S+?)\1[;\s]([^\n]*)/g)];
        assert.ok(logins.length >= 2);
        for (const [line, quote, profile, rest] of logins) {
            assert.ok(rest.includes(`export AWS_PROFILE=${quote}${profile}${quote}`), line);
        }
    });

    it("excludes the bake's gate by the URN the engine gives it in dev's plan", async () => {
        const plan = await planOf("dev");
        const gate = ofType(plan, "command:local:Command").find(c => c.name === "app-image-gate");
        assert.ok(gate);
        const cited = [...RUNBOOK.matchAll(/gate='([^']+)'/g)].map(m => m[1]);
        assert.ok(cited.length >= 2);
        for (const urn of cited) assert.equal(urn, engineUrnOf(plan, gate));
        assert.doesNotMatch(RUNBOOK, /app-image-build/);
    });

    it("imports the retained buckets and the OpenSearch role under the parent and provider the plan gives them", async () => {
        const json = /cat > import\.json <<'JSON'\n([\s\S]*?)\nJSON/.exec(RUNBOOK);
        assert.ok(json, "the import file");
        for (const stack of ["dev", "prod"] as const) {
            const plan = await planOf(stack);
            const buckets = ofType(plan, "aws:s3/bucket:Bucket");
            const trailLogs = buckets.find(b => b.name === `${stack}-baseline-trail-logs`)!;
            const [, account, region] = /^twine-cloudtrail-(\d+)-(.+)$/.exec(String(trailLogs.inputs.bucket))!;
            const file: ImportFile = JSON.parse(
                json[1]
                    .replace(/<stack>/g, stack)
                    .replace(/<account>/g, account)
                    .replace(/<region>/g, region),
            );
            assert.deepEqual(file, retainedImportFile(stack, account, region));
            for (const entry of file.resources) {
                const planned = ofType(plan, entry.type).find(r => r.name === entry.name);
                assert.ok(planned, `${stack}: no ${entry.type} ${entry.name}`);
                assert.equal(
                    entry.id,
                    entry.type === "aws:cloudtrail/trail:Trail"
                        ? `arn:aws:cloudtrail:${region}:${account}:trail/${planned.inputs.name}`
                        : planned.inputs.bucket,
                );
                assert.equal(file.nameTable[entry.parent], engineUrnOf(plan, byUrn(plan, planned.parent)!), `${entry.name}'s parent`);
                assert.equal(file.nameTable[entry.provider], engineUrnOf(plan, byUrn(plan, planned.provider)!), `${entry.name}'s provider`);
            }
            // doctor's retained-bucket check looks up exactly the plan's retained, fixed-name buckets, and imports each
            // with the line the file's entry makes.
            const retainedNamed = buckets.filter(b => b.options.retainOnDelete && typeof b.inputs.bucket === "string");
            const lines = importLines(stack, file).filter(i => i.type === "aws:s3/bucket:Bucket");
            assert.deepEqual(lines.map(i => i.id).sort(), retainedNamed.map(b => String(b.inputs.bucket)).sort());
            for (const { line } of lines) {
                const planned = retainedNamed.find(b => line.includes(` ${b.name} ${String(b.inputs.bucket)} `))!;
                assert.equal(/--parent 'parent=([^']+)'/.exec(line)?.[1], engineUrnOf(plan, byUrn(plan, planned.parent)!), line);
                assert.equal(/--provider 'aws=([^']+)'/.exec(line)?.[1], engineUrnOf(plan, byUrn(plan, planned.provider)!), line);
            }
            // doctor's commands, each against the plan
            const role = ofType(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole").find(r => r.name === `${stack}-opensearch`)!;
            const trail = ofType(plan, "aws:cloudtrail/trail:Trail").find(r => r.name === `${stack}-baseline-trail`)!;
            for (const [command, planned] of [
                [openSearchRoleImport(stack, account), role],
                [trailImport(stack, `arn:aws:cloudtrail:${region}:${account}:trail/twine-${stack}`), trail],
            ] as const) {
                assert.match(command, new RegExp(` ${planned.type} ${planned.name} `));
                assert.equal(/--parent 'parent=([^']+)'/.exec(command)?.[1], engineUrnOf(plan, byUrn(plan, planned.parent)!), command);
                assert.equal(/--provider 'aws=([^']+)'/.exec(command)?.[1], engineUrnOf(plan, byUrn(plan, planned.provider)!), command);
            }
        }
        assert.ok(RUNBOOK.includes(openSearchRoleImport("prod", "<account>")), "the runbook's OpenSearch import is doctor's");
    });
});

describe("runbook: moving the Pulumi Cloud resources from the stacks into the organization stack", () => {
    const start = RUNBOOK.indexOf("**Upgrading from a version whose stacks declared the Pulumi Cloud resources**");
    const section = RUNBOOK.slice(start, RUNBOOK.indexOf("pulumi preview --stack organization   #", start) + 200);
    const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(m => m[1].split("\n").map(l => l.trim()));

    it("removes them from every stack's state before the change reaches main, with everything under or through them", () => {
        assert.ok(start > 0, "the upgrade procedure");
        assert.match(section, /before the change reaches main/);
        assert.match(section, /Jenkins\s+keeps its old deploy stage and Pulumi token until its image is replaced/);
        const deletes = commands.filter(l => /\bpulumi state delete\b/.test(l));
        assert.equal(deletes.length, 2);
        for (const l of deletes) assert.match(l, /--target-dependents/);
        assert.ok(deletes.some(l => l.includes('"urn:pulumi:$s::twine-infra::twine:index:EscEnvironments::$s-esc"')));
        assert.ok(deletes.some(l => l.includes('"urn:pulumi:$s::twine-infra::pulumi:providers:pulumiservice::$s-pulumi-cloud"')));
        assert.ok(section.indexOf("pulumi state delete") < section.indexOf("merge the change"), "deletes, then the merge");
    });

    it("imports with the file the program writes (parents and provider), never a bare import", async () => {
        const imports = commands.filter(l => /\bpulumi (import|preview)\b.*--stack organization/.test(l));
        assert.ok(imports.some(l => /^pulumi preview --stack organization --import-file import\.json\b/.test(l)));
        assert.ok(imports.some(l => /^pulumi import --stack organization --file import\.json\b/.test(l)));
        assert.deepEqual(
            commands.filter(l => /\bpulumi import\b/.test(l) && !/--file import\.json/.test(l)),
            [],
        );
        // Why a bare import is wrong: the program puts every Pulumi Cloud resource under a component, through its
        // own provider, and keeps the environments' component named as the stacks named it (the state delete's URN).
        const plan = await organizationPlanOf();
        const cloud = plan.resources.filter(r => r.type.startsWith("pulumiservice:"));
        assert.ok(cloud.length > 0);
        for (const r of cloud) {
            assert.ok(r.parent && byUrn(plan, r.parent)?.type.startsWith("twine:index:"), r.name);
            assert.match(String(r.provider), /pulumi:providers:pulumiservice::pulumi-cloud(::|$)/, r.name);
        }
        const esc = ofType(plan, "twine:index:EscEnvironments").map(r => r.name);
        assert.deepEqual(esc.sort(), ["bastion-esc", "dev-esc", "dns-esc", "prod-esc"]);
    });
});
