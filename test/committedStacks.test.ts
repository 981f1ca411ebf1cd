/**
 * The committed stack files are the users' to edit (their accounts, ranges, environments), so the tests over them
 * assert only what holds for any valid config: it parses, it plans, the plan keeps the outputs contract and the
 * guardrails, every provider is pinned, and the plan shows what the config says. The same checks then run on an
 * edited copy, as the runbook edits it (a `staging` environment in dev, prod on two AZs): those must stay green.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { BastionStackConfig, DevStackConfig, EnvStackConfig, StackConfig, parseStackConfig } from "../config";
import { Plan, planStack } from "../plan/run";
import { readStackSettings } from "../plan/stackFile";
import { evaluatePlan, projectPackSettings } from "../plan/policy";
import { bastionOutputsSchema, dnsOutputsSchema, envOutputsSchema } from "../stacks/outputs";
import { REPO } from "./helpers/config";
import { STACKS, StackName, byUrn, committedPlanOf, ofType, serialPlan } from "./helpers/plans";

const CONTRACTS = { dns: dnsOutputsSchema, bastion: bastionOutputsSchema, dev: envOutputsSchema, prod: envOutputsSchema };

/** Every invariant of one stack's plan, against the config it was planned from. */
function checkInvariants(stack: StackName, config: StackConfig, plan: Plan, projectDir: string): void {
    const contract = CONTRACTS[stack].safeParse(plan.outputs);
    assert.ok(contract.success, `${stack}: outputs break the contract: ${JSON.stringify(contract.error?.issues)}`);
    assert.equal(plan.outputs.accountId, config.accountId);

    for (const resource of plan.resources.filter(r => r.type.startsWith("aws:"))) {
        const provider = byUrn(plan, resource.provider);
        assert.ok(provider && Array.isArray(provider.inputs.allowedAccountIds), `${resource.urn} has no provider pinned to an account`);
    }
    assert.deepEqual(ofType(plan, "pulumi:providers:aws").find(p => p.name === stack)?.inputs.allowedAccountIds, [config.accountId]);

    const mandatory = evaluatePlan(plan, projectPackSettings(projectDir)).filter(v => v.level === "mandatory");
    assert.deepEqual(mandatory, [], `${stack}: mandatory guardrail violations`);

    // The plan shows what the config says.
    if ("network" in config) {
        const subnets = ofType(plan, "aws:ec2/subnet:Subnet").filter(s => (s.inputs.tags as Record<string, string>)?.Tier === "private");
        assert.equal(subnets.length, config.network.azCount, `${stack}: one private subnet per AZ`);
        const nat = { none: 0, single: 1, perAz: config.network.azCount }[config.network.natStrategy];
        assert.equal(ofType(plan, "aws:ec2/natGateway:NatGateway").length, nat, `${stack}: NAT gateways for ${config.network.natStrategy}`);
    }
    if (config.accountRole === "dev" || config.accountRole === "prod") {
        const envs = (config as EnvStackConfig).environments.map(e => e.name);
        assert.deepEqual(Object.keys(plan.outputs.environments as object).sort(), [...envs].sort());
        assert.deepEqual(
            ofType(plan, "twine:index:AppCluster")
                .map(c => c.name)
                .sort(),
            [...envs].sort(),
        );
        if (config.accountRole === "dev") {
            const jenkinsAmi = (config as DevStackConfig).buildTooling.jenkins.amiId;
            assert.match(String(jenkinsAmi), /^ami-/, "buildTooling.jenkins.amiId is pinned");
        }
        // The bastion reads this stack's peering and data subnets from this stack (nothing copied by hand): it names it.
        const bastion = parseStackConfig("bastion", readStackSettings(projectDir, "bastion").config) as BastionStackConfig;
        const peer = bastion.bastionHost.peers[config.accountRole];
        if (peer) assert.equal(peer.stack.split("/").slice(1).join("/"), `twine-infra/${stack}`, `bastionHost.peers.${stack}.stack`);
    }
    if (config.accountRole === "bastion") {
        // A pinned AMI: a deploy replaces the host (new host keys) only when someone moves it.
        assert.match(String(config.bastionHost.amiId), /^ami-/, "bastionHost.amiId is pinned");
        assert.equal(ofType(plan, "aws:ec2/instance:Instance")[0].inputs.ami, config.bastionHost.amiId);
        const ssh = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r => r.inputs.fromPort === 22);
        assert.deepEqual(ssh.map(r => r.inputs.cidrIpv4).sort(), [...config.bastionHost.sshAllowedCidrs].sort());
    }
}

describe("the committed stack files (invariants only)", () => {
    for (const stack of STACKS) {
        it(`${stack}: parses, plans, keeps the contract and the guardrails, and plans what it says`, async () => {
            const config = parseStackConfig(stack, readStackSettings(REPO, stack).config);
            checkInvariants(stack, config, await committedPlanOf(stack), REPO);
        });
    }
});

describe("an engineer's edits to the committed files (the runbook's)", () => {
    let dir: string;
    before(() => {
        // GIVEN a copy of the project with a staging environment added to dev and prod on two AZs
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-edited-stacks-"));
        fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const edits: Record<string, (config: Record<string, any>) => void> = {
            dev: c => (c["twine-infra:environments"] = { ...c["twine-infra:environments"], staging: {} }),
            // Fewer AZs: azCount and the pinned zone ids go together.
            prod: c => {
                const network = c["twine-infra:network"];
                c["twine-infra:network"] = { ...network, azCount: 2, zoneIds: network.zoneIds?.slice(0, 2) };
            },
        };
        for (const stack of STACKS) {
            const doc = parse(fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8"));
            edits[stack]?.(doc.config);
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const plans = new Map<StackName, Promise<Plan>>();
    const planOfCopy = (stack: StackName) => {
        if (!plans.has(stack))
            plans.set(
                stack,
                serialPlan(() => planStack(stack, { projectDir: dir })),
            );
        return plans.get(stack)!;
    };
    for (const stack of STACKS) {
        it(`${stack}: WHEN planned THEN every invariant still holds`, async () => {
            const config = parseStackConfig(stack, readStackSettings(dir, stack).config);
            checkInvariants(stack, config, await planOfCopy(stack), dir);
        });
    }

    it("THEN the plans show the edits: a staging environment in dev, prod's subnets in two AZs", async () => {
        assert.ok(ofType(await planOfCopy("dev"), "twine:index:AppCluster").some(c => c.name === "staging"));
        assert.equal(((await planOfCopy("prod")).outputs.availabilityZones as string[]).length, 2);
    });
});
