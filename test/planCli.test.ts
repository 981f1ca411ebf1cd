/**
 * The offline plan's command line as a user meets it: every input mistake exits 2 with one message that names
 * the file (and the line and key where there is one) and says how to fix it, never a stack trace; stdout carries
 * only the plan, so it pipes.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO, committedConfig, writeStackFile } from "./helpers/config";
import { runCli } from "./helpers/plans";

/** Writes a stack file with exactly this text into a fresh temp folder. */
function stackFile(text: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-cli-")), "Pulumi.test.yaml");
    fs.writeFileSync(file, text);
    return file;
}

/** The committed dev file with one edit, as a user would make it. */
function editedDev(from: string | RegExp, to: string): string {
    const text = fs.readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8");
    const edited = text.replace(from, to);
    assert.notEqual(edited, text, `the edit ${String(from)} found nothing in Pulumi.dev.yaml`);
    return stackFile(edited);
}

function assertInputError(result: ReturnType<typeof runCli>, message: RegExp): void {
    assert.equal(result.status, 2, `exit ${result.status}:\n${result.stderr}`);
    assert.equal(result.stdout, "", "something was printed on stdout");
    assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `a stack trace:\n${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /Fix: /);
}

describe("plan command line", () => {
    it('prints only the JSON on stdout, so `npx twine-infra plan dns | jq .stack` prints "dns"', () => {
        const result = runCli("dns");
        assert.equal(result.status, 0, result.stderr);
        assert.equal(JSON.parse(result.stdout).stack, "dns");
    });

    it("lists every option in --help", () => {
        const result = runCli("--help");
        assert.equal(result.status, 0);
        for (const flag of ["--config", "--format", "--out", "--peers", "--diff", "--cost", "--help"])
            assert.match(result.stdout, new RegExp(`\\n  (-h, )?${flag}`), flag);
        assert.match(result.stdout, /exit status:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
    });

    it("plans the bastion's deploy after the environments' with --peers deployed: routes, tunnel egress, the same host", () => {
        const names = (plan: { resources: { type: string; name: string }[] }, type: string) =>
            plan.resources.filter(r => r.type === type).map(r => r.name);
        const first = runCli("bastion");
        const second = runCli("bastion", "--peers", "deployed");
        assert.equal(second.status, 0, second.stderr);
        const [a, b] = [JSON.parse(first.stdout), JSON.parse(second.stdout)];
        assert.deepEqual(
            names(a, "aws:ec2/route:Route").filter(n => n.startsWith("bastion-route-")),
            [],
        );
        assert.deepEqual(
            names(b, "aws:ec2/route:Route")
                .filter(n => n.startsWith("bastion-route-"))
                .sort(),
            ["bastion-route-dev-0", "bastion-route-prod-0"],
        );
        const tunnels = (plan: { resources: { type: string; name: string }[] }) =>
            names(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(n => /^bastion-to-\w+-(3306|5432)-/.test(n));
        assert.deepEqual(tunnels(a), []);
        assert.ok(tunnels(b).length > 0, "database tunnel egress to the data subnets");
        const host = (plan: { resources: { type: string; inputs: unknown }[] }) =>
            plan.resources.find(r => r.type === "aws:ec2/instance:Instance")!.inputs;
        assert.deepEqual(host(b), host(a));
        for (const [argv, message] of [
            [["bastion", "--peers", "later"], /^--peers must be first-deploy or deployed, got later\n/],
            [["dev", "--peers", "deployed"], /^--peers is for the bastion, which reads the environment stacks back/],
        ] as const) {
            const refused = runCli(...argv);
            assert.equal(refused.status, 2, refused.stderr);
            assert.match(refused.stderr, message);
        }
    });

    describe("input mistakes: exit 2, a message naming the file, line and key, no trace", () => {
        it("a YAML syntax error", () => {
            const file = stackFile("config:\n  twine-infra:accountRole: [dev\n");
            assertInputError(runCli("dev", "--config", file), /Pulumi\.test\.yaml:3: YAML syntax error: .*Fix: correct the YAML/);
        });

        it("a key given twice", () => {
            const file = stackFile("config:\n  twine-infra:accountRole: dev\n  twine-infra:accountRole: prod\n");
            assertInputError(runCli("dev", "--config", file), /Pulumi\.test\.yaml:3: a key appears twice/);
        });

        it("a tab as indentation", () => {
            const file = stackFile("config:\n\ttwine-infra:accountRole: dev\n");
            assertInputError(runCli("dev", "--config", file), /Pulumi\.test\.yaml:2: a tab indents this line/);
        });

        it("an empty file", () => {
            assertInputError(runCli("dev", "--config", stackFile("")), /Pulumi\.test\.yaml: the file is empty/);
        });

        it("a config: that is a list", () => {
            assertInputError(
                runCli("dev", "--config", stackFile("config:\n  - accountRole: dev\n")),
                /Pulumi\.test\.yaml:2: config: is a list, not a map/,
            );
        });

        it("an unknown stack name, with the stacks there are", () => {
            assertInputError(
                runCli("deb"),
                /Pulumi\.deb\.yaml: no stack "deb" in this project; did you mean "dev"\? \(stacks: bastion, dev, dns, prod\)/,
            );
        });

        it("a --config file that does not exist", () => {
            const missing = path.join(os.tmpdir(), "twine-no-such-folder", "Pulumi.dev.yaml");
            assertInputError(runCli("dev", "--config", missing), /Pulumi\.dev\.yaml: --config: the file does not exist/);
        });

        it("a typo in an upstream stack's name", () => {
            const file = editedDev("bastion: twine/twine-infra/bastion", "bastion: twine/twine-infra/bastoin");
            assertInputError(
                runCli("dev", "--config", file),
                new RegExp(
                    'Pulumi\\.test\\.yaml:\\d+: twine-infra:stacks\\.bastion = "twine\\/twine-infra\\/bastoin": ' +
                        'this project has no stack bastoin .*did you mean "twine\\/twine-infra\\/bastion"\\?',
                ),
            );
        });

        it("a stack file of another account role (dev planned from prod's file)", () => {
            assertInputError(
                runCli("dev", "--config", path.join(REPO, "Pulumi.prod.yaml")),
                /Pulumi\.prod\.yaml:\d+: twine-infra:accountRole = "prod": this file is for a prod stack, but stack dev is a dev stack/,
            );
        });

        it("--out into a folder that does not exist, refused before the plan runs", () => {
            // The config is broken too: the --out message alone proves the path was checked first.
            const broken = writeStackFile({ ...committedConfig("dev"), "twine-infra:accountId": "42" });
            const out = path.join(os.tmpdir(), "twine-no-such-folder", "plan.json");
            const result = runCli("dev", "--config", broken, "--out", out);
            assertInputError(result, /plan\.json: --out: the folder .*twine-no-such-folder does not exist/);
            assert.doesNotMatch(result.stderr, /accountId/);
        });

        it("a misspelt pulumi:disable-default-providers", () => {
            const file = editedDev("pulumi:disable-default-providers", "pulumi:disable-default-provider");
            const result = runCli("dev", "--config", file);
            assertInputError(
                result,
                new RegExp(
                    "Pulumi\\.test\\.yaml:\\d+: pulumi:disable-default-provider: not an engine setting " +
                        '.*did you mean "pulumi:disable-default-providers"\\?',
                ),
            );
            assert.match(result.stderr, /pulumi:disable-default-providers: missing/);
        });

        it("no pulumi:disable-default-providers at all", () => {
            const file = editedDev(/ {2}pulumi:disable-default-providers: .*\n/, "");
            assertInputError(
                runCli("dev", "--config", file),
                /Pulumi\.test\.yaml:\d+: pulumi:disable-default-providers: missing: .*ambient credentials/,
            );
        });

        it("a config value of the wrong type, with its line in the file", () => {
            const file = editedDev(/azCount: \d+/, "azCount: two");
            const text = fs.readFileSync(file, "utf8");
            const line = text.split("\n").findIndex(l => l.includes("azCount: two")) + 1;
            const result = runCli("dev", "--config", file);
            assertInputError(
                result,
                new RegExp(
                    `Invalid configuration for stack "dev" in .*Pulumi\\.test\\.yaml \\(1 problem\\):\\n - ` +
                        `.*Pulumi\\.test\\.yaml:${line}: twine-infra:network\\.azCount = "two"`,
                ),
            );
        });
    });
});
