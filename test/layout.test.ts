/**
 * The layout rules of the code base, checked over the source files themselves: config/ loads in any order
 * (no import cycle, one leaf of shared building blocks), so any transpiler that evaluates modules in import
 * order (swc, esbuild) sees every schema defined before it is used.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO, findCycle, relativeImports, sourceFiles } from "./helpers/sources";

describe("code layout", () => {
    describe("config/", () => {
        const files = sourceFiles("config");

        it("has no import cycle", () => {
            const cycle = findCycle(files);
            assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" -> ")}`);
        });

        it("keeps its shared building blocks in a leaf that imports nothing else from config/", () => {
            assert.deepEqual(
                relativeImports("config/primitives.ts").filter(f => f.startsWith("config/")),
                [],
            );
        });

        it("has no workaround for load order left: no z.lazy, no getter in a schema", () => {
            for (const file of files) {
                const text = fs.readFileSync(path.join(REPO, file), "utf8");
                assert.doesNotMatch(text, /z\.lazy\(|^\s+get \w+\(\) \{/m, file);
            }
        });
    });

    describe("settings flow one way: config resolves them, stacks map them, components take them", () => {
        it("no component imports config/", () => {
            for (const file of sourceFiles("components")) {
                assert.deepEqual(
                    relativeImports(file).filter(f => f.startsWith("config/")),
                    [],
                    file,
                );
            }
        });

        it("no stack or component applies a config default of its own", () => {
            for (const file of [...sourceFiles("stacks"), ...sourceFiles("components")]) {
                assert.doesNotMatch(fs.readFileSync(path.join(REPO, file), "utf8"), /\bwith\w+Defaults\(|\bresolveEnvironments\(/, file);
            }
        });
    });

    describe("stacks/", () => {
        it("constructs no resource: stacks map config and upstream outputs to components, nothing more", () => {
            // A provider package's class constructed here would be a resource outside any component.
            const raw = /\bnew\s+(aws|pulumiservice|command|docker|tls|random)\.[\w.]+\s*\(/;
            for (const file of sourceFiles("stacks")) {
                assert.doesNotMatch(fs.readFileSync(path.join(REPO, file), "utf8"), raw, file);
            }
        });
    });

    describe("components/", () => {
        it("is grouped by domain: every file sits in a domain folder", () => {
            const domains = ["access", "account", "app", "data", "delivery", "dns", "network", "operations"];
            for (const file of sourceFiles("components")) {
                assert.ok(domains.includes(file.split("/")[1]), `${file} is not in one of components/{${domains.join(",")}}/`);
            }
        });

        it("shares no file name with stacks/, so a name says which side a file is on", () => {
            const base = (f: string) => path.posix.basename(f);
            const stackNames = new Set(sourceFiles("stacks").map(base));
            assert.deepEqual(
                sourceFiles("components").filter(f => stackNames.has(base(f))),
                [],
            );
        });

        it("names a file that creates no resource for what it holds (*Policy.ts, *Config.ts), not like a component", () => {
            const raw = /\bnew\s+(aws|pulumiservice|command|docker)\.[\w.]+\s*\(|extends pulumi\.ComponentResource/;
            // Pure helpers that are neither a policy nor a config, named for the one thing they compute.
            const otherPure = [
                "components/network/cidr.ts",
                "components/network/subnetPlan.ts",
                "components/delivery/buildContextHash.ts",
                "components/access/ubuntuAmi.ts",
                "components/account/escGrammar.ts",
            ];
            for (const file of sourceFiles("components")) {
                if (raw.test(fs.readFileSync(path.join(REPO, file), "utf8")) || otherPure.includes(file)) continue;
                assert.match(file, /(Policy|Config)\.ts$/, `${file} creates no resource: name it *Policy.ts or *Config.ts`);
            }
        });
    });
});
