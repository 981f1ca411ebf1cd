/**
 * Cross-account providers name only a profile (components/account/roleProfileConfig.ts): the same provider inputs
 * in a preview and an update, no file written by the program, and the profiles defined in the user's (or the
 * runner's) AWS config by `npx twine-infra profiles` (scripts/profiles.ts). The chain through the real provider is
 * test/roleProfileChain.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mergeProfileBlocks } from "../components/account/roleProfileConfig";
import { InputError } from "../plan/inputError";
import { assumedRoleArn, stackCrossAccountRoles } from "../plan/providerRole";
import { awsConfigFile, parseProfilesArgs, profilesCommand, ProfilesUsageError } from "../scripts/profiles";
import { parse } from "yaml";
import { ofType, organizationPlanOf, serialPlan, STACKS } from "./helpers/plans";
import { planStack } from "../plan/run";

const REPO = path.resolve(__dirname, "..");
const FIXTURES = path.join(REPO, "test", "fixtures");

const block = (profile: string, arn: string, session: string, source: string) =>
    `[profile ${profile}]\nrole_arn = ${arn}\nrole_session_name = ${session}\n${source}\n`;

describe("twine-infra profiles: the profiles each stack's providers name (fixture stack files)", () => {
    const sso = (stack: string) => profilesCommand(FIXTURES, [stack, "--source-profile", `sso-${stack}`]);

    it("dns assumes no role of another account", () => {
        assert.match(sso("dns"), /^# the dns stack assumes no role of another account/);
    });

    it("bastion: the dns account's delegation role, from the given SSO profile", () => {
        assert.equal(
            sso("bastion"),
            block(
                "twine-dns-delegation-bastion",
                "arn:aws:iam::111111111111:role/twine/dns/twine-dns-delegation-bastion",
                "twine-infra-bastion-dns",
                "source_profile = sso-bastion",
            ),
        );
    });

    for (const env of ["dev", "prod"]) {
        it(`${env}: the delegation role and the bastion's peering role; their read-only counterparts for a preview`, () => {
            const dns = [
                "twine-dns-delegation-" + env,
                `arn:aws:iam::111111111111:role/twine/dns/twine-dns-delegation-${env}`,
                `twine-infra-${env}-dns`,
            ];
            const peering = [
                "twine-bastion-peering-" + env,
                `arn:aws:iam::222222222222:role/twine/bastion/twine-bastion-peering-${env}`,
                `twine-infra-${env}-peering`,
            ];
            assert.equal(
                sso(env),
                [
                    block(dns[0], dns[1], dns[2], `source_profile = sso-${env}`),
                    block(peering[0], peering[1], peering[2], `source_profile = sso-${env}`),
                ].join("\n"),
            );
            const env_ = "credential_source = Environment";
            assert.equal(
                profilesCommand(FIXTURES, [env, "--credential-source", "Environment", "--preview"]),
                [block(dns[0], `${dns[1]}-read`, dns[2], env_), block(peering[0], `${peering[1]}-read`, peering[2], env_)].join("\n"),
            );
        });
    }

    it("--append writes the user's AWS config, replacing earlier blocks of the same names and keeping the rest", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "profiles-home-"));
        const env = { HOME: home };
        const file = path.join(home, ".aws", "config");
        assert.equal(awsConfigFile(env), file);
        fs.mkdirSync(path.dirname(file));
        fs.writeFileSync(
            file,
            "[profile twine-dev-admin]\nsso_session = corp\n\n" +
                "[profile twine-dns-delegation-dev]\nrole_arn = old\n\n[default]\nregion = eu-west-1\n",
        );
        assert.match(
            profilesCommand(FIXTURES, ["dev", "--source-profile", "twine-dev-admin", "--append"], env),
            /wrote 2 profile\(s\) for dev into /,
        );
        const text = fs.readFileSync(file, "utf8");
        assert.equal(text.match(/\[profile twine-dns-delegation-dev\]/g)?.length, 1);
        assert.doesNotMatch(text, /role_arn = old/);
        assert.match(text, /^\[profile twine-dev-admin\]\nsso_session = corp\n\n\[profile twine-dns-delegation-dev\]\nrole_arn = arn:/);
        assert.match(text, /\[default\]\nregion = eu-west-1\n\n\[profile twine-bastion-peering-dev\]\n/);
        // Twice is the same as once.
        profilesCommand(FIXTURES, ["dev", "--source-profile", "twine-dev-admin", "--append"], env);
        assert.equal(fs.readFileSync(file, "utf8"), text);
        fs.rmSync(home, { recursive: true });
    });

    it("never writes into the project folder, and names what is missing", () => {
        assert.throws(
            () =>
                profilesCommand(FIXTURES, ["dev", "--credential-source", "Environment", "--append"], {
                    AWS_CONFIG_FILE: path.join(FIXTURES, "aws"),
                }),
            (e: unknown) =>
                e instanceof InputError && /inside the project folder/.test(e.message) && !fs.existsSync(path.join(FIXTURES, "aws")),
        );
        assert.throws(() => profilesCommand(FIXTURES, ["dev"]), ProfilesUsageError);
        assert.throws(() => profilesCommand(FIXTURES, ["dev", "--credential-source", "Ec2InstanceMetadata"]), /must be Environment/);
        assert.throws(() => profilesCommand(FIXTURES, ["dev", "--source-profile", "a", "--credential-source", "Environment"]), /one of/);
        assert.throws(() => profilesCommand(FIXTURES, ["qa", "--source-profile", "a"]), InputError);
    });

    it("merges into an empty or unterminated file", () => {
        assert.equal(mergeProfileBlocks("", ["[profile a]\nx = 1\n"]), "[profile a]\nx = 1\n");
        assert.equal(
            mergeProfileBlocks("[default]\nregion = r", ["[profile a]\nx = 1\n"]),
            "[default]\nregion = r\n\n[profile a]\nx = 1\n",
        );
    });
});

describe("role profiles: planning the stacks", () => {
    it("writes no file, and gives a deployer and a preview session the same provider inputs: a profile the command defines", function () {
        // In a child process run from a scratch folder (the program's working folder under Pulumi), so anything the
        // program writes relative to it shows up there.
        this.timeout(600_000);
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "profiles-plan-"));
        const script = `
            require(${JSON.stringify(require.resolve("ts-node/register/transpile-only"))});
            const { planStack } = require(${JSON.stringify(path.join(REPO, "plan", "run"))});
            const providers = plan => plan.resources.filter(r => r.type === "pulumi:providers:aws" && r.inputs.profile)
                .map(r => ({ name: r.name, inputs: r.inputs }));
            const roles = plan => plan.resources.filter(r => r.type === "aws:iam/role:Role").map(r => r.inputs.name);
            (async () => {
                const update = providers(await planStack("dev"));
                const preview = providers(await planStack("dev", { callerRole: "pulumi-dev-preview" }));
                const bastion = providers(await planStack("bastion"));
                const dnsPlan = await planStack("dns");
                const bastionPlan = await planStack("bastion");
                const out = { update, preview, bastion, dnsRoles: roles(dnsPlan), bastionRoles: roles(bastionPlan) };
                process.stdout.write(JSON.stringify(out));
            })().catch(e => { console.error(e); process.exit(1); });`;
        const env = { ...process.env, TS_NODE_PROJECT: path.join(REPO, "tsconfig.json") };
        const run = spawnSync(process.execPath, ["-e", script], { cwd: scratch, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(run.status, 0, run.stderr);
        const left = fs.readdirSync(scratch, { recursive: true });
        fs.rmSync(scratch, { recursive: true, force: true });
        assert.deepEqual(left, [], "planning wrote files into the folder it ran in");

        type Provider = { name: string; inputs: Record<string, unknown> };
        const out = JSON.parse(run.stdout) as {
            update: Provider[];
            preview: Provider[];
            bastion: Provider[];
            dnsRoles: string[];
            bastionRoles: string[];
        };
        assert.deepEqual(out.update.map(p => p.name).sort(), ["dev-bastion-peering", "dev-dns"]);
        // What the engine diffs, the provider's inputs, is byte for byte the same: no provider update, no replacement.
        assert.deepEqual(out.preview, out.update);
        const committed = (stack: string, ...flags: string[]) => profilesCommand(REPO, [stack, ...flags]);
        for (const [stack, providers] of [
            ["dev", out.update],
            ["bastion", out.bastion],
        ] as const) {
            for (const p of providers) {
                // Only the profile name reaches the provider: no file, no role, no credentials.
                assert.equal(p.inputs.sharedConfigFiles, undefined, `${p.name} names a config file`);
                assert.equal(p.inputs.assumeRoles, undefined);
                const profile = String(p.inputs.profile);
                const arn = assumedRoleArn(p.inputs, stackCrossAccountRoles(REPO, stack))!;
                // The profile is the name of a role the upstream stack creates ...
                assert.ok([...out.dnsRoles, ...out.bastionRoles].includes(profile), `${profile}: no upstream stack creates that role`);
                // ... and the command defines it, for a deployer with that role, for a preview with its counterpart.
                for (const [flags, role] of [
                    [["--source-profile", "me"], arn],
                    [["--credential-source", "Environment", "--preview"], `${arn}-read`],
                ] as const) {
                    assert.ok(
                        committed(stack, ...flags).includes(`[profile ${profile}]\nrole_arn = ${role}\n`),
                        `${stack} ${flags.join(" ")}: ${profile}`,
                    );
                }
            }
        }
    });
});

/** The `twine-infra profiles` command in a shell line, parsed as the command parses it; undefined where there is none. */
const PROFILES_LINE = /(?:^|&&|;|\n)\s*npx twine-infra profiles ([^\n;&|]*)/;
function profilesInvocation(line: string) {
    const m = PROFILES_LINE.exec(line);
    if (!m) return undefined;
    const parsed = parseProfilesArgs(m[1].trim().split(/\s+/));
    assert.notEqual(parsed, "help");
    return parsed as Exclude<typeof parsed, "help">;
}

describe("role profiles: who writes them before the program runs", () => {
    for (const stack of STACKS) {
        const crossAccount = stack !== "dns";
        const what = crossAccount ? "writes its profiles from the deploy role's session" : "writes no profile";
        it(`${stack}: the Deployments pre-run (declared by the organization stack) ${what}`, async function () {
            this.timeout(600_000);
            // The organization stack declares every stack's Deployments settings (pulumi-cloud/).
            const [settings] = ofType(await organizationPlanOf(), "pulumiservice:index:DeploymentSettings").filter(
                r => r.inputs.stack === stack,
            );
            assert.ok(settings, `${stack}: no DeploymentSettings`);
            const preRun = (settings.inputs.operationContext as { preRunCommands: string[] }).preRunCommands;
            const at = preRun.findIndex(c => PROFILES_LINE.test(c));
            if (!crossAccount) {
                assert.equal(at, -1, `${stack} assumes no role of another account, yet its pre-run writes profiles`);
                return;
            }
            assert.ok(at >= 0, `${stack}: no \`npx twine-infra profiles\` among the pre-run commands:\n${preRun.join("\n")}`);
            // The deploy role's own (write) counterparts, from the session Deployments puts in the environment, into
            // the runner's AWS config; after setup.sh, which installs what the command runs on.
            assert.deepEqual(profilesInvocation(preRun[at]), {
                stack,
                source: { credentialSource: "Environment" },
                preview: false,
                append: true,
            });
            assert.ok(at > preRun.indexOf("bash scripts/setup.sh"), preRun.join("\n"));
        });
    }

    it("the pull-request preview job writes the read-only profiles between the AWS session and the preview", () => {
        type Step = { uses?: string; run?: string };
        const workflow = parse(fs.readFileSync(path.join(REPO, ".github", "workflows", "preview.yml"), "utf8")) as {
            jobs: { preview: { steps: Step[]; strategy: { matrix: { stack: { name: string }[] } } } };
        };
        const steps = workflow.jobs.preview.steps;
        const at = steps.findIndex(s => PROFILES_LINE.test(s.run ?? ""));
        assert.ok(at >= 0, "the preview job never runs `npx twine-infra profiles`");
        const aws = steps.findIndex(s => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        const preview = steps.findIndex(s => s.uses?.startsWith("pulumi/actions@"));
        assert.ok(aws >= 0 && preview >= 0, "the preview job has no AWS credentials step or no Pulumi step");
        assert.ok(
            aws < at && at < preview,
            `profiles at step ${at}: must come after the AWS session (${aws}) and before the preview (${preview})`,
        );
        for (const { name } of workflow.jobs.preview.strategy.matrix.stack) {
            const run = steps[at].run!.replace(/\$\{\{\s*matrix\.stack\.name\s*\}\}/g, name);
            // The preview role's session can assume only the read-only counterparts: the -read roles.
            assert.deepEqual(profilesInvocation(run), {
                stack: name,
                source: { credentialSource: "Environment" },
                preview: true,
                append: true,
            });
        }
    });
});

describe("role profiles: the owner of a role is the upstream stack the stack file names, whatever it is called", () => {
    it("a dns-account stack named apex: the role's path is apex's, in the plan's reading and in the command's profiles", async function () {
        this.timeout(600_000);
        // The fixtures with the dns stack renamed, and the stacks that read it pointed at the new name.
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "profiles-renamed-"));
        try {
            for (const f of fs.readdirSync(FIXTURES).filter(f => /^Pulumi\..*yaml$|^access\./.test(f))) {
                const text = fs.readFileSync(path.join(FIXTURES, f), "utf8").replace(/(twine-infra\/)dns\b/g, "$1apex");
                fs.writeFileSync(path.join(project, f === "Pulumi.dns.yaml" ? "Pulumi.apex.yaml" : f), text);
            }
            const dev = await serialPlan(() => planStack("dev", { projectDir: project }));
            const apex = await serialPlan(() => planStack("apex", { projectDir: project }));
            const created = (apex.outputs.delegationRoleArns as Record<string, string>).dev;
            assert.match(created, /:role\/twine\/apex\/twine-dns-delegation-dev$/);
            const [provider] = ofType(dev, "pulumi:providers:aws").filter(p => p.inputs.profile === "twine-dns-delegation-dev");
            assert.ok(provider, "dev has no provider naming the delegation profile");
            assert.equal(assumedRoleArn(provider.inputs, stackCrossAccountRoles(project, "dev")), created);
            assert.ok(
                profilesCommand(project, ["dev", "--source-profile", "me"]).includes(
                    `[profile twine-dns-delegation-dev]\nrole_arn = ${created}\n`,
                ),
            );
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});
