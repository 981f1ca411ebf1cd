import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { configKeyDocs } from "../config/reference";
import { architectureDiagram } from "../plan/diagram";
import { STACK_ORDER, generateDocs, svgDigestComment } from "../scripts/docs";
import { STACK_OUTPUT_CONTRACTS, outputDocs } from "../stacks/outputsReference";
import { REPO } from "./helpers/config";
import { StackName, fixturePlanOf, organizationPlanOf } from "./helpers/plans";

const read = (relative: string) => fs.readFileSync(path.join(REPO, relative), "utf8");

describe("generated documentation", () => {
    let generated: ReturnType<typeof generateDocs>;
    before(async () => {
        const plans = [];
        for (const stack of STACK_ORDER) plans.push(await fixturePlanOf(stack as StackName));
        plans.push(await organizationPlanOf());
        generated = generateDocs(plans, read("README.md"));
    });

    it("the committed diagram, outputs reference and README blocks match the code (run `npm run docs` if not)", () => {
        for (const [relative, content] of Object.entries(generated.files))
            assert.equal(read(relative), content, `${relative} is stale: run npm run docs`);
        assert.equal(read("README.md"), generated.readme, "README.md's generated blocks are stale: run npm run docs");
    });

    it("the committed image was drawn from the current diagram source", () => {
        assert.ok(
            read("docs/architecture.svg").includes(svgDigestComment(generated.dot)),
            "docs/architecture.svg is stale: run npm run docs (needs graphviz)",
        );
    });

    it("the README shows the diagram and links the outputs reference", () => {
        const readme = read("README.md");
        assert.match(readme, /```mermaid\nflowchart LR\n/);
        assert.match(readme, /\]\(docs\/architecture\.svg\)/);
        assert.match(readme, /\]\(docs\/outputs\.md\)/);
    });

    it("lists each key once per allowed value, only for the stacks that accept it, with each role's own description", () => {
        const docs = configKeyDocs();
        for (const doc of docs) {
            const values = doc.type.split(" \\| ");
            assert.equal(new Set(values).size, values.length, `${doc.key} repeats a value: ${doc.type}`);
        }
        assert.deepEqual(docs.find(d => d.key === "twine-infra:stacks.dev")?.roles, ["prod"], "stacks.dev is refused in dev");
        const dns = docs.find(d => d.key === "twine-infra:stacks.dns")!;
        assert.match(dns.description, /^bastion: .*bastion\.<apex>.* dev, prod: /, "stacks.dns's descriptions differ by role");
        const page = read("docs/configuration.md");
        assert.doesNotMatch(page, /add a row to the table/);
        assert.doesNotMatch(read("README.md"), /GENERATED config-reference/, "the reference lives in docs/configuration.md");
    });

    it("every config key and every output has a description", () => {
        for (const doc of configKeyDocs()) assert.ok(doc.description.length > 10, `config key ${doc.key} has no description in config/`);
        for (const stack of Object.keys(STACK_OUTPUT_CONTRACTS)) {
            for (const doc of outputDocs(stack))
                assert.ok(doc.description.length > 10, `output ${stack}.${doc.name} has no description in stacks/outputs.ts`);
        }
    });

    it("draws every account as a box and the reads between stacks as edges", async () => {
        const plans = [];
        for (const stack of STACK_ORDER) plans.push(await fixturePlanOf(stack as StackName));
        const diagram = architectureDiagram(plans);
        assert.deepEqual(
            diagram.accounts.map(a => a.stack),
            STACK_ORDER,
        );
        assert.ok(diagram.nodes.some(n => n.account === "dns" && /zone twinehr\.com/.test(n.label)));
        assert.ok(diagram.edges.some(e => e.from === "account_dev" && e.to === "account_prod"));
    });
});
