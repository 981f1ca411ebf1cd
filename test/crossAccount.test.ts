import { ownedPath } from "../components/account/deployRolePolicy";
import { strict as assert } from "assert";
import { parse } from "yaml";
import { assumedRoleArn, stackCrossAccountRoles } from "../plan/providerRole";
import { Plan, PlannedResource } from "../plan/run";
import { FIXTURES, fixtureConfig, writeStackFile } from "./helpers/config";
import { STACKS, byUrn, ofType, planOf, planWithConfig } from "./helpers/plans";

const ACCOUNTS = { dns: "111111111111", bastion: "222222222222", dev: "333333333333", prod: "444444444444" } as const;

/** The provider resource a resource was created with, and the role it assumes (if any). */
function providerOf(plan: Plan, resource: PlannedResource) {
    const provider = byUrn(plan, resource.provider);
    assert.ok(provider, `${resource.urn} has no explicit provider`);
    return {
        provider,
        allowed: provider.inputs.allowedAccountIds as string[],
        roleArn: assumedRoleArn(provider.inputs, stackCrossAccountRoles(FIXTURES, plan.stack)),
    };
}

function named(plan: Plan, type: string, name: string): PlannedResource {
    const found = ofType(plan, type).find(r => r.name === name);
    assert.ok(found, `no ${type} named ${name} in the ${plan.stack} plan`);
    return found;
}

interface Statement {
    Effect: string;
    Action: string | string[];
    NotAction?: unknown;
    Resource?: string | string[];
    Principal?: { AWS?: string | string[] };
    Condition?: Record<string, Record<string, unknown>>;
}
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const statements = (json: unknown): Statement[] => JSON.parse(String(json)).Statement;

describe("cross-account wiring (over the plans)", () => {
    for (const env of ["dev", "prod"] as const) {
        describe(env, () => {
            it("accepts the peering through the bastion peering role, and creates no route or rule in the bastion account", async () => {
                // GIVEN the bastion's exported peering role for this env  WHEN env is planned
                const [plan, bastion] = [await planOf(env), await planOf("bastion")];
                const roleArn = (bastion.outputs.peeringRoleArns as Record<string, string>)[env];
                // under the bastion stack's own path (ownedPath): the deploy roles' guard acts only there
                assert.equal(roleArn, `arn:aws:iam::${ACCOUNTS.bastion}:role${ownedPath("bastion")}twine-bastion-peering-${env}`);
                const accepter = named(
                    plan,
                    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
                    `${env}-bastion-accepter`,
                );
                const { allowed, roleArn: assumed } = providerOf(plan, accepter);
                assert.deepEqual(allowed, [ACCOUNTS.bastion]);
                assert.equal(assumed, roleArn);
                // THEN nothing else in the bastion account is this stack's: its routes and rules are the bastion's own
                const inBastion = plan.resources.filter(
                    r => r.type.startsWith("aws:") && r !== accepter && providerOf(plan, r).allowed?.includes(ACCOUNTS.bastion),
                );
                assert.deepEqual(
                    inBastion.map(r => `${r.type} ${r.name}`),
                    [],
                );
            });

            it("puts on each app server and the Jenkins host exactly the people the bastion grants them, and no one else", async () => {
                const [plan, bastion] = [await planOf(env), await planOf("bastion")];
                const grants = ((bastion.outputs.access as Record<string, Record<string, { name: string }[]>>)[env] ?? {}) as Record<
                    string,
                    { name: string }[]
                >;
                const people = (userData: string) => ((parse(userData).users ?? []) as { name: string }[]).map(u => u.name).sort();
                for (const template of ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate")) {
                    const target = String(template.inputs.description).replace(/ app servers$/, "");
                    const userData = Buffer.from(String(template.inputs.userData), "base64").toString("utf8");
                    assert.deepEqual(people(userData), (grants[target] ?? []).map(l => l.name).sort(), template.name);
                }
                for (const host of ofType(plan, "aws:ec2/instance:Instance").filter(i => /jenkins/.test(i.name))) {
                    assert.deepEqual(people(String(host.inputs.userData)), (grants.jenkins ?? []).map(l => l.name).sort(), host.name);
                }
            });

            it("requests the peering from its own account and routes only private and data tables to the bastion VPC", async () => {
                const plan = await planOf(env);
                const bastion = await planOf("bastion");
                const request = named(plan, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", `${env}-bastion-requester`);
                assert.deepEqual(providerOf(plan, request).allowed, [ACCOUNTS[env]]);
                assert.equal(providerOf(plan, request).roleArn, undefined);
                assert.equal(request.inputs.peerOwnerId, ACCOUNTS.bastion);
                assert.equal(request.inputs.peerVpcId, bastion.outputs.vpcId);
                const routes = ofType(plan, "aws:ec2/route:Route").filter(r => r.name.startsWith(`${env}-bastion-requester-`));
                const tables = [...(plan.outputs.privateRouteTableIds as string[]), ...(plan.outputs.dataRouteTableIds as string[])].sort();
                assert.deepEqual(routes.map(r => r.inputs.routeTableId).sort(), tables);
                for (const r of routes) {
                    assert.equal(r.inputs.destinationCidrBlock, bastion.outputs.vpcCidr);
                    assert.equal(r.inputs.vpcPeeringConnectionId, plan.outputs.peeringConnectionId);
                }
                assert.match(String(plan.outputs.peeringConnectionId), /^pcx-[0-9a-f]{17}$/);
            });

            it(
                "writes the subzone's NS delegation into the apex through the dns role, and (prod) only its delegated public " + "names",
                async () => {
                    const [plan, dns] = [await planOf(env), await planOf("dns")];
                    const apexWrites = ofType(plan, "aws:route53/record:Record").filter(
                        r => providerOf(plan, r).allowed[0] === ACCOUNTS.dns,
                    );
                    const delegations = apexWrites.filter(r => r.inputs.type === "NS");
                    assert.equal(delegations.length, 1);
                    // Anything else in the apex: prod's public names (alias) and their ACM validation records, and only those.
                    const publicNames = dns.outputs.prodPublicNames as string[];
                    for (const other of apexWrites.filter(r => r.inputs.type !== "NS")) {
                        assert.equal(env, "prod", `${env} writes ${other.inputs.name} into the apex`);
                        const name = String(other.inputs.name).replace(/\.$/, "");
                        assert.ok(
                            (other.inputs.type === "A" && publicNames.includes(name)) ||
                                (other.inputs.type === "CNAME" && publicNames.some(p => name.endsWith(`.${p}`) && name.startsWith("_"))),
                            `${other.inputs.type} ${name} is not one of prod's delegated names`,
                        );
                    }
                    assert.equal(apexWrites.length, env === "prod" ? 1 + 2 * publicNames.length : 1);
                    const [delegation] = delegations;
                    assert.equal(providerOf(plan, delegation).roleArn, (dns.outputs.delegationRoleArns as Record<string, string>)[env]);
                    assert.deepEqual(
                        [delegation.inputs.zoneId, delegation.inputs.name, delegation.inputs.type],
                        [dns.outputs.zoneId, `${env}.twinehr.com`, "NS"],
                    );
                    const subzone = named(plan, "aws:route53/zone:Zone", `${env}-subzone`);
                    assert.deepEqual(providerOf(plan, subzone).allowed, [ACCOUNTS[env]]);
                    assert.equal(subzone.options.protect, env === "prod", "prod's subzone is protected, dev's can be rebuilt");
                    assert.equal(plan.outputs.subzoneName, `${env}.twinehr.com`);
                    assert.equal((delegation.inputs.records as string[]).length, 4, "the subzone's four name servers");
                },
            );

            it("admits SSH from the bastion's private address only", async () => {
                const [plan, bastion] = [await planOf(env), await planOf("bastion")];
                const group = named(plan, "aws:ec2/securityGroup:SecurityGroup", `${env}-ssh-from-bastion`);
                assert.match(String(plan.outputs.sshFromBastionSecurityGroupId), /^sg-[0-9a-f]{17}$/);
                const rules = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r => r.parent === group.urn);
                assert.equal(rules.length, 1);
                assert.deepEqual(
                    [rules[0].inputs.ipProtocol, rules[0].inputs.fromPort, rules[0].inputs.toPort, rules[0].inputs.cidrIpv4],
                    ["tcp", 22, 22, `${bastion.outputs.bastionPrivateIp}/32`],
                );
                assert.equal(group.inputs.ingress, undefined, "no inline rules beside the one above");
            });
        });
    }

    it("bastion: writes bastion.<apex> (A, its Elastic IP) through the dns role for the bastion account", async () => {
        const [plan, dns] = [await planOf("bastion"), await planOf("dns")];
        const record = named(plan, "aws:route53/record:Record", "bastion-dns");
        const { allowed, roleArn } = providerOf(plan, record);
        assert.deepEqual(allowed, [ACCOUNTS.dns]);
        assert.equal(roleArn, (dns.outputs.delegationRoleArns as Record<string, string>).bastion);
        assert.deepEqual([record.inputs.zoneId, record.inputs.name, record.inputs.type], [dns.outputs.zoneId, "bastion.twinehr.com", "A"]);
        assert.deepEqual(record.inputs.records, [plan.outputs.bastionPublicIp]);
    });

    it("every explicit provider pins exactly one account, and a provider that assumes a role pins the role's account", async () => {
        for (const stack of STACKS) {
            const plan = await planOf(stack);
            for (const provider of ofType(plan, "pulumi:providers:aws")) {
                const allowed = provider.inputs.allowedAccountIds as string[];
                assert.equal(allowed.length, 1, provider.urn);
                const role = assumedRoleArn(provider.inputs, stackCrossAccountRoles(FIXTURES, stack));
                const roles = role ? [{ roleArn: role }] : [];
                if (roles.length === 0) {
                    assert.deepEqual(allowed, [ACCOUNTS[stack]], `${provider.urn} acts as the deployer, so only in its own account`);
                } else {
                    assert.equal(roles.length, 1);
                    assert.equal(
                        roles[0].roleArn.split(":")[4],
                        allowed[0],
                        `${provider.urn} assumes ${roles[0].roleArn} but pins ${allowed[0]}`,
                    );
                    assert.notEqual(allowed[0], ACCOUNTS[stack], `${provider.urn} assumes a role in its own account`);
                }
            }
        }
    });

    it("no security group rule in any stack admits SSH from the Internet", async () => {
        let rules = 0;
        for (const stack of STACKS) {
            for (const rule of ofType(await planOf(stack), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
                const ports = [Number(rule.inputs.fromPort), Number(rule.inputs.toPort)];
                if (rule.inputs.ipProtocol === "-1" || (ports[0] <= 22 && 22 <= ports[1])) {
                    assert.notEqual(rule.inputs.cidrIpv4, "0.0.0.0/0", `${stack}: ${rule.name} admits 22 from the whole Internet`);
                    assert.notEqual(rule.inputs.cidrIpv6, "::/0", `${stack}: ${rule.name} admits 22 from the whole IPv6 Internet`);
                    rules++;
                }
            }
        }
        assert.ok(rules >= 4, `only ${rules} SSH rules seen: the bastion's two ranges and one bastion rule per env are expected`);
    });

    it("no IAM policy in any stack allows a wildcard action, or uses NotAction in an Allow", async () => {
        let checked = 0;
        for (const stack of STACKS) {
            const plan = await planOf(stack);
            const documents = [
                ...ofType(plan, "aws:iam/rolePolicy:RolePolicy").map(r => r.inputs.policy),
                ...ofType(plan, "aws:iam/policy:Policy").map(r => r.inputs.policy),
                ...ofType(plan, "aws:iam/role:Role").map(r => r.inputs.assumeRolePolicy),
            ];
            for (const document of documents) {
                for (const s of statements(document)) {
                    // A Deny narrows whatever else allows: the deploy roles' guard denies all but their services.
                    if (s.Effect === "Deny") continue;
                    assert.equal(s.NotAction, undefined);
                    for (const action of list(s.Action)) {
                        assert.ok(!action.includes("*"), `${stack}: ${action} is a wildcard action`);
                    }
                    checked++;
                }
            }
        }
        assert.ok(checked > 20, `only ${checked} statements checked`);
    });

    it("trust policies name exactly the intended account: dns roles their consumer, peering roles their environment", async () => {
        const trusted = (plan: Plan, name: string) => {
            const [s, ...rest] = statements(named(plan, "aws:iam/role:Role", name).inputs.assumeRolePolicy);
            assert.equal(rest.length, 0);
            assert.deepEqual(list(s.Action), ["sts:AssumeRole"]);
            return { principals: list(s.Principal?.AWS), condition: s.Condition };
        };
        const dns = await planOf("dns");
        for (const consumer of ["bastion", "dev", "prod"] as const) {
            const { principals, condition } = trusted(dns, `apex-delegation-${consumer}`);
            assert.deepEqual(principals, [`arn:aws:iam::${ACCOUNTS[consumer]}:root`]);
            assert.deepEqual(condition, { StringEquals: { "aws:PrincipalAccount": ACCOUNTS[consumer] } });
        }
        // No other role in the dns account trusts another AWS account (the deploy roles trust Pulumi's OIDC issuer).
        const crossAccount = ofType(dns, "aws:iam/role:Role").filter(r =>
            statements(r.inputs.assumeRolePolicy).some(st => st.Principal?.AWS),
        );
        assert.deepEqual(crossAccount.map(r => r.name).sort(), [
            "apex-delegation-bastion",
            "apex-delegation-bastion-read",
            "apex-delegation-dev",
            "apex-delegation-dev-read",
            "apex-delegation-prod",
            "apex-delegation-prod-read",
        ]);
        for (const consumer of ["bastion", "dev", "prod"] as const) {
            // The read-only counterparts: the consumer's preview roles only.
            const { principals, condition } = trusted(dns, `apex-delegation-${consumer}-read`);
            assert.deepEqual(principals, [`arn:aws:iam::${ACCOUNTS[consumer]}:root`]);
            assert.deepEqual(condition, {
                StringEquals: { "aws:PrincipalAccount": ACCOUNTS[consumer] },
                ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNTS[consumer]}:role/pulumi-*-preview` },
            });
        }
        const bastion = await planOf("bastion");
        for (const env of ["dev", "prod"] as const) {
            assert.deepEqual(trusted(bastion, `peering-${env}`).principals, [`arn:aws:iam::${ACCOUNTS[env]}:root`]);
        }
    });

    it("dns: each delegation role may change only its own names and types in the apex zone", async () => {
        const dns = await planOf("dns");
        const zoneArn = `arn:aws:route53:::hostedzone/${dns.outputs.zoneId}`;
        const grants = (consumer: string) =>
            statements(named(dns, "aws:iam/rolePolicy:RolePolicy", `apex-delegation-${consumer}`).inputs.policy)
                .filter(s => list(s.Action).includes("route53:ChangeResourceRecordSets"))
                .map(s => {
                    assert.deepEqual(list(s.Resource), [zoneArn]);
                    return [
                        s.Condition!["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
                        (s.Condition!["ForAllValues:StringEquals"] as Record<string, unknown>)[
                            "route53:ChangeResourceRecordSetsRecordTypes"
                        ],
                    ];
                });
        assert.deepEqual(grants("bastion"), [[["bastion.twinehr.com"], ["A"]]]);
        assert.deepEqual(grants("dev"), [[["dev.twinehr.com"], ["NS"]]]);
        assert.deepEqual(grants("prod"), [
            [["prod.twinehr.com"], ["NS"]],
            [["app.twinehr.com"], ["A", "AAAA"]],
            [["_*.app.twinehr.com"], ["CNAME"]],
        ]);
    });

    describe("rejects stacks that do not fit together, before declaring anything", () => {
        it("a prod VPC that overlaps dev's", async () => {
            const config = fixtureConfig("prod");
            config["twine-infra:network"] = JSON.stringify({ ...JSON.parse(config["twine-infra:network"]), cidr: "10.20.0.0/16" });
            await assert.rejects(
                planWithConfig("prod", writeStackFile(config)),
                /network\.cidr = "10\.20\.0\.0\/16": overlaps the dev VPC 10\.20\.0\.0\/16/,
            );
        });
        it("an env VPC other than the block the bastion peers with", async () => {
            const config = fixtureConfig("dev");
            config["twine-infra:network"] = JSON.stringify({ ...JSON.parse(config["twine-infra:network"]), cidr: "10.21.0.0/16" });
            await assert.rejects(
                planWithConfig("dev", writeStackFile(config)),
                new RegExp(
                    /network\.cidr = "10\.21\.0\.0\/16": the bastion stack peers dev as 10\.20\.0\.0\/16.*/.source +
                        /Fix: make bastionHost\.peers\.dev\.cidr/.source,
                ),
            );
        });
        it("an env account other than the one the bastion's peering role trusts", async () => {
            const config = { ...fixtureConfig("dev"), "twine-infra:accountId": "555555555555" };
            await assert.rejects(
                planWithConfig("dev", writeStackFile(config)),
                /accountId = "555555555555": the bastion's peering role for dev trusts account 333333333333/,
            );
        });
    });
});
