/**
 * npm run -s learn-actions -- [--write] [--keep] <pulumi type>... | --missing
 * npm run -s learn-actions -- [--write] --from-logs <dir>     (again from the logs of a --keep run)
 *
 * Learns the IAM actions of AWS resource types with Terraform's AWS provider against moto on loopback
 * (plan/deployActions/learn.ts) and prints them as catalog entries; --write records them in
 * components/account/deployActionCatalog.json (the `recorded` part; what the emulator cannot do stays in
 * `fromSource`). --missing learns every AWS type of the four offline plans that the catalog lacks.
 */
import * as fs from "fs";
import { CATALOG_FILE, Catalog, readCatalog } from "../components/account/deployActionsConfig";
import * as path from "path";
import { learnTypes, learnedFromLogs, snippets } from "../plan/deployActions/learn";
import { planStack } from "../plan/run";

const STACKS = ["dns", "bastion", "dev", "prod"];

async function missingTypes(catalog: Catalog): Promise<string[]> {
    const types = new Set<string>();
    for (const stack of STACKS) for (const r of (await planStack(stack)).resources) if (r.type.startsWith("aws:")) types.add(r.type);
    return [...types].filter(t => !catalog[t]).sort();
}

async function main(argv: string[]): Promise<void> {
    const write = argv.includes("--write");
    const keep = argv.includes("--keep");
    const catalog = readCatalog();
    const fromLogs = argv.includes("--from-logs") ? argv[argv.indexOf("--from-logs") + 1] : undefined;
    let types = argv.filter(a => !a.startsWith("--") && a !== fromLogs);
    if (argv.includes("--missing")) types = [...types, ...(await missingTypes(catalog))];
    if (fromLogs) {
        const inDir = new Set(fs.readdirSync(fromLogs).filter(f => fs.statSync(path.join(fromLogs, f)).isDirectory()));
        types = [...snippets().values()].filter(t => inDir.has(t.terraformType)).map(t => t.pulumiType);
    }
    if (types.length === 0) {
        process.stderr.write("usage: npm run -s learn-actions -- [--write] [--keep] <pulumi type>... | --missing\n");
        process.exit(2);
    }
    const known = snippets();
    const learned = fromLogs
        ? learnedFromLogs(
              fromLogs,
              types.map(t => known.get(t)!),
          )
        : await learnTypes(types, { keep });
    for (const l of learned) {
        const entry = catalog[l.pulumiType];
        catalog[l.pulumiType] = { ...entry, terraform: l.terraformType, recorded: l.actions, refused: l.failed };
        if (l.failed.length > 0) process.stderr.write(`${l.pulumiType}: the emulator refused ${l.failed.join(", ")}\n`);
    }
    const out = Object.fromEntries(learned.map(l => [l.pulumiType, catalog[l.pulumiType]]));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    if (write) {
        const sorted = Object.fromEntries(
            Object.keys(catalog)
                .sort()
                .map(k => [k, catalog[k]]),
        );
        fs.writeFileSync(CATALOG_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
    }
}

main(process.argv.slice(2)).catch(e => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
});
