/**
 * The delivery identities, closed by construction: what the docs and workflows ask for, and how the workflows'
 * identities agree with what the stacks declare.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "./helpers/config";

/** Every Markdown file a reader follows: the README and docs/. */
function markdownFiles(): string[] {
    const docs = fs
        .readdirSync(path.join(REPO, "docs"))
        .filter(f => f.endsWith(".md"))
        .map(f => path.join(REPO, "docs", f));
    return [path.join(REPO, "README.md"), ...docs];
}

function workflowFiles(): string[] {
    const dir = path.join(REPO, ".github", "workflows");
    return fs
        .readdirSync(dir)
        .filter(f => /\.ya?ml$/.test(f))
        .map(f => path.join(dir, f));
}

describe("no stored Pulumi token in GitHub", () => {
    it("no document tells readers to store a Pulumi token as a repository secret", () => {
        // Repository secrets reach pull requests from branches of the repository: a stored token is every branch's.
        const told: string[] = [];
        for (const file of markdownFiles()) {
            const paragraphs = fs.readFileSync(file, "utf8").split(/\n\s*\n/);
            for (const p of paragraphs) {
                const flat = p.replace(/\s+/g, " ");
                if (/PULUMI_ACCESS_TOKEN/.test(flat) && /(repository|GitHub|Actions|workflow) secret/i.test(flat)) {
                    told.push(`${path.relative(REPO, file)}: ${flat.slice(0, 200)}`);
                }
            }
        }
        assert.deepEqual(told, []);
    });

    it("no workflow reads a Pulumi token from the repository's secrets", () => {
        for (const file of workflowFiles()) {
            const text = fs.readFileSync(file, "utf8");
            assert.doesNotMatch(text, /secrets\.PULUMI/, path.relative(REPO, file));
        }
    });
});
