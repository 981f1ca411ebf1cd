import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderJson, renderText } from "../plan/render";
import { sanitize } from "../plan/run";
import { readStackSettings } from "../plan/stackFile";
import { bastionOutputsSchema, dnsOutputsSchema, envOutputsSchema } from "../stacks/outputs";
import { FIXTURES, REPO, committedConfig, fixtureConfig, writeStackFile } from "./helpers/config";
import { STACKS, byUrn, committedPlanOf, ofType, planOf, planWithConfig, runCli } from "./helpers/plans";

const CONTRACTS = { dns: dnsOutputsSchema, bastion: bastionOutputsSchema, dev: envOutputsSchema, prod: envOutputsSchema };

describe("offline plan", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("plans from its committed config and exports the outputs contract", async () => {
                const plan = await committedPlanOf(stack);
                assert.equal(plan.stack, stack);
                assert.equal(plan.project, "twine-infra");
                assert.equal(ofType(plan, "pulumi:pulumi:Stack").length, 1);
                const parsed = CONTRACTS[stack].safeParse(plan.outputs);
                assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
                assert.equal(plan.outputs.accountId, readStackSettings(REPO, stack).config["twine-infra:accountId"]);
            });

            it("gives every AWS resource an explicit provider pinned to the right account, with the default tags", async () => {
                const plan = await committedPlanOf(stack);
                const accountId = committedConfig(stack)["twine-infra:accountId"];
                const awsResources = plan.resources.filter(r => r.type.startsWith("aws:"));
                assert.ok(awsResources.length > 0);
                for (const resource of awsResources) {
                    const provider = byUrn(plan, resource.provider);
                    assert.ok(provider, `${resource.urn} uses the default provider`);
                    assert.equal(provider.type, "pulumi:providers:aws");
                    assert.ok(Array.isArray(provider.inputs.allowedAccountIds), `${provider.urn} does not pin allowedAccountIds`);
                }
                const own = ofType(plan, "pulumi:providers:aws").find(p => p.name === stack)!;
                assert.deepEqual(own.inputs.allowedAccountIds, [accountId]);
                assert.deepEqual(own.inputs.defaultTags, {
                    tags: { Environment: stack, ManagedBy: "pulumi", Project: "twine", Stack: stack },
                });
            });

            it("parents every resource to a resource in the plan", async () => {
                const plan = await planOf(stack);
                for (const r of plan.resources) {
                    if (r.type === "pulumi:pulumi:Stack") assert.equal(r.parent, null);
                    else assert.ok(byUrn(plan, r.parent), `${r.urn} has parent ${r.parent}, which is not in the plan`);
                }
            });
        });
    }

    it("feeds upstream outputs into StackReferences: prod reads dns, bastion and dev", async () => {
        const plan = await planOf("prod");
        const refs = ofType(plan, "pulumi:pulumi:StackReference")
            .map(r => r.inputs.name)
            .sort();
        assert.deepEqual(refs, ["twine/twine-infra/bastion", "twine/twine-infra/dev", "twine/twine-infra/dns"]);
    });

    for (const stack of STACKS) {
        it(`prints byte-identical JSON when ${stack} is planned twice`, async () => {
            // A fresh plan (upstream stacks included) from the same committed file, against the cached first one.
            const first = renderJson(await planOf(stack));
            const second = renderJson(await planWithConfig(stack, path.join(FIXTURES, `Pulumi.${stack}.yaml`)));
            assert.equal(first, second);
            assert.ok(!/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(first), "the plan embeds a timestamp");
        });
    }

    it("records resource options: the apex zone is protected and retained", async () => {
        const zone = ofType(await planOf("dns"), "aws:route53/zone:Zone")[0];
        assert.deepEqual(zone.options, {
            protect: true,
            retainOnDelete: true,
            ignoreChanges: [],
            dependsOn: [],
            deleteBeforeReplace: false,
        });
    });

    it("records dependsOn as URNs: NAT gateways wait for the Internet gateway", async () => {
        const plan = await planOf("dev");
        const [nat] = ofType(plan, "aws:ec2/natGateway:NatGateway");
        assert.deepEqual(
            nat.options.dependsOn.map(urn => byUrn(plan, urn)?.type),
            ["aws:ec2/internetGateway:InternetGateway"],
        );
    });

    it("prints secret values as [secret]", async () => {
        const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
        assert.deepEqual(await sanitize({ b: [secret], a: secret }), { a: "[secret]", b: ["[secret]"] });
    });

    it("summarises counts per type and the tree with --format text", async () => {
        const text = renderText(await planOf("dev"));
        assert.match(text, /^Stack dev: \d+ resources/);
        assert.match(text, /aws:ec2\/subnet:Subnet\s+6/);
        assert.match(text, /\n {6}dev-vpc \(aws:ec2\/vpc:Vpc\)/);
    });

    it("plans another config file for the same stack (--config)", async () => {
        const config = fixtureConfig("dev");
        const network = { ...JSON.parse(config["twine-infra:network"]), azCount: 3, zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"] };
        config["twine-infra:network"] = JSON.stringify(network);
        const plan = await planWithConfig("dev", writeStackFile(config));
        assert.equal(ofType(plan, "aws:ec2/subnet:Subnet").length, 9);
    });

    it("rejects an env VPC that overlaps the bastion's, before declaring anything", async () => {
        const config = fixtureConfig("dev");
        config["twine-infra:network"] = JSON.stringify({ ...JSON.parse(config["twine-infra:network"]), cidr: "10.10.0.0/16" });
        await assert.rejects(
            planWithConfig("dev", writeStackFile(config)),
            /network\.cidr = "10\.10\.0\.0\/16": overlaps the bastion VPC 10\.10\.0\.0\/24/,
        );
    });

    describe("command line", () => {
        it("exits 2 with the validation message on stderr and no JSON for a bad config", () => {
            const config = { ...fixtureConfig("dev"), "twine-infra:accountId": "42" };
            const result = runCli("dev", "--config", writeStackFile(config));
            assert.equal(result.status, 2, result.stderr);
            assert.equal(result.stdout, "");
            assert.match(result.stderr, /twine-infra:accountId = "42": an AWS account id is exactly 12 digits/);
        });

        it("writes the JSON plan to --out", () => {
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-plan-")), "dns.json");
            const result = runCli("dns", "--out", out);
            assert.equal(result.status, 0, result.stderr);
            const plan = JSON.parse(fs.readFileSync(out, "utf8"));
            assert.equal(plan.stack, "dns");
            assert.ok(plan.resources.some((r: { type: string }) => r.type === "aws:route53/zone:Zone"));
        });

        it("exits 2 with usage for a missing stack name", () => {
            const result = runCli();
            assert.equal(result.status, 2);
            assert.match(result.stderr, /name the stack to plan\n\nusage: npx twine-infra plan <stack>/);
        });
    });
});
