import { strict as assert } from "assert";
import { cidrContains, mustParseCidr } from "../components/network/cidr";
import { Plan, PlannedResource } from "../plan/run";
import { ancestors, byUrn, ofType, planOf, planWithConfig } from "./helpers/plans";
import { fixtureConfig, problemsOf, withPath, writeStackFile } from "./helpers/config";

const tier = (plan: Plan, name: string) =>
    ofType(plan, "aws:ec2/subnet:Subnet").filter(s => (s.inputs.tags as Record<string, string>).Tier === name);
const routesOf = (plan: Plan, table: PlannedResource) => ofType(plan, "aws:ec2/route:Route").filter(r => r.parent === table.urn);
const tablesOf = (plan: Plan, tierName: string) =>
    ofType(plan, "aws:ec2/routeTable:RouteTable").filter(t => (t.inputs.tags as Record<string, string>).Tier === tierName);

describe("Network zones, pinned by AZ id", () => {
    const withZones = (ids: unknown, azCount?: number) => {
        let config = withPath(fixtureConfig("dev"), "twine-infra:network", "zoneIds", ids);
        if (azCount !== undefined) config = withPath(config, "twine-infra:network", "azCount", azCount);
        return config;
    };

    it("places each AZ's subnets in the zone of its id, in the listed order, whatever zone state EC2 reports", async () => {
        const plan = await planWithConfig("dev", writeStackFile(withZones(["euw1-az3", "euw1-az1"])));
        for (const name of ["public", "private", "data"]) {
            assert.deepEqual(
                tier(plan, name).map(s => s.inputs.availabilityZone),
                ["eu-west-1c", "eu-west-1a"],
                name,
            );
        }
        assert.deepEqual(plan.outputs.availabilityZones, ["eu-west-1c", "eu-west-1a"]);
        assert.deepEqual(plan.outputs.availabilityZoneIds, ["euw1-az3", "euw1-az1"], "the ids beside the names");
    });

    it("refuses ids that do not match azCount, or repeat, naming the key", () => {
        assert.match(problemsOf("dev", withZones(["euw1-az1"]))[0], /network\.zoneIds.*1 zone ids .* for azCount 2/);
        assert.match(problemsOf("dev", withZones(["euw1-az1", "euw1-az1"]))[0], /network\.zoneIds/);
        assert.match(problemsOf("dev", withZones(["eu-west-1a", "euw1-az2"])).join("\n"), /not an availability zone id/);
    });

    it("refuses, before any resource, an id the region does not have", async () => {
        await assert.rejects(
            planWithConfig("dev", writeStackFile(withZones(["euw1-az1", "use1-az1"]))),
            /network\.zoneIds names use1-az1, not zones of eu-west-1/,
        );
    });
});

describe("Network component (over the plans)", () => {
    it("dev: a VPC with three tiers across two AZs, all inside the VPC block", async () => {
        const plan = await planOf("dev");
        const [vpc] = ofType(plan, "aws:ec2/vpc:Vpc");
        assert.equal(vpc.inputs.cidrBlock, "10.20.0.0/16");
        assert.equal(vpc.inputs.enableDnsHostnames, true);
        for (const name of ["public", "private", "data"]) {
            const subnets = tier(plan, name);
            assert.equal(subnets.length, 2, name);
            assert.deepEqual(subnets.map(s => s.inputs.availabilityZone).sort(), ["eu-west-1a", "eu-west-1b"]);
            for (const s of subnets) {
                assert.ok(cidrContains(mustParseCidr("10.20.0.0/16"), mustParseCidr(s.inputs.cidrBlock as string)));
                assert.equal(s.inputs.mapPublicIpOnLaunch, false);
                assert.ok(
                    ancestors(plan, s).some(a => a.type === "twine:index:Network"),
                    "subnets belong to the Network component",
                );
            }
        }
    });

    it("dev: one NAT gateway that every private route table uses", async () => {
        const plan = await planOf("dev");
        const nats = ofType(plan, "aws:ec2/natGateway:NatGateway");
        assert.equal(nats.length, 1);
        const natId = `nat-`;
        for (const table of tablesOf(plan, "private")) {
            const routes = routesOf(plan, table);
            assert.equal(routes.length, 1);
            assert.equal(routes[0].inputs.destinationCidrBlock, "0.0.0.0/0");
            assert.ok(String(routes[0].inputs.natGatewayId).startsWith(natId));
        }
        assert.equal(new Set(tablesOf(plan, "private").map(t => routesOf(plan, t)[0].inputs.natGatewayId)).size, 1);
    });

    it("prod: a NAT gateway per AZ, and each private route table uses the one in its own AZ", async () => {
        const plan = await planOf("prod");
        const nats = ofType(plan, "aws:ec2/natGateway:NatGateway");
        assert.equal(nats.length, 3);
        const tables = tablesOf(plan, "private");
        assert.equal(tables.length, 3);
        const natIds = tables.map(t => routesOf(plan, t)[0].inputs.natGatewayId);
        assert.equal(new Set(natIds).size, 3, "each AZ routes through its own NAT");
        // The NAT a table uses sits in the public subnet of the table's AZ.
        for (const table of tables) {
            const index = table.name.split("-").pop();
            const association = ofType(plan, "aws:ec2/routeTableAssociation:RouteTableAssociation").find(a => a.parent === table.urn)!;
            const privateSubnet = tier(plan, "private").find(s => s.name === `prod-private-${index}`)!;
            assert.ok(String(association.inputs.subnetId).startsWith("subnet-"));
            const nat = nats.find(n => n.name === `prod-nat-${index}`)!;
            const natSubnet = byUrn(plan, nat.parent)!;
            assert.equal(natSubnet.inputs.availabilityZone, privateSubnet.inputs.availabilityZone);
        }
    });

    it("bastion: no NAT gateway, so private subnets have no route out", async () => {
        const plan = await planOf("bastion");
        assert.equal(ofType(plan, "aws:ec2/natGateway:NatGateway").length, 0);
        for (const table of tablesOf(plan, "private")) assert.deepEqual(routesOf(plan, table), []);
    });

    for (const stack of ["bastion", "dev", "prod"] as const) {
        it(`${stack}: data subnets never route to the Internet; public ones go through the Internet gateway`, async () => {
            const plan = await planOf(stack);
            for (const table of tablesOf(plan, "data")) assert.deepEqual(routesOf(plan, table), [], `${table.name} has routes`);
            const [publicTable] = tablesOf(plan, "public");
            const [route] = routesOf(plan, publicTable);
            assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
            assert.match(String(route.inputs.gatewayId), /^igw-/);
        });

        it(`${stack}: the default security group has no rules`, async () => {
            const [sg] = ofType(await planOf(stack), "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
            assert.deepEqual(sg.inputs.ingress, []);
            assert.deepEqual(sg.inputs.egress, []);
        });

        it(`${stack}: flow logs go to a log group with the configured retention, through a role scoped to it`, async () => {
            const plan = await planOf(stack);
            const [flowLog] = ofType(plan, "aws:ec2/flowLog:FlowLog");
            const [group] = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").filter(g => g.name.endsWith("-flow-logs"));
            assert.equal(flowLog.inputs.trafficType, "ALL");
            assert.equal(flowLog.inputs.logDestinationType, "cloud-watch-logs");
            assert.equal(group.inputs.retentionInDays, { bastion: 365, dev: 30, prod: 365 }[stack]);
            const [policy] = ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter(p => p.name.endsWith("-flow-logs"));
            const document = JSON.parse(policy.inputs.policy as string);
            for (const statement of document.Statement) {
                for (const action of [statement.Action].flat()) assert.ok(!action.includes("*"), `wildcard action ${action}`);
                // logs:DescribeLogGroups authorizes only "*"; every other action is scoped to the flow-log group.
                const pattern =
                    statement.Action === "logs:DescribeLogGroups" ? /^\*$/ : /^arn:aws:logs:eu-west-1:\d{12}:log-group:\/twine\/vpc\//;
                for (const resource of [statement.Resource].flat()) assert.match(resource, pattern);
            }
            const [role] = ofType(plan, "aws:iam/role:Role").filter(r => r.name.endsWith("-flow-logs"));
            const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
            assert.deepEqual(trust.Statement[0].Principal, { Service: "vpc-flow-logs.amazonaws.com" });
            assert.ok(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"].match(/^\d{12}$/));
        });

        it(`${stack}: the S3 gateway endpoint serves every route table`, async () => {
            const plan = await planOf(stack);
            const [endpoint] = ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint");
            assert.equal(endpoint.inputs.serviceName, "com.amazonaws.eu-west-1.s3");
            assert.equal(endpoint.inputs.vpcEndpointType, "Gateway");
            assert.equal((endpoint.inputs.routeTableIds as string[]).length, ofType(plan, "aws:ec2/routeTable:RouteTable").length);
        });
    }
});
