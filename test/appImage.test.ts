/**
 * The app image across dev and prod, asserted over the offline plans: dev builds (or pins) the AMI, encrypts it
 * with its own rotated key and shares both with prod; prod runs dev's AMI unless it pins one. Plus the rules of
 * the `image` config section.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { NOT_READY_ENV, buildInputsHash, readBuildFiles } from "../components/delivery/packerImage";
import { parseStackConfig } from "../config";
import { Plan, PlannedResource } from "../plan/run";
import { APP_AMI_SOURCE, APP_TEMPLATE_DIR } from "../components/delivery/appImage";
import { FIXTURES, fixtureConfig, problemsOf, withKey, withPath } from "./helpers/config";
import { byUrn, ofType, planOf, planWithConfig } from "./helpers/plans";

const DEV_ACCOUNT = "333333333333";
const PROD_ACCOUNT = "444444444444";
const PROD_ASG = `arn:aws:iam::${PROD_ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const PINNED = "ami-0123456789abcdef0";

/** A copy of a fixture stack file with its `twine-infra:image` section edited. */
function stackFileWithImage(stack: string, edit: (image: Record<string, unknown>) => void): string {
    const doc = parse(fs.readFileSync(path.join(FIXTURES, `Pulumi.${stack}.yaml`), "utf8"));
    edit((doc.config["twine-infra:image"] ??= {}));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-image-")), `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
}

/** The one resource of that type that belongs to the app image (named app-image-*), or any one when unnamed. */
/** The Packer builds of a plan (other local commands, such as a propagation wait, are not builds). */
function packerCommands(plan: Plan): PlannedResource[] {
    return ofType(plan, "command:local:Command").filter(c => /packer build/.test(String(c.inputs.create)));
}

function one(plan: Plan, type: string): PlannedResource {
    const all = ofType(plan, type);
    // The bake's gate is the one other app-image command: its tests name it.
    const found = all.length > 1 ? all.filter(r => r.name.startsWith("app-image") && r.name !== "app-image-gate") : all;
    assert.equal(found.length, 1, `expected one app-image ${type}, found ${found.length}`);
    return found[0];
}

describe("app image", () => {
    describe("dev builds it", () => {
        it("runs the Packer build of the AMI source inside a PackerImage, from the project's images folder", async () => {
            const plan = await planOf("dev");
            const command = one(plan, "command:local:Command");
            assert.equal(byUrn(plan, command.parent)?.type, "twine:index:PackerImage");
            assert.match(String(command.inputs.create), new RegExp(`packer build .*-only=${APP_AMI_SOURCE.replace(".", "\\.")}`));
            assert.equal(command.inputs.dir, "images/twine-app");
        });

        it("stores the build's stdout and stderr as secrets: variables may hold some, and Packer may echo them", async () => {
            const command = one(await planOf("dev"), "command:local:Command");
            assert.deepEqual(command.options.additionalSecretOutputs, ["stderr", "stdout"]);
            assert.equal(command.inputs.logging, "stderr");
        });

        it("triggers on the hash of the build's files and the variables it passes", async () => {
            const command = one(await planOf("dev"), "command:local:Command");
            const env = command.inputs.environment as Record<string, string>;
            const variables = Object.fromEntries(
                Object.entries(env)
                    .filter(([k]) => k.startsWith("PKR_VAR_"))
                    .map(([k, v]) => [k.replace(/^PKR_VAR_/, ""), v]),
            );
            assert.deepEqual(command.inputs.triggers, [buildInputsHash(readBuildFiles(APP_TEMPLATE_DIR), variables)]);
        });

        it("holds the bake until the apt repository it creates has the pinned package (empty on a first deploy)", async () => {
            const plan = await planOf("dev");
            const gate = ofType(plan, "command:local:Command").find(c => c.name === "app-image-gate");
            assert.ok(gate, "a gate command");
            const env = gate.inputs.environment as Record<string, string>;
            assert.match(env[NOT_READY_ENV], new RegExp(`s3://${String(plan.outputs.aptBucketName)}\\) has no twine at 2026\\.11\\.3-1`));
            const build = one(plan, "command:local:Command");
            assert.ok(build.options.dependsOn.includes(gate.urn), "the bake waits for the gate");
        });

        it("keeps the verdict out of the bake's inputs: a finished bake never re-runs because the verdict changed", async () => {
            // A command re-runs its create when an input changes and it has no update (@pulumi/command 1.2).
            const plan = await planOf("dev");
            const build = one(plan, "command:local:Command");
            assert.ok(!(NOT_READY_ENV in (build.inputs.environment as Record<string, string>)));
            const gate = ofType(plan, "command:local:Command").find(c => c.name === "app-image-gate")!;
            // The gate checks on create (with the bake's trigger, so on every re-bake) and does nothing on update.
            assert.deepEqual(gate.inputs.triggers, build.inputs.triggers);
            assert.equal(gate.inputs.update, "true");
        });

        it("builds in the dev VPC's private subnet, encrypted with the image key, shared with prod", async () => {
            const plan = await planOf("dev");
            const env = one(plan, "command:local:Command").inputs.environment as Record<string, string>;
            assert.equal(env.PKR_VAR_ami_users, JSON.stringify([PROD_ACCOUNT]));
            assert.equal(env.PKR_VAR_kms_key_id, plan.outputs.amiKmsKeyArn);
            assert.ok((plan.outputs.privateSubnetIds as string[]).includes(env.PKR_VAR_subnet_id), "a private subnet");
            assert.equal(env.PKR_VAR_vpc_id, plan.outputs.vpcId);
            assert.equal(env.PKR_VAR_ssh_interface, "session_manager");
            assert.equal(env.PKR_VAR_twine_version, "2026.11.3-1");
        });

        it("gives the build instance no inbound rule, only web egress, and SSM core", async () => {
            const plan = await planOf("dev");
            assert.equal(
                ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r => r.name.startsWith("app-image"))
                    .length,
                0,
            );
            const egress = ofType(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(r =>
                r.name.startsWith("app-image"),
            );
            assert.deepEqual(egress.map(r => r.inputs.fromPort).sort(), [443, 80]);
            assert.equal(
                one(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn,
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            );
        });

        it("installs from the apt repository this stack publishes (image.aptRepo.url is dev's aptRepoUrl output)", async () => {
            const plan = await planOf("dev");
            const env = one(plan, "command:local:Command").inputs.environment as Record<string, string>;
            assert.equal(env.PKR_VAR_apt_repo_url, plan.outputs.aptRepoUrl);
        });

        it("exports the AMI id read from the build's manifest (the mocks' stdout), as an ami- id", async () => {
            const plan = await planOf("dev");
            assert.match(String(plan.outputs.amiId), /^ami-[0-9a-f]{17}$/);
        });

        it("grants the prod account launch permission on the AMI", async () => {
            const plan = await planOf("dev");
            const permission = one(plan, "aws:ec2/amiLaunchPermission:AmiLaunchPermission");
            assert.deepEqual(permission.inputs, { accountId: PROD_ACCOUNT, imageId: plan.outputs.amiId });
        });

        it("encrypts with a rotated, retained KMS key whose policy lets the prod account use it", async () => {
            const key = one(await planOf("dev"), "aws:kms/key:Key");
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.options.retainOnDelete, true);
            const policy = JSON.parse(String(key.inputs.policy));
            const principals = (sid: string) => policy.Statement.find((s: { Sid: string }) => s.Sid === sid).Principal.AWS;
            assert.deepEqual(principals("ConsumerAccountsUseKey"), [`arn:aws:iam::${PROD_ACCOUNT}:root`]);
            assert.deepEqual(principals("OwnerAccountAdministersThroughIam"), `arn:aws:iam::${DEV_ACCOUNT}:root`);
        });

        it("keeps prod's launch permission on the AMI it replaces: a dev rebuild never takes it off the AMI prod runs", async () => {
            const permission = one(await planOf("dev"), "aws:ec2/amiLaunchPermission:AmiLaunchPermission");
            assert.equal(permission.options.retainOnDelete, true);
        });

        it("bakes only once the private subnets' NAT routes, the S3 endpoint and the build's egress rules exist", async () => {
            const plan = await planOf("dev");
            const build = one(plan, "command:local:Command");
            const urns = (type: string, name: RegExp) =>
                ofType(plan, type)
                    .filter(r => name.test(r.name))
                    .map(r => r.urn);
            const needed = [
                ...urns("aws:ec2/route:Route", /-private-\d+-nat$/),
                ...urns("aws:ec2/vpcEndpoint:VpcEndpoint", /-s3$/),
                ...urns("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", /^app-image-build-egress-/),
            ];
            assert.ok(needed.some(u => u.includes("vpcEndpoint")) && needed.filter(u => u.includes("EgressRule")).length === 2);
            assert.deepEqual(
                needed.filter(u => !build.options.dependsOn.includes(u)),
                [],
                "the build does not wait for these",
            );
        });

        it("grants dev's own Auto Scaling role the use of the key (the key policy names no role)", async () => {
            const plan = await planOf("dev");
            const grant = one(plan, "aws:kms/grant:Grant");
            assert.equal(
                grant.inputs.granteePrincipal,
                `arn:aws:iam::${DEV_ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
            );
            // A role's ARN may appear in a condition (a string KMS does not resolve), never as a principal.
            const statements: { Principal: unknown }[] = JSON.parse(String(one(plan, "aws:kms/key:Key").inputs.policy)).Statement;
            assert.doesNotMatch(JSON.stringify(statements.map(s => s.Principal)), /aws-service-role/);
        });

        it("with the build off, runs and shares the pinned AMI and builds nothing", async () => {
            const plan = await planWithConfig(
                "dev",
                stackFileWithImage("dev", image => {
                    image.build = false;
                    image.amiId = PINNED;
                }),
            );
            assert.equal(packerCommands(plan).length, 0);
            assert.equal(ofType(plan, "twine:index:PackerImage").length, 0);
            assert.equal(plan.outputs.amiId, PINNED);
            assert.equal(one(plan, "aws:ec2/amiLaunchPermission:AmiLaunchPermission").inputs.imageId, PINNED);
        });
    });

    describe("prod runs what dev built", () => {
        it("takes its AMI and key from the dev stack's outputs", async () => {
            const [dev, prod] = [await planOf("dev"), await planOf("prod")];
            assert.equal(prod.outputs.amiId, dev.outputs.amiId);
            assert.equal(prod.outputs.amiKmsKeyArn, dev.outputs.amiKmsKeyArn);
            assert.equal(packerCommands(prod).length, 0, "prod never builds");
        });

        it("grants its Auto Scaling role the use of dev's key, from prod's own provider", async () => {
            const [dev, prod] = [await planOf("dev"), await planOf("prod")];
            const grant = one(prod, "aws:kms/grant:Grant");
            assert.equal(grant.inputs.keyId, dev.outputs.amiKmsKeyArn);
            assert.equal(grant.inputs.granteePrincipal, PROD_ASG);
            assert.ok((grant.inputs.operations as string[]).includes("CreateGrant"));
            assert.deepEqual(byUrn(prod, grant.provider)?.inputs.allowedAccountIds, [PROD_ACCOUNT]);
        });

        it("launches every group only after its account's Auto Scaling grant on the key exists (dev and prod)", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const plan = await planOf(stack);
                const grant = one(plan, "aws:kms/grant:Grant");
                const groups = ofType(plan, "aws:autoscaling/group:Group");
                assert.ok(groups.length > 0, stack);
                for (const group of groups)
                    assert.ok(group.options.dependsOn.includes(grant.urn), `${stack}: ${group.name} does not wait for the grant`);
            }
        });

        it("runs a pinned AMI when its config names one", async () => {
            const plan = await planWithConfig(
                "prod",
                stackFileWithImage("prod", image => (image.amiId = PINNED)),
            );
            assert.equal(plan.outputs.amiId, PINNED);
        });
    });

    describe("image config", () => {
        const dev = fixtureConfig("dev");
        const prod = fixtureConfig("prod");
        const IMAGE = "twine-infra:image";

        it("applies the defaults", () => {
            const config = parseStackConfig("dev", dev);
            assert.ok(config.accountRole === "dev");
            assert.equal(config.image.instanceType, "t3.medium");
            assert.equal(config.image.rootVolumeGiB, 16);
            assert.equal(config.image.aptRepo?.distribution, "noble");
            assert.deepEqual(parseStackConfig("prod", withPath(prod, IMAGE, "amiId", PINNED)).accountRole, "prod");
        });

        const rows: { name: string; stack: string; config: Record<string, string>; key: string; why: RegExp }[] = [
            {
                name: "prod account of 11 digits",
                stack: "dev",
                config: withPath(dev, IMAGE, "prodAccountId", "44444444444"),
                key: "image.prodAccountId",
                why: /exactly 12 digits/,
            },
            {
                name: "prod account = dev's own",
                stack: "dev",
                config: withPath(dev, IMAGE, "prodAccountId", DEV_ACCOUNT),
                key: "image.prodAccountId",
                why: /cannot be dev's own account/,
            },
            {
                name: "no prod account",
                stack: "dev",
                config: withPath(dev, IMAGE, "prodAccountId", undefined),
                key: "image.prodAccountId",
                why: /required but missing/,
            },
            {
                name: "pinned AMI and a build",
                stack: "dev",
                config: withPath(dev, IMAGE, "amiId", PINNED),
                key: "image.amiId",
                why: /exclude each other/,
            },
            {
                name: "build off without an AMI",
                stack: "dev",
                config: withPath(dev, IMAGE, "build", false),
                key: "image.amiId",
                why: /needs an AMI to run and share/,
            },
            {
                name: "build without a repository",
                stack: "dev",
                config: withPath(dev, IMAGE, "aptRepo", undefined),
                key: "image.aptRepo",
                why: /installs Twine from the private apt repository/,
            },
            {
                name: "repository over http",
                stack: "dev",
                config: withPath(dev, IMAGE, "aptRepo.url", "http://apt.example.com/twine"),
                key: "image.aptRepo.url",
                why: /not an https URL/,
            },
            {
                name: "signing key that is not a key",
                stack: "dev",
                config: withPath(dev, IMAGE, "aptRepo.signingKey", "0xDEADBEEF"),
                key: "image.aptRepo.signingKey",
                why: /ASCII-armored/,
            },
            {
                name: "Twine version with a space",
                stack: "dev",
                config: withPath(dev, IMAGE, "aptRepo.twineVersion", "1.2 beta"),
                key: "image.aptRepo.twineVersion",
                why: /Debian package version/,
            },
            {
                name: "malformed AMI id in prod",
                stack: "prod",
                config: withPath(prod, IMAGE, "amiId", "ami-xyz"),
                key: "image.amiId",
                why: /not an AMI id/,
            },
            {
                name: "a build in prod",
                stack: "prod",
                config: withPath(prod, IMAGE, "build", true),
                key: "image.build",
                why: /unknown key for a prod stack/,
            },
            {
                name: "missing image section in dev",
                stack: "dev",
                config: withKey(dev, IMAGE, undefined),
                key: "image",
                why: /required but missing/,
            },
        ];
        for (const row of rows) {
            it(`rejects ${row.name}, naming the key and a fix`, () => {
                const problems = problemsOf(row.stack, row.config);
                const hit = problems.find(p => p.startsWith(`twine-infra:${row.key}`));
                assert.ok(hit, `no problem for twine-infra:${row.key} in:\n${problems.join("\n")}`);
                assert.match(hit, row.why);
                assert.match(hit, /Fix: /);
            });
        }
    });
});
