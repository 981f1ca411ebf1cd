/**
 * What the README, the runbook and the stack files claim, checked against what the code does: upstream stacks are
 * planned from the working tree, the runbook's add-an-environment snippets plan as written and its output list is
 * complete, its placeholder grep finds every placeholder, and the stack files' pointers lead somewhere.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { planStack } from "../plan/run";
import { writeAll } from "../scripts/docs";
import { REPO, committedConfig, objectKey, withKey, writeStackFile } from "./helpers/config";
import { planWithConfig } from "./helpers/plans";
import { PLACEHOLDER_AMI_ID } from "../components/access/ubuntuAmi";

const RUNBOOK = fs.readFileSync(path.join(REPO, "docs", "runbook.md"), "utf8");
const STACK_FILES = fs.readdirSync(REPO).filter(f => /^Pulumi\..+\.yaml$/.test(f));

/** The runbook section whose heading starts with `title`, up to the next section of the same level. */
function section(title: string): string {
    const start = RUNBOOK.indexOf(`\n## ${title}`);
    assert.ok(start >= 0, `no section "${title}" in the runbook`);
    const end = RUNBOOK.indexOf("\n## ", start + 4);
    return RUNBOOK.slice(start, end < 0 ? undefined : end);
}

const blocks = (text: string, lang: string) => [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map(m => m[1]);

function toInt(ip: string): number {
    return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function overlaps(a: string, b: string): boolean {
    const range = (c: string) => {
        const [ip, bits] = c.split("/");
        const size = 2 ** (32 - Number(bits));
        const start = Math.floor(toInt(ip) / size) * size;
        return [start, start + size - 1];
    };
    const [a0, a1] = range(a);
    const [b0, b1] = range(b);
    return a0 <= b1 && b0 <= a1;
}

describe("what the docs claim", () => {
    it("plans upstream stacks from their files in the working tree, uncommitted edits included", async () => {
        const tree = fs.mkdtempSync(path.join(os.tmpdir(), "twine-tree-"));
        for (const f of ["Pulumi.yaml", ...STACK_FILES]) fs.copyFileSync(path.join(REPO, f), path.join(tree, f));
        const taken = ["bastion", "dev", "prod"].map(s => String(objectKey(committedConfig(s), "twine-infra:network").cidr));
        const moved = ["10.250.0.0/24", "172.31.250.0/24", "192.168.250.0/24"].find(c => taken.every(t => !overlaps(c, t)))!;
        const bastionFile = path.join(tree, "Pulumi.bastion.yaml");
        const text = fs.readFileSync(bastionFile, "utf8");
        const edited = text.replace(/(twine-infra:network:\n\s+cidr: )\S+/, `$1${moved}`);
        assert.notEqual(edited, text, "could not find the bastion's network.cidr");
        fs.writeFileSync(bastionFile, edited);

        const dev = await planStack("dev", { projectDir: tree });
        const routes = dev.resources.filter(r => r.type === "aws:ec2/route:Route" && r.inputs.destinationCidrBlock === moved);
        assert.ok(routes.length > 0, `dev routes nothing to the edited bastion VPC ${moved}`);
    });

    describe("runbook: adding an environment", () => {
        const text = section("3. Adding an environment");

        for (const [i, snippet] of blocks(text, "yaml").entries()) {
            it(`plans dev with snippet ${i + 1} as written`, async () => {
                const added = (parse(snippet) as Record<string, Record<string, unknown>>)["twine-infra:environments"];
                const envs = { ...objectKey(committedConfig("dev"), "twine-infra:environments"), ...added };
                const plan = await planWithConfig("dev", writeStackFile(withKey(committedConfig("dev"), "twine-infra:environments", envs)));
                const outputs = plan.outputs.environments as Record<string, Record<string, unknown>>;
                for (const name of Object.keys(added)) {
                    assert.ok(outputs[name], `${name} is not in the environments output`);
                    const listed = /appears in the `environments` output \(([^)]*)\)/
                        .exec(text)?.[1]
                        .match(/`([^`]+)`/g)
                        ?.map(k => k.slice(1, -1));
                    assert.deepEqual(
                        listed?.sort(),
                        Object.keys(outputs[name]).sort(),
                        "the runbook lists other outputs than an environment has",
                    );
                }
            });
        }

        it("does not call the app tier unwired", () => {
            assert.doesNotMatch(text, /once the app tier is wired/);
        });
    });

    describe("runbook: the placeholder grep", () => {
        const command = /grep -n\S* '[^']+' Pulumi\.\*\.yaml/.exec(section("1. Bootstrapping"))?.[0];
        const grep = (cwd: string) => {
            const args = [...command!.matchAll(/'([^']+)'|(\S+)/g)].map(m => m[1] ?? m[2]).slice(1);
            const files = args.pop()!;
            const result = spawnSync(
                "grep",
                [...args, ...fs.readdirSync(cwd).filter(f => new RegExp(`^${files.replace(/\./g, "\\.").replace("*", ".*")}$`).test(f))],
                { cwd, encoding: "utf8" },
            );
            return new Set(result.stdout.split("\n").filter(Boolean));
        };

        it("is in the runbook", () => assert.ok(command, "no grep over Pulumi.*.yaml in the bootstrapping section"));

        it("shows the documentation-range SSH sources and the account-id placeholders", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-grep-"));
            const lines = [
                "config:",
                '  twine-infra:accountId: "222222222222"',
                "  twine-infra:bastionHost:",
                "    sshAllowedCidrs:",
                "      - 203.0.113.0/24",
                "      - 198.51.100.0/24",
                "      - 192.0.2.0/24",
            ];
            fs.writeFileSync(path.join(dir, "Pulumi.bastion.yaml"), `${lines.join("\n")}\n`);
            fs.writeFileSync(path.join(dir, "Pulumi.dns.yaml"), "config: {}\n"); // with several files, grep names each line's file
            const shown = grep(dir);
            for (const [i, line] of lines.entries()) {
                if (/\d+\.\d+\.\d+\.\d+|2{12}/.test(line))
                    assert.ok(shown.has(`Pulumi.bastion.yaml:${i + 1}:${line}`), `grep misses line ${i + 1}: ${line}`);
            }
        });

        it("shows every line of the stack files that still holds a documentation range or a placeholder note", () => {
            const shown = grep(REPO);
            for (const file of STACK_FILES) {
                for (const [i, line] of fs.readFileSync(path.join(REPO, file), "utf8").split("\n").entries()) {
                    if (/placeholder|\b(192\.0\.2|198\.51\.100|203\.0\.113)\./i.test(line))
                        assert.ok(shown.has(`${file}:${i + 1}:${line}`), `grep misses ${file}:${i + 1}`);
                }
            }
        });
    });

    describe("runbook: granting and revoking access", () => {
        const text = section("4. Granting and revoking access");

        it("deploys the affected environment stack after the bastion: the database rules follow the grants at its deploy", () => {
            assert.doesNotMatch(text, /need no redeploy/, "a tunnel grant only reaches a database once its environment stack is deployed");
            const commands = blocks(text, "sh").join("\n");
            const bastionUp = commands.indexOf("pulumi up      --stack twine/twine-infra/bastion");
            const devUp = commands.indexOf("pulumi up      --stack twine/twine-infra/dev");
            assert.ok(bastionUp >= 0 && devUp > bastionUp, "no `pulumi up` of dev after the bastion's in section 4");
        });
    });

    describe("runbook: the AMI pins", () => {
        it("the placeholder grep shows a pin still at the documentation's example id", () => {
            const command = /grep -n\S* '([^']+)' Pulumi\.\*\.yaml/.exec(section("1. Bootstrapping"))!;
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-grep-"));
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `config:\n  twine-infra:bastionHost:\n    amiId: ${PLACEHOLDER_AMI_ID}\n`);
            const shown = spawnSync("grep", ["-ni", command[1], "Pulumi.dev.yaml"], { cwd: dir, encoding: "utf8" }).stdout;
            assert.match(shown, new RegExp(`^3:\\s+amiId: ${PLACEHOLDER_AMI_ID}$`, "m"));
        });
    });

    it("npm run docs writes every file or none: a failure leaves the tree as it was", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-docs-"));
        fs.writeFileSync(path.join(dir, "a.md"), "old a\n");
        fs.writeFileSync(path.join(dir, "blocker"), "a file where a folder is needed\n");
        assert.throws(() =>
            writeAll([
                [path.join(dir, "a.md"), "new a\n"],
                [path.join(dir, "blocker", "b.md"), "new b\n"],
            ]),
        );
        assert.equal(fs.readFileSync(path.join(dir, "a.md"), "utf8"), "old a\n");
        assert.deepEqual(fs.readdirSync(dir).sort(), ["a.md", "blocker"]);
        writeAll([
            [path.join(dir, "a.md"), "new a\n"],
            [path.join(dir, "docs", "b.md"), "new b\n"],
        ]);
        assert.equal(fs.readFileSync(path.join(dir, "docs", "b.md"), "utf8"), "new b\n");
    });

    it("points the stack files' comments at sections and files that exist", () => {
        let pointers = 0;
        for (const file of STACK_FILES) {
            const text = fs.readFileSync(path.join(REPO, file), "utf8");
            for (const m of text.matchAll(/see "([^"]+)" in (the README|[\w./-]+\.md)/g)) {
                const target = m[2] === "the README" ? "README.md" : m[2];
                const headings = fs
                    .readFileSync(path.join(REPO, target), "utf8")
                    .split("\n")
                    .filter(l => /^#+ /.test(l))
                    .map(l => l.replace(/^#+ /, ""));
                assert.ok(headings.includes(m[1]), `${file}: no section "${m[1]}" in ${target}`);
                pointers++;
            }
            for (const m of text.matchAll(/\((?:see )?((?:config|components|stacks|plan|docs)\/[\w./-]+\.(?:ts|md))/g)) {
                assert.ok(fs.existsSync(path.join(REPO, m[1])), `${file}: ${m[1]} does not exist`);
                pointers++;
            }
        }
        assert.ok(pointers > 0, "no pointers found: the patterns are stale");
    });
});
