import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    ESC_PROJECT,
    escEnvironmentNames,
    escTrustStatement,
    goDuration,
    outputsConfigNamespace,
} from "../components/account/escEnvironmentConfig";
import { EscCheckOptions, escYamlProblems, parseGoDuration } from "../components/account/escGrammar";
import { readStackSettings } from "../plan/stackFile";
import { CREDENTIALS, stackFileFor } from "../scripts/stackFileFor";
import { OUTPUT_CONTRACTS, StackRole } from "../stacks/outputs";
import { REPO } from "./helpers/config";
import { STACKS, fixturePlanOf, ofType, organizationPlanOf, planOf } from "./helpers/plans";

const ESC_DIR = path.join(REPO, "esc");

/** References into a pulumi-stacks value are checked against the contract of the stack's role. */
const contractOutputs: EscCheckOptions = {
    stackOutputs: stack => {
        const role = stack.split("/").pop() as StackRole;
        return OUTPUT_CONTRACTS[role] ? Object.keys(OUTPUT_CONTRACTS[role].shape) : undefined;
    },
};

const AWS_LOGIN = `
values:
  aws:
    login:
      fn::open::aws-login:
        oidc:
          roleArn: arn:aws:iam::123456789012:role/deploy
          sessionName: pulumi-esc
          duration: 1h
  environmentVariables:
    AWS_ACCESS_KEY_ID: \${aws.login.accessKeyId}
    AWS_SECRET_ACCESS_KEY: \${aws.login.secretAccessKey}
    AWS_SESSION_TOKEN: \${aws.login.sessionToken}
`;

describe("ESC environment definitions", () => {
    describe("the grammar check accepts what ESC's documentation shows", () => {
        it("the aws-login example", () => assert.deepEqual(escYamlProblems(AWS_LOGIN), []));

        it("the pulumi-stacks example, read into pulumiConfig", () => {
            const yaml = `
values:
  stackRefs:
    fn::open::pulumi-stacks:
      stacks:
        vpcInfra:
          stack: vpc-infra/dev
  pulumiConfig:
    vpcId: \${stackRefs.vpcInfra.vpcId}
    publicSubnetIds: \${stackRefs.vpcInfra.publicSubnetIds}
`;
            assert.deepEqual(escYamlProblems(yaml), []);
        });

        it("imports, interpolation, built-in functions and context", () => {
            const yaml = `
description: Everything at once
imports:
  - aws/dev
  - stripe/dev: { merge: false }
values:
  greeting: Hello, \${context.pulumi.organization.login}/\${context.pulumi.user.login}!
  token:
    fn::secret: sk_live_abc123
  list: [a, b]
  joined:
    fn::join:
      - ","
      - \${list}
  asJson:
    fn::toJSON: \${list}
  environmentVariables:
    STRIPE_API_KEY: \${stripe.apiKey}
    GREETING: \${greeting}
  pulumiConfig:
    aws:region: \${aws.region}
    greeting: \${greeting}
`;
            assert.deepEqual(escYamlProblems(yaml), []);
        });
    });

    describe("the grammar check refuses what ESC would, naming the path and the fix", () => {
        const cases: { what: string; yaml: string; expect: RegExp }[] = [
            {
                what: "an unknown function",
                yaml: "values:\n  x:\n    fn::toYAML: [1]\n",
                expect: /^values\.x\.fn::toYAML: "fn::toYAML" is not an ESC function\. Fix: use one of fn::concat/,
            },
            {
                what: "an unknown provider",
                yaml: AWS_LOGIN.replace("aws-login", "aws-logon"),
                expect: /values\.aws\.login\.fn::open::aws-logon: "aws-logon" is not a provider this check knows/,
            },
            {
                what: "an unknown top-level key",
                yaml: `${AWS_LOGIN}environmentVariables:\n  A: b\n`,
                expect: /^environmentVariables: "environmentVariables" is not a top-level key.*Fix: use imports, values or description/,
            },
            {
                what: "an unknown import option",
                yaml: "imports:\n  - twine-infra/dev-aws: { merged: false }\nvalues: {}\n",
                expect: /imports\[0\]\.twine-infra\/dev-aws\.merged: "merged" is not an input ESC accepts here/,
            },
            {
                what: "an unknown aws-login input",
                yaml: AWS_LOGIN.replace("roleArn:", "role:"),
                expect: /oidc\.role: "role" is not an input ESC accepts here.*[\s\S]*oidc\.roleArn: roleArn is required/,
            },
            {
                what: "a missing sessionName",
                yaml: AWS_LOGIN.replace("          sessionName: pulumi-esc\n", ""),
                expect: /oidc\.sessionName: sessionName is required\. Fix: set sessionName/,
            },
            {
                what: "a role ARN that is not one",
                yaml: AWS_LOGIN.replace("arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123:user/deploy"),
                expect: /oidc\.roleArn: "arn:aws:iam::123:user\/deploy" is not an IAM role ARN/,
            },
            {
                what: "a duration ESC cannot read",
                yaml: AWS_LOGIN.replace("duration: 1h", "duration: 1 hour"),
                expect: /oidc\.duration: "1 hour" is not a duration/,
            },
            {
                what: "a session longer than STS allows",
                yaml: AWS_LOGIN.replace("duration: 1h", "duration: 13h"),
                expect: /oidc\.duration: 13h is outside STS's 15m to 12h/,
            },
            {
                what: "both oidc and static",
                yaml: AWS_LOGIN.replace("        oidc:", "        static: { accessKeyId: a, secretAccessKey: b }\n        oidc:"),
                expect: /needs exactly one of oidc and static/,
            },
            {
                what: "an unknown subject attribute",
                yaml: AWS_LOGIN.replace("duration: 1h", "duration: 1h\n          subjectAttributes: [currentStack.name]"),
                expect: /subjectAttributes: "currentStack\.name" is not one of rootEnvironment\.name/,
            },
            {
                what: "a provider output that does not exist",
                yaml: AWS_LOGIN.replace("${aws.login.sessionToken}", "${aws.login.token}"),
                expect: new RegExp(
                    "environmentVariables\\.AWS_SESSION_TOKEN: \\$\\{aws\\.login\\.token\\} refers to nothing: " +
                        'aws\\.login has no property "token" \\(it has accessKeyId, secretAccessKey, sessionToken\\)',
                ),
            },
            {
                what: "a reference to an undefined property",
                yaml: "values:\n  a: ${b.c}\n",
                expect: /values\.a: \$\{b\.c\} refers to nothing: values has no property "b"/,
            },
            {
                what: "an unknown context property",
                yaml: "values:\n  a: ${context.pulumi.user.email}\n",
                expect: /is not a built-in context property/,
            },
            {
                what: "a function beside other keys",
                yaml: "values:\n  a:\n    fn::secret: x\n    b: 1\n",
                expect: /values\.a\.fn::secret: a function call must be the only key of its object/,
            },
            {
                what: "a bad environment variable name",
                yaml: "values:\n  environmentVariables:\n    AWS-KEY: x\n",
                expect: /"AWS-KEY" is not an environment variable name/,
            },
            {
                what: "an organization in a pulumi-stacks stack name",
                yaml: "values:\n  s:\n    fn::open::pulumi-stacks:\n      stacks:\n        dev:\n          stack: twine/twine-infra/dev\n",
                expect: /stacks\.dev\.stack: "twine\/twine-infra\/dev" is not a project-qualified stack name/,
            },
            {
                what: "an unknown pulumi-stacks input",
                yaml: "values:\n  s:\n    fn::open::pulumi-stacks:\n      stack: twine-infra/dev\n",
                expect: /"stack" is not an input ESC accepts here[\s\S]*stacks is required/,
            },
            {
                what: "an import that is not an environment name",
                yaml: "imports:\n  - twine/twine-infra/dev-aws\nvalues: {}\n",
                expect: /imports\[0\]: "twine\/twine-infra\/dev-aws" is not an environment name/,
            },
            { what: "YAML that does not parse", yaml: "values:\n  a: [1,\n", expect: /^\(document\): not YAML/ },
        ];
        for (const c of cases) {
            it(c.what, () => {
                const problems = escYamlProblems(c.yaml, contractOutputs);
                assert.ok(problems.length > 0, "accepted");
                assert.match(problems.join("\n"), c.expect);
                for (const p of problems) assert.match(p, /\. Fix: .+\.$/, `no fix in: ${p}`);
            });
        }

        it("a reference to an output outside the stack's contract", () => {
            const yaml = [
                "values:",
                "  s:",
                "    fn::open::pulumi-stacks:",
                "      stacks:",
                "        dev:",
                "          stack: twine-infra/dev",
                "  vpc: ${s.dev.vpcIdentifier}",
            ].join("\n");
            assert.match(
                escYamlProblems(yaml, contractOutputs).join("\n"),
                /values\.vpc: \$\{s\.dev\.vpcIdentifier\} refers to nothing: the stack behind s\.dev exports no output "vpcIdentifier"/,
            );
        });
    });

    it("durations: seconds to Go's form and back", () => {
        for (const seconds of [900, 3600, 5400, 3601, 43200]) assert.equal(parseGoDuration(goDuration(seconds)), seconds);
        assert.equal(goDuration(5400), "1h30m");
    });

    describe("the environments the plans declare", () => {
        for (const stack of STACKS) {
            it(`${stack}: its three environments, in the stack's organization, with YAML ESC accepts`, async () => {
                const plan = await organizationPlanOf();
                const settings = ofType(plan, "pulumiservice:index:DeploymentSettings").find(s => s.inputs.stack === stack)!;
                const environments = ofType(plan, "pulumiservice:index:Environment").filter(e => e.name.startsWith(`${stack}-esc-`));
                const names = escEnvironmentNames(stack);
                assert.deepEqual(environments.map(e => e.inputs.name).sort(), [names.deploy, names.preview, names.outputs].sort());
                for (const env of environments) {
                    assert.equal(env.inputs.organization, settings.inputs.organization);
                    assert.equal(env.inputs.project, ESC_PROJECT);
                    const provider = plan.resources.find(r => r.urn === env.provider);
                    assert.equal(
                        provider?.type,
                        "pulumi:providers:pulumiservice",
                        `${env.name} is not declared with the Pulumi Cloud provider`,
                    );
                    const text = (env.inputs.yaml as { asset: { text: string } }).asset.text;
                    assert.deepEqual(escYamlProblems(text, contractOutputs), [], env.name);
                }
            });

            it(`${stack}: the deploy and preview roles trust exactly their own environment's ESC subject`, async () => {
                const plan = await planOf(stack);
                const organization = String(
                    ofType(await organizationPlanOf(), "pulumiservice:index:DeploymentSettings").find(s => s.inputs.stack === stack)!.inputs
                        .organization,
                );
                const oidc = ofType(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").find(p =>
                    String(p.inputs.url).includes("api.pulumi.com"),
                );
                assert.ok((oidc?.inputs.clientIdLists as string[]).includes(`aws:${organization}`), "the provider lacks ESC's audience");
                const names = escEnvironmentNames(stack);
                for (const [kind, env] of [
                    ["deploy", names.deploy],
                    ["preview", names.preview],
                ] as const) {
                    const role = ofType(plan, "aws:iam/role:Role").find(r => r.name === `${stack}-deployments-${kind}`)!;
                    const escStatements = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement.filter((st: any) =>
                        JSON.stringify(st.Condition ?? {}).includes("pulumi:environments:"),
                    );
                    assert.deepEqual(
                        escStatements.map((st: any) => st.Condition.StringEquals["api.pulumi.com/oidc:sub"]),
                        [`pulumi:environments:pulumi.organization.login:${organization}:currentEnvironment.name:${ESC_PROJECT}/${env}`],
                    );
                }
            });
        }
    });

    // esc/ is written by npm run docs from the fixture stacks (test/fixtures), like the other generated docs.
    describe("the committed definitions (esc/)", () => {
        const files = fs.readdirSync(ESC_DIR).filter(f => f.endsWith(".yaml"));
        const read = (name: string) => parse(fs.readFileSync(path.join(ESC_DIR, `${name}.yaml`), "utf8"));

        it("every file is a definition ESC accepts, its references checked against the outputs contract", () => {
            assert.ok(files.length > 0);
            for (const file of files)
                assert.deepEqual(escYamlProblems(fs.readFileSync(path.join(ESC_DIR, file), "utf8"), contractOutputs), [], file);
        });

        for (const stack of STACKS) {
            it(`${stack}: credentials for its own deploy and preview roles, through OIDC, within the role's session limit`, async () => {
                const plan = await fixturePlanOf(stack);
                const names = escEnvironmentNames(stack);
                for (const [kind, name] of [
                    ["deploy", names.deploy],
                    ["preview", names.preview],
                ] as const) {
                    const role = ofType(plan, "aws:iam/role:Role").find(r => r.name === `${stack}-deployments-${kind}`);
                    assert.ok(role, `${stack} has no ${kind} role`);
                    const oidc = read(name).values.aws.login["fn::open::aws-login"].oidc;
                    assert.equal(oidc.roleArn, `arn:aws:iam::${String(plan.outputs.accountId)}:role/${String(role.inputs.name)}`);
                    assert.ok(
                        parseGoDuration(oidc.duration)! <= Number(role.inputs.maxSessionDuration ?? 3600),
                        `${name}: session longer than the role allows`,
                    );
                    // The subject must name the environment, or every environment's token looks alike (see escOidcSubject).
                    assert.deepEqual(oidc.subjectAttributes, ["currentEnvironment.name"]);
                }
            });

            it(`${stack}: the outputs environment exposes exactly what the stack exports, for esc and for stack config`, async () => {
                const plan = await fixturePlanOf(stack);
                const values = read(escEnvironmentNames(stack).outputs).values;
                assert.equal(values.stackOutputs["fn::open::pulumi-stacks"].stacks[stack].stack, `${ESC_PROJECT}/${stack}`);
                assert.deepEqual(Object.keys(values[stack]).sort(), Object.keys(plan.outputs).sort());
                const namespace = outputsConfigNamespace(stack);
                assert.deepEqual(
                    Object.keys(values.pulumiConfig).sort(),
                    Object.keys(plan.outputs)
                        .map(k => `${namespace}:${k}`)
                        .sort(),
                );
            });
        }
    });
});

describe("stack files with the credentials for the job (scripts/stackFileFor.ts)", () => {
    const file = [
        "# dev account",
        "config:",
        "  twine-infra:accountRole: dev # which account",
        "environment:",
        "  - twine-infra/dev-aws",
        "  - shared/observability",
        "",
    ].join("\n");

    it("swaps the deploy credentials for the preview ones, keeping other imports and comments", () => {
        const preview = stackFileFor(file, "dev", "preview");
        assert.deepEqual(parse(preview).environment, ["twine-infra/dev-aws-preview", "shared/observability"]);
        assert.match(preview, /^# dev account\n/);
        assert.match(preview, /accountRole: dev # which account/);
        assert.deepEqual(parse(stackFileFor(preview, "dev", "deploy")).environment, ["twine-infra/dev-aws", "shared/observability"]);
    });

    it("drops the credentials import for a bootstrap, and the key when nothing else is imported", () => {
        assert.deepEqual(parse(stackFileFor(file, "dev", "none")).environment, ["shared/observability"]);
        const alone = file.replace("  - shared/observability\n", "");
        assert.equal(parse(stackFileFor(alone, "dev", "none")).environment, undefined);
    });

    for (const stack of STACKS) {
        it(`${stack}: the stack file imports only credentials the organization stack declares for it`, async () => {
            const imports: string[] = parse(fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8")).environment ?? [];
            const declared = ofType(await organizationPlanOf(REPO), "pulumiservice:index:Environment")
                .filter(e => e.name.startsWith(`${stack}-esc-`))
                .map(e => `${ESC_PROJECT}/${String(e.inputs.name)}`);
            const names = escEnvironmentNames(stack);
            for (const name of imports.filter(i => i.startsWith(`${ESC_PROJECT}/`))) {
                assert.ok(
                    declared.includes(name),
                    `Pulumi.${stack}.yaml imports ${name}, which the organization stack does not declare for ${stack}`,
                );
                assert.ok(
                    [names.deploy, names.preview].map(n => `${ESC_PROJECT}/${n}`).includes(name),
                    `Pulumi.${stack}.yaml imports ${name}`,
                );
            }
        });

        it(`${stack}: every variant carries the same config as the committed file, which it leaves as it is`, () => {
            const committed = fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8");
            const imports: unknown[] = parse(committed).environment ?? [];
            const names = escEnvironmentNames(stack);
            const own = imports.includes(`${ESC_PROJECT}/${names.deploy}`)
                ? "deploy"
                : imports.includes(`${ESC_PROJECT}/${names.preview}`)
                  ? "preview"
                  : "none";
            assert.equal(stackFileFor(committed, stack, own), committed, "rewriting with its own credentials changed the file");
            const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "twine-stack-file-"));
            try {
                for (const credentials of CREDENTIALS) {
                    const variant = path.join(scratch, `Pulumi.${stack}.${credentials}.yaml`);
                    fs.writeFileSync(variant, stackFileFor(committed, stack, credentials));
                    assert.deepEqual(readStackSettings(REPO, stack, variant).config, readStackSettings(REPO, stack).config, credentials);
                }
            } finally {
                fs.rmSync(scratch, { recursive: true, force: true });
            }
        });
    }
});

describe("the AWS trust ESC's credentials need (escTrustStatement)", () => {
    it("names one environment's subject and ESC's audience, exactly", () => {
        const statement = escTrustStatement("arn:aws:iam::333333333333:oidc-provider/api.pulumi.com/oidc", "twine", "dev-aws");
        assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepEqual(statement.Condition, {
            StringEquals: {
                "api.pulumi.com/oidc:aud": "aws:twine",
                "api.pulumi.com/oidc:sub":
                    "pulumi:environments:pulumi.organization.login:twine:currentEnvironment.name:twine-infra/dev-aws",
            },
        });
    });

    it("refuses names that would widen the subject", () => {
        assert.throws(() => escTrustStatement("arn:aws:iam::1:oidc-provider/x", "twine", "dev-*"), /would widen the OIDC subject/);
        assert.throws(() => escTrustStatement("arn:aws:iam::1:oidc-provider/x", "tw:ine", "dev-aws"), /would widen the OIDC subject/);
    });
});
