/**
 * Components in isolation, for paths no committed stack takes: each test builds one component from hand-written
 * args with runProgram (the offline plan's mocks and recording) and asserts on what it declares.
 */
import { strict as assert } from "assert";
import { BastionUser } from "../components/access/bastionCloudConfig";
import { Bastion } from "../components/access/bastion";
import { Database } from "../components/data/database";
import { Network, NetworkSettings } from "../components/network/network";
import { databaseDefaults, withNetworkDefaults } from "../config";
import { withAppTierDefaults } from "../config/appTier";
import { Plan, runProgram } from "../plan/run";
import { stagingCluster } from "./helpers/appCluster";
import { ofType, serialPlan } from "./helpers/plans";

const run = (program: () => void) => serialPlan(() => runProgram(program));
const ALICE: BastionUser = {
    name: "alice",
    publicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHBsYWNlaG9sZGVyLWFsaWNlMDAwMDAwMDAwMDAwMDAw alice@example"],
    sudo: false,
};

function network(settings: Partial<NetworkSettings>): () => void {
    return () => {
        new Network("net", {
            ...withNetworkDefaults({ cidr: "10.40.0.0/16" }),
            ...settings,
            region: "eu-west-1",
            accountId: "123456789012",
        });
    };
}

const tier = (plan: Plan, name: string) =>
    ofType(plan, "aws:ec2/subnet:Subnet").filter(s => (s.inputs.tags as Record<string, string>).Tier === name);
const defaultRoutes = (plan: Plan) => ofType(plan, "aws:ec2/route:Route").filter(r => r.inputs.destinationCidrBlock === "0.0.0.0/0");

describe("components in isolation", () => {
    describe("Database", () => {
        it("GIVEN a mysql engine WHEN built THEN RDS runs MySQL on 3306 with its own TLS parameter, family and logs", async () => {
            const plan = await run(() => {
                new Database("ledger-database", {
                    ...databaseDefaults("dev", { engine: "mysql" }),
                    identifier: "twine-ledger",
                    vpcId: "vpc-1",
                    subnetIds: ["subnet-1", "subnet-2"],
                    accountId: "123456789012",
                    region: "eu-west-1",
                    clientSecurityGroups: { ledger: "sg-app" },
                });
            });
            const [instance] = ofType(plan, "aws:rds/instance:Instance");
            assert.equal(instance.inputs.engine, "mysql");
            assert.equal(instance.inputs.engineVersion, "8.0");
            assert.deepEqual(instance.inputs.enabledCloudwatchLogsExports, ["error", "slowquery"]);
            const [group] = ofType(plan, "aws:rds/parameterGroup:ParameterGroup");
            assert.equal(group.inputs.family, "mysql8.0");
            assert.ok(
                (group.inputs.parameters as { name: string; value: string }[]).some(
                    p => p.name === "require_secure_transport" && p.value === "1",
                ),
            );
            const [rule] = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            assert.deepEqual([rule.inputs.fromPort, rule.inputs.toPort, rule.inputs.referencedSecurityGroupId], [3306, 3306, "sg-app"]);
        });
    });

    describe("Network", () => {
        it("GIVEN one AZ and no NAT WHEN built THEN one subnet per tier and no route to the Internet from private or data", async () => {
            const plan = await run(network({ azCount: 1, natStrategy: "none" }));
            for (const name of ["public", "private", "data"]) assert.equal(tier(plan, name).length, 1, name);
            assert.equal(ofType(plan, "aws:ec2/natGateway:NatGateway").length, 0);
            // Only the public table routes to the Internet, through the Internet gateway.
            const routes = defaultRoutes(plan);
            assert.equal(routes.length, 1);
            assert.ok(routes[0].inputs.gatewayId, "through the Internet gateway");
        });

        it("GIVEN perAz over three AZs WHEN built THEN each AZ's private table routes through that AZ's own NAT gateway", async () => {
            const plan = await run(network({ azCount: 3, natStrategy: "perAz" }));
            const gateways = ofType(plan, "aws:ec2/natGateway:NatGateway");
            assert.equal(gateways.length, 3);
            const natRoutes = defaultRoutes(plan).filter(r => r.inputs.natGatewayId);
            assert.equal(natRoutes.length, 3);
            assert.equal(new Set(natRoutes.map(r => r.inputs.natGatewayId)).size, 3, "no AZ shares another's gateway");
            assert.equal(tier(plan, "private").length, 3);
        });
    });

    describe("AppCluster", () => {
        it("GIVEN no warm pool (the dev default) WHEN built THEN the group has none, and the identity carries its rules", async () => {
            assert.equal(withAppTierDefaults("dev", "staging").warmPool, undefined);
            const plan = await run(() => {
                stagingCluster();
            });
            const [group] = ofType(plan, "aws:autoscaling/group:Group");
            assert.equal(group.inputs.warmPool, undefined);
            assert.equal(group.inputs.minSize, 1);
            const owned = plan.resources.filter(
                r => r.type.startsWith("aws:vpc/securityGroup") && r.parent && r.parent.includes("AppIdentity"),
            );
            assert.deepEqual(owned.map(r => r.name).sort(), ["staging-app-from-alb", "staging-app-https-out"]);
        });
    });

    describe("Bastion", () => {
        it("GIVEN no DNS record WHEN built THEN the host has its address and no record anywhere", async () => {
            const plan = await run(() => {
                new Bastion("jump", {
                    vpcId: "vpc-1",
                    subnetId: "subnet-1",
                    subnetCidr: "10.10.0.0/27",
                    amiId: "ami-0123456789abcdef0",
                    instanceType: "t3.micro",
                    sshAllowedCidrs: ["203.0.113.0/24"],
                    users: [ALICE],
                    hostName: "jump.example.com",
                    logRetentionDays: 30,
                    region: "eu-west-1",
                    accountId: "123456789012",
                });
            });
            assert.equal(ofType(plan, "aws:route53/record:Record").length, 0);
            assert.equal(ofType(plan, "aws:ec2/eip:Eip").length, 1);
            assert.equal(ofType(plan, "aws:ec2/instance:Instance").length, 1);
        });
    });
});
