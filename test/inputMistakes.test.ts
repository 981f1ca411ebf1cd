/**
 * Input mistakes that used to pass: each is refused before any resource exists, with one message that names the
 * file or key, the value, why, and the fix.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { InputError } from "../plan/inputError";
import { planStack, runProgram } from "../plan/run";
import { readStackSettings } from "../plan/stackFile";
import { FIXTURES } from "./helpers/config";
import { serialPlan } from "./helpers/plans";

/** A copy of the fixture project with one stack file edited, removed when `use` settles. */
async function withEditedProject<T>(
    stack: string,
    edit: (doc: ReturnType<typeof parseDocument>) => void,
    use: (dir: string) => Promise<T>,
    before: (dir: string) => void = () => undefined,
) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-fixture-"));
    try {
        fs.cpSync(FIXTURES, dir, { recursive: true });
        before(dir);
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        const doc = parseDocument(fs.readFileSync(file, "utf8"));
        edit(doc);
        fs.writeFileSync(file, doc.toString());
        return await use(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function planError(stack: string, dir: string): Promise<Error> {
    try {
        await serialPlan(() => planStack(stack, { projectDir: dir }));
    } catch (e) {
        return e as Error;
    }
    assert.fail(`planning ${stack} succeeded`);
}

/** Edits the stack file's text instead of its YAML tree (for what the tree cannot hold, like an unquoted 0123). */
async function planEditedText(stack: string, edit: (text: string) => string, target = stack): Promise<Error> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-fixture-"));
    try {
        fs.cpSync(FIXTURES, dir, { recursive: true });
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        const text = fs.readFileSync(file, "utf8");
        assert.notEqual(edit(text), text, "the edit changed nothing");
        fs.writeFileSync(file, edit(text));
        return await planError(target, dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const setStacks = (key: string, value: string) => (doc: ReturnType<typeof parseDocument>) =>
    doc.setIn(["config", "twine-infra:stacks", key], value);

describe("input mistakes", () => {
    describe("a bastion grant to an environment the account does not have (tset for test)", () => {
        const misspell = (doc: ReturnType<typeof parseDocument>) => {
            const users = (doc.getIn(["config", "twine-infra:bastionHost", "users"]) as { toJSON(): { name: string }[] }).toJSON();
            doc.setIn(
                ["config", "twine-infra:bastionHost", "peers", "dev", "access"],
                doc.createNode({ tset: { login: [users[0].name] } }),
            );
        };
        const pointsAtTheBastionsGrant = (message: string) => {
            assert.match(
                message,
                /Pulumi\.bastion\.yaml:\d+: twine-infra:bastionHost\.peers\.dev\.access\.tset: Pulumi\.dev\.yaml \(the dev account/,
            );
            assert.match(
                message,
                /no environment tset.*Fix: name one of integration, test, jenkins under bastionHost\.peers\.dev\.access in Pulumi\.bastion/,
            );
        };

        it("is refused when planning the bastion, at the grant's line, naming the targets dev has", async () => {
            pointsAtTheBastionsGrant((await withEditedProject("bastion", misspell, dir => planError("bastion", dir))).message);
        });

        it("is refused by the bastion's plan before dev's (which plans the bastion first)", async () => {
            pointsAtTheBastionsGrant((await withEditedProject("bastion", misspell, dir => planError("dev", dir))).message);
        });

        it("is refused when planning the bastion even if dev's file leaves environments to their defaults", async () => {
            const devWithDefaultEnvironments = (dir: string) => {
                const file = path.join(dir, "Pulumi.dev.yaml");
                const doc = parseDocument(fs.readFileSync(file, "utf8"));
                doc.deleteIn(["config", "twine-infra:environments"]);
                fs.writeFileSync(file, doc.toString());
            };
            const err = await withEditedProject("bastion", misspell, dir => planError("bastion", dir), devWithDefaultEnvironments);
            assert.match(err.message, /access\.tset: Pulumi\.dev\.yaml \(the dev account/);
            assert.match(err.message, /Fix: name one of integration, test, jenkins/);
        });

        it("is refused by the bastion's program, as in a deploy, against the stack files beside it", async () => {
            const err = await withEditedProject("bastion", misspell, async dir => {
                const settings = readStackSettings(dir, "bastion");
                try {
                    // eslint-disable-next-line @typescript-eslint/no-require-imports
                    await serialPlan(() => runProgram(require("../index"), { stack: "bastion", config: settings.config, projectDir: dir }));
                } catch (e) {
                    return e as Error;
                }
                assert.fail("the bastion program accepted the grant");
            });
            assert.match(err.message, /Invalid configuration for stack "bastion"/);
            assert.match(
                err.message,
                /access\.tset: Pulumi\.dev\.yaml \(the dev account's stack\) has no environment tset.*Fix: .*Pulumi\.bastion/,
            );
        });
    });

    it("suggests the upstream stack a misspelt name meant, never the stack itself (dsn in dev: dns, not dev)", async () => {
        const err = await withEditedProject("dev", setStacks("dns", "twine/twine-infra/dsn"), dir => planError("dev", dir));
        assert.match(err.message, /this project has no stack dsn/);
        assert.match(err.message, /did you mean "twine\/twine-infra\/dns"\?/);
    });

    it("refuses an upstream stack of another organization than the one that owns this stack", async () => {
        const err = await withEditedProject("dev", setStacks("bastion", "acme/twine-infra/bastion"), dir => planError("dev", dir));
        assert.match(
            err.message,
            /twine-infra:stacks\.bastion = "acme\/twine-infra\/bastion": names organization acme, but this stack belongs to twine/,
        );
        assert.match(err.message, /Fix: write twine\/twine-infra\/bastion/);
    });

    it("blames a duplicate account id on the file that was edited, not on the stack that already had the account", async () => {
        const prodAccount = (doc: ReturnType<typeof parseDocument>) => doc.getIn(["config", "twine-infra:accountId"]);
        const err = await withEditedProject(
            "dev",
            doc => {
                const prod = parseDocument(fs.readFileSync(path.join(FIXTURES, "Pulumi.prod.yaml"), "utf8"));
                doc.setIn(["config", "twine-infra:accountId"], doc.createNode(String(prodAccount(prod))));
            },
            dir => planError("prod", dir),
            dir => {
                const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
                git("init", "-q");
                git("add", ".");
                git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "fixtures");
            },
        );
        assert.match(
            err.message,
            /Pulumi\.dev\.yaml:\d+: twine-infra:accountId = "\d{12}": Pulumi\.prod\.yaml also deploys into this account/,
        );
        assert.match(
            err.message,
            /not the one it had where this branch left main.*Fix: .*set twine-infra:accountId in .*Pulumi\.dev\.yaml/,
        );
    });

    it("blames a duplicate account id committed on a branch on the file the branch edited, compared with main", async () => {
        const git = (dir: string, ...args: string[]) =>
            execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { cwd: dir, stdio: "pipe" });
        const prodAccount = String(
            parseDocument(fs.readFileSync(path.join(FIXTURES, "Pulumi.prod.yaml"), "utf8")).getIn(["config", "twine-infra:accountId"]),
        );
        const err = await withEditedProject(
            "dev",
            doc => doc.setIn(["config", "twine-infra:accountId"], doc.createNode(prodAccount)),
            dir => {
                git(dir, "checkout", "-q", "-b", "personal");
                git(dir, "commit", "-q", "-am", "dev in prod's account"); // the edit is committed: HEAD alone cannot tell
                return planError("prod", dir);
            },
            dir => {
                git(dir, "init", "-q", "-b", "main");
                git(dir, "add", ".");
                git(dir, "commit", "-q", "-m", "fixtures");
            },
        );
        assert.equal((err as InputError).problems.length, 1, err.message);
        assert.match(
            err.message,
            /Pulumi\.dev\.yaml:\d+: twine-infra:accountId = "\d{12}": Pulumi\.prod\.yaml also deploys into this account/,
        );
    });

    it("names both files of a duplicate account id when git cannot tell which was edited", async () => {
        const prodAccount = String(
            parseDocument(fs.readFileSync(path.join(FIXTURES, "Pulumi.prod.yaml"), "utf8")).getIn(["config", "twine-infra:accountId"]),
        );
        const err = await withEditedProject(
            "dev",
            doc => doc.setIn(["config", "twine-infra:accountId"], doc.createNode(prodAccount)),
            dir => planError("prod", dir),
        );
        assert.deepEqual((err as InputError).problems.map(p => path.basename(p.file ?? "")).sort(), [
            "Pulumi.dev.yaml",
            "Pulumi.prod.yaml",
        ]);
        assert.match(err.message, /which of these files was edited is not known, so each is named/);
    });

    it("shows a grant to an unknown user by the name, not the whole config", async () => {
        const err = await withEditedProject(
            "bastion",
            doc =>
                doc.setIn(
                    ["config", "twine-infra:bastionHost", "peers", "dev", "access"],
                    doc.createNode({ integration: { login: ["zed"] } }),
                ),
            dir => planError("bastion", dir),
        );
        assert.match(err.message, /access\.integration\.login\[0\] = "zed": zed is not a bastion user/);
        assert.doesNotMatch(err.message, /accountRole/);
    });

    it("refuses an unquoted account id with a leading zero, showing it as written and saying to quote it", async () => {
        const err = await planEditedText("bastion", t => t.replace(/twine-infra:accountId: "\d+"/, "twine-infra:accountId: 012345678901"));
        assert.match(err.message, /twine-infra:accountId = 12345678901: unquoted, YAML reads 012345678901 as the number 12345678901/);
        assert.match(err.message, /Fix: quote it: "012345678901"/);
    });

    it("gives one message, not two that disagree, for a prod backup retention below every floor", async () => {
        const err = await planEditedText("prod", t => t.replace(/backupRetentionDays: \d+/, "backupRetentionDays: 1"));
        const lines = err.message.split("\n").filter(l => l.includes("backupRetentionDays"));
        assert.equal(lines.length, 1, err.message);
        assert.match(lines[0], /fewer than 7 days of backups \(prod keeps at least 14\).*Fix: set 7 to 35 days \(14 to 35 in prod/);
    });
});
