/**
 * The access model's IAM, decided by the policy simulator over the four offline plans (test/helpers/iam.ts):
 * instance roles trust EC2 in the documented form, so every box gets its credentials; the CloudWatch agent's own
 * policy writes only its log groups.
 */
import { strict as assert } from "assert";
import { cloudWatchAgentPolicy } from "../components/access/instanceRolePolicy";
import { ec2TrustPolicy } from "../components/account/iamPolicy";
import { Document, IamHarness, IamRole, statementsOf, validateDocument } from "./helpers/iam";
import { planOf, STACKS } from "./helpers/plans";

const trustsEc2 = (role: IamRole) =>
    statementsOf(role.trustPolicy).some(s => JSON.stringify(s.Principal ?? {}).includes("ec2.amazonaws.com"));

describe("access IAM (policy simulator over the plans)", function () {
    this.timeout(120_000);
    let iam: IamHarness;
    before(async () => {
        iam = IamHarness.fromPlans(await Promise.all(STACKS.map(planOf)));
    });

    it("every instance role trusts EC2 in the documented form, and EC2 can assume it with no extra context", async () => {
        const roles = iam.roles.filter(trustsEc2);
        assert.ok(
            roles.some(r => r.stack === "bastion"),
            "the bastion's instance role is among them",
        );
        for (const role of roles) {
            assert.deepEqual(statementsOf(role.trustPolicy), statementsOf(ec2TrustPolicy() as never), `${role.stack}/${role.logicalName}`);
            assert.equal(
                await iam.assume({ role, from: { service: "ec2.amazonaws.com" } }),
                "Allowed",
                `${role.stack}/${role.logicalName}`,
            );
        }
    });

    describe("the CloudWatch agent's policy, in place of CloudWatchAgentServerPolicy", () => {
        const group = (name: string) => `arn:aws:logs:eu-west-1:333333333333:log-group:${name}`;
        const document = cloudWatchAgentPolicy({
            logGroupArns: [group("/twine/integration/app/syslog"), group("/twine/integration/app/twine")],
            metricNamespace: "Twine/App",
        });
        const agent: IamRole = {
            stack: "dev",
            account: "333333333333",
            logicalName: "integration-app",
            urn: "urn:test",
            name: "integration-app",
            arn: "arn:aws:iam::333333333333:role/integration-app",
            trustPolicy: ec2TrustPolicy() as unknown as Document,
            inlinePolicies: [{ name: "cloudwatch-agent", document: document as unknown as Document }],
            managedPolicies: [],
            maxSessionDuration: 3600,
        };

        it("is valid against AWS's IAM data: every action exists and applies to the ARNs it names", async () => {
            assert.deepEqual(await validateDocument(document as unknown as Document, "identity"), []);
        });

        it("writes its own groups' streams, and never another group, a group's retention or its existence", async () => {
            const decide = (action: string, resource: string, context?: Record<string, string>) =>
                iam.decide({ role: agent, action, resource, context });
            assert.equal(await decide("logs:PutLogEvents", `${group("/twine/integration/app/syslog")}:log-stream:i-0abc`), "Allowed");
            assert.equal(await decide("logs:CreateLogStream", `${group("/twine/integration/app/twine")}:log-stream:i-0abc`), "Allowed");
            for (const [action, resource] of [
                ["logs:PutLogEvents", `${group("/twine/test/app/syslog")}:log-stream:i-0abc`],
                ["logs:PutLogEvents", `${group("/twine/dev/vpc-flow-logs")}:log-stream:eni-0abc`],
                ["logs:PutRetentionPolicy", group("/twine/integration/app/syslog")],
                ["logs:DeleteLogGroup", group("/twine/integration/app/syslog")],
                ["logs:CreateLogGroup", group("/twine/integration/app/other")],
            ]) {
                assert.equal(await decide(action, resource), "ImplicitlyDenied", `${action} on ${resource}`);
            }
            assert.equal(await decide("cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "Twine/App" }), "Allowed");
            assert.equal(await decide("cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "AWS/EC2" }), "ImplicitlyDenied");
        });
    });

    describe("workload roles: one way in, and each environment only its own", () => {
        const MANAGED = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"];
        // Packer's short-lived build instance (not a workload) is driven over Session Manager during the bake.
        const isPackerBuild = (role: IamRole) => /image-build/.test(role.logicalName);

        it("no instance role but Packer's build carries AmazonSSMManagedInstanceCore or CloudWatchAgentServerPolicy", () => {
            const carrying = iam.roles
                .filter(trustsEc2)
                .filter(r => !isPackerBuild(r) && r.managedPolicies.some(p => MANAGED.includes(p.name)));
            assert.deepEqual(
                carrying.map(r => `${r.stack}/${r.logicalName}: ${r.managedPolicies.map(p => p.name).join(", ")}`),
                [],
            );
        });

        it("an app role registers with no Session Manager, reads only its own parameters, never touches the flow logs", async () => {
            const appRoles = iam.roles.filter(r => r.stack !== "bastion" && /-app$/.test(r.logicalName));
            assert.ok(appRoles.length >= 2, appRoles.map(r => r.logicalName).join(", "));
            for (const role of appRoles) {
                const env = role.logicalName.replace(/-app$/, "");
                const where = `arn:aws:ssm:eu-west-1:${role.account}`;
                const decide = (action: string, resource: string) => iam.decide({ role, action, resource });
                assert.equal(
                    await decide("ssm:UpdateInstanceInformation", `arn:aws:ec2:eu-west-1:${role.account}:instance/i-0abc`),
                    "ImplicitlyDenied",
                    role.logicalName,
                );
                assert.equal(await decide("ssmmessages:CreateControlChannel", "*"), "ImplicitlyDenied", role.logicalName);
                assert.equal(await decide("ssm:GetParameter", `${where}:parameter/twine/${env}/x`), "Allowed", role.logicalName);
                assert.equal(
                    await decide("ssm:GetParameter", `${where}:parameter/twine/${env === "test" ? "integration" : "test"}/x`),
                    "ImplicitlyDenied",
                    role.logicalName,
                );
                const flowLogs = `arn:aws:logs:eu-west-1:${role.account}:log-group:/twine/${role.stack}/vpc-flow-logs`;
                assert.equal(await decide("logs:PutRetentionPolicy", flowLogs), "ImplicitlyDenied", role.logicalName);
                assert.equal(await decide("logs:PutLogEvents", `${flowLogs}:log-stream:eni-0abc`), "ImplicitlyDenied", role.logicalName);
                assert.equal(
                    await decide(
                        "logs:PutLogEvents",
                        `arn:aws:logs:eu-west-1:${role.account}:log-group:/twine/${env}/app/syslog:log-stream:i-0abc`,
                    ),
                    "Allowed",
                    role.logicalName,
                );
            }
        });
    });

    describe("the environments' peering roles in the bastion account", () => {
        it("accept and tag their own peering, and can change none of the bastion's routes or rules", async () => {
            const table = iam.arnOf("bastion", "bastion-public", "aws:ec2/routeTable:RouteTable");
            const group = iam.arnOf("bastion", "bastion-sg", "aws:ec2/securityGroup:SecurityGroup");
            const [account, region] = [table.split(":")[4], table.split(":")[3]];
            const bastionVpc = iam.arnOf("bastion", "bastion-vpc", "aws:ec2/vpc:Vpc");
            for (const env of ["dev", "prod"]) {
                const role = iam.role(`peering-${env}`);
                const envAccount = iam.roles.find(r => r.stack === env)!.account;
                const pcx = `arn:aws:ec2:${region}:${account}:vpc-peering-connection/pcx-0abc`;
                const ownPeering = {
                    "ec2:AccepterVpc": bastionVpc,
                    "ec2:RequesterVpc": `arn:aws:ec2:${region}:${envAccount}:vpc/vpc-0env`,
                };
                assert.equal(
                    await iam.decide({ role, action: "ec2:AcceptVpcPeeringConnection", resource: pcx, context: ownPeering }),
                    "Allowed",
                    env,
                );
                assert.equal(await iam.decide({ role, action: "ec2:CreateTags", resource: pcx, context: ownPeering }), "Allowed", env);
                for (const action of ["ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"]) {
                    assert.equal(await iam.decide({ role, action, resource: table }), "ImplicitlyDenied", `${env} ${action}`);
                }
                for (const action of [
                    "ec2:AuthorizeSecurityGroupEgress",
                    "ec2:RevokeSecurityGroupEgress",
                    "ec2:ModifySecurityGroupRules",
                ]) {
                    assert.equal(await iam.decide({ role, action, resource: group }), "ImplicitlyDenied", `${env} ${action}`);
                }
            }
        });
    });
});
