/**
 * IAM over the four offline plans, decided by a policy simulator (test/helpers/iam.ts): every document is valid
 * against AWS's service data, each identity can do its job, and what a reviewer worries about is denied.
 */
import { strict as assert } from "assert";
import { pulumiSubject } from "../components/account/oidcTrustPolicy";
import { autoScalingServiceLinkedRoleArn } from "../components/delivery/imageSharingPolicy";
import { PROJECT } from "../config";
import { fixtureConfig } from "./helpers/config";
import { AssumeFrom, Decision, IamHarness, RequestSpec } from "./helpers/iam";
import { STACKS, StackName, planOf } from "./helpers/plans";

let harness: Promise<IamHarness> | undefined;
/** One harness over the four plans for the whole file. */
function iam(): Promise<IamHarness> {
    harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans));
    return harness;
}

describe("IAM over the plans (policy simulator)", () => {
    it("finds every policy document valid: actions, resource types, condition keys", async () => {
        const h = await iam();
        assert.ok(h.documents.length >= 40, `only ${h.documents.length} documents found`);
        assert.deepEqual(await h.validateDocuments(), []);
    });

    /** One assertion per request: the simulator's decision must be the expected one. */
    function expect(what: string, expected: "allow" | "deny", spec: (h: IamHarness) => RequestSpec): void {
        it(`${expected === "allow" ? "allows" : "denies"} ${what}`, async () => {
            const h = await iam();
            const request = spec(h);
            const decision: Decision = await h.decide(request);
            if (expected === "allow") assert.equal(decision, "Allowed", `${request.action} on ${request.resource}`);
            else assert.notEqual(decision, "Allowed", `${request.action} on ${request.resource}`);
        });
    }

    describe("Jenkins (dev): what its pipeline and controller call, nothing more", () => {
        const region = { "aws:RequestedRegion": "eu-west-1" };
        const ec2 = (kind: string, id: string) => `arn:aws:ec2:eu-west-1:333333333333:${kind}/${id}`;
        const apt = (h: IamHarness) => h.arnOf("dev", "dev-apt-bucket", "aws:s3/bucket:Bucket");
        const image = (h: IamHarness) => h.arnOf("dev", "dev-jenkins-image", "aws:ecr/repository:Repository");
        const signingKey = (h: IamHarness) => h.arnOf("dev", "dev-apt-signing-key");
        const BUILD = "dev-jenkins-build";
        const HOST = "dev-jenkins-host";
        // [what, expected, role, action, resource, request context]
        type Case = [string, "allow" | "deny", string, string, (h: IamHarness) => string, Record<string, string>?];
        const cases: Case[] = [
            ["the build role publishing a package to the apt bucket", "allow", BUILD, "s3:PutObject", h => `${apt(h)}/dists/noble/Release`],
            ["the build role listing the apt bucket", "allow", BUILD, "s3:ListBucket", apt],
            // Aptly removes superseded files (a delete marker on a versioned bucket); the versions stay.
            ["the build role deleting a file of the apt bucket", "allow", BUILD, "s3:DeleteObject", h => `${apt(h)}/pool/x.deb`],
            ["the build role erasing a version of the apt bucket", "deny", BUILD, "s3:DeleteObjectVersion", h => `${apt(h)}/pool/x.deb`],
            ["the build role reading any secret", "deny", BUILD, "secretsmanager:GetSecretValue", signingKey],
            [
                "the controller writing the apt bucket itself (only the build session does)",
                "deny",
                HOST,
                "s3:PutObject",
                h => `${apt(h)}/x.deb`,
            ],
            ["reading the apt signing key", "allow", HOST, "secretsmanager:GetSecretValue", signingKey],
            ["pulling its own image", "allow", HOST, "ecr:BatchGetImage", image],
            [
                "opening ingress on any security group",
                "deny",
                HOST,
                "ec2:AuthorizeSecurityGroupIngress",
                () => ec2("security-group", "sg-0123456789abcdef0"),
                region,
            ],
            [
                "tagging the Jenkins host into a build tag",
                "deny",
                HOST,
                "ec2:CreateTags",
                h => h.arnOf("dev", HOST, "aws:ec2/instance:Instance"),
                region,
            ],
            [
                "deleting a snapshot (the JENKINS_HOME backups)",
                "deny",
                HOST,
                "ec2:DeleteSnapshot",
                () => "arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0",
                region,
            ],
            [
                "making an AMI public",
                "deny",
                HOST,
                "ec2:ModifyImageAttribute",
                () => "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0",
                region,
            ],
            ["launching an instance", "deny", HOST, "ec2:RunInstances", () => ec2("instance", "*"), region],
            [
                "passing a role",
                "deny",
                HOST,
                "iam:PassRole",
                h => h.role("pulumi-dev-deploy").arn,
                { "iam:PassedToService": "ec2.amazonaws.com" },
            ],
            ["pushing an image (the stack pushes it)", "deny", HOST, "ecr:PutImage", image],
            [
                "reading a database's master secret",
                "deny",
                HOST,
                "secretsmanager:GetSecretValue",
                () => "arn:aws:secretsmanager:eu-west-1:333333333333:secret:rds!db-0000-abcdef",
            ],
        ];
        for (const [what, expected, role, action, resource, context] of cases) {
            expect(what, expected, h => ({ role, action, resource: resource(h), context }));
        }
        expectAssume(
            "the controller assume the build role for the publish step",
            "allow",
            () => BUILD,
            () => ({ role: HOST }),
        );
        expectAssume(
            "the controller assume the dev deploy role",
            "deny",
            () => "pulumi-dev-deploy",
            () => ({ role: HOST }),
        );
    });

    /** One assertion per role assumption. */
    function expectAssume(
        what: string,
        expected: "allow" | "deny",
        role: (h: IamHarness) => string,
        from: (h: IamHarness) => AssumeFrom,
        durationSeconds?: number,
    ): void {
        it(`${expected === "allow" ? "lets" : "does not let"} ${what}`, async () => {
            const h = await iam();
            const decision = await h.assume({ role: role(h), from: from(h), durationSeconds });
            if (expected === "allow") assert.equal(decision, "Allowed");
            else assert.notEqual(decision, "Allowed");
        });
    }

    // The committed files' organization and repository, whatever a user set them to.
    const deployments = (stack: StackName) =>
        JSON.parse(fixtureConfig(stack)["twine-infra:deployments"]) as { organization: string; repository: string };
    const pulumiToken = (stack: StackName, operation: string, tokenStack: StackName = stack): AssumeFrom => {
        const { organization } = deployments(stack);
        return {
            webIdentity: {
                issuer: "api.pulumi.com/oidc",
                claims: { aud: organization, sub: pulumiSubject({ organization, project: PROJECT, stack: tokenStack }, operation) },
            },
        };
    };
    const pullRequestToken = (stack: StackName): AssumeFrom => ({
        webIdentity: {
            issuer: "token.actions.githubusercontent.com",
            claims: { aud: "sts.amazonaws.com", sub: `repo:${deployments(stack).repository}:pull_request` },
        },
    });
    const pushToken = (stack: StackName): AssumeFrom => ({
        webIdentity: {
            issuer: "token.actions.githubusercontent.com",
            claims: { aud: "sts.amazonaws.com", sub: `repo:${deployments(stack).repository}:ref:refs/heads/main` },
        },
    });

    for (const stack of STACKS) {
        describe(`${stack}: preview and deploy identities`, () => {
            const preview = `pulumi-${stack}-preview`;
            const deploy = `pulumi-${stack}-deploy`;
            expectAssume(
                "a pull-request run assume the preview role",
                "allow",
                () => preview,
                () => pullRequestToken(stack),
            );
            expectAssume(
                "a pull-request run assume the deploy role",
                "deny",
                () => deploy,
                () => pullRequestToken(stack),
            );
            expectAssume(
                "a push to the branch assume the preview role through GitHub (only pull requests are trusted)",
                "deny",
                () => preview,
                () => pushToken(stack),
            );
            expectAssume(
                "the stack's Pulumi preview operation assume the preview role",
                "allow",
                () => preview,
                () => pulumiToken(stack, "preview"),
            );
            // The settings name one role for every operation: a console preview and a drift run present their own.
            expectAssume(
                "the stack's Pulumi Deployments preview (console) assume the deploy role the settings name",
                "allow",
                () => deploy,
                () => pulumiToken(stack, "preview"),
            );
            expectAssume(
                "the stack's scheduled drift detection (detect-drift) assume the deploy role",
                "allow",
                () => deploy,
                () => pulumiToken(stack, "detect-drift"),
            );
            expectAssume(
                "the stack's remediate-drift assume the deploy role (the schedule never remediates)",
                "deny",
                () => deploy,
                () => pulumiToken(stack, "remediate-drift"),
            );
            expectAssume(
                "the stack's Pulumi update assume the deploy role for 2 hours",
                "allow",
                () => deploy,
                () => pulumiToken(stack, "update"),
                7200,
            );
            expectAssume(
                "the stack's Pulumi refresh (drift detection) assume the deploy role",
                "allow",
                () => deploy,
                () => pulumiToken(stack, "refresh"),
            );
            expectAssume(
                "the stack's Pulumi destroy assume the deploy role",
                "deny",
                () => deploy,
                () => pulumiToken(stack, "destroy"),
            );
            const other = stack === "dev" ? "prod" : "dev";
            expectAssume(
                `an update of the ${other} stack assume this stack's deploy role`,
                "deny",
                () => deploy,
                () => pulumiToken(stack, "update", other),
            );
            expect("the preview role reading an object of the CloudTrail bucket", "deny", h => ({
                role: preview,
                action: "s3:GetObject",
                resource: `${h.arnOf(stack, `${stack}-baseline-trail-logs`, "aws:s3/bucket:Bucket")}/AWSLogs/x.json.gz`,
            }));
            expect("the preview role its lookups (availability zones, images)", "allow", () => ({
                role: preview,
                action: "ec2:DescribeImages",
                resource: "*",
            }));
            expect("the preview role reading an SSM parameter", "deny", h => ({
                role: preview,
                action: "ssm:GetParameter",
                resource: `arn:aws:ssm:eu-west-1:${h.role(preview).account}:parameter/twine/x`,
            }));
        });
    }

    describe("previews reach only the read-only counterparts of the cross-account roles", () => {
        const cases: [StackName, string][] = [
            ["bastion", "twine-dns-delegation-bastion"],
            ["dev", "twine-dns-delegation-dev"],
            ["dev", "twine-bastion-peering-dev"],
            ["prod", "twine-dns-delegation-prod"],
            ["prod", "twine-bastion-peering-prod"],
        ];
        for (const [stack, writeRole] of cases) {
            expectAssume(
                `${stack}'s preview role assume ${writeRole}-read`,
                "allow",
                () => `${writeRole}-read`,
                () => ({ role: `pulumi-${stack}-preview` }),
            );
            expectAssume(
                `${stack}'s preview role assume ${writeRole}`,
                "deny",
                () => writeRole,
                () => ({ role: `pulumi-${stack}-preview` }),
            );
            expectAssume(
                `${stack}'s deploy role assume ${writeRole}`,
                "allow",
                () => writeRole,
                () => ({ role: `pulumi-${stack}-deploy` }),
            );
            expectAssume(
                `${stack}'s deploy role assume ${writeRole}-read (previews only)`,
                "deny",
                () => `${writeRole}-read`,
                () => ({ role: `pulumi-${stack}-deploy` }),
            );
        }
        expectAssume(
            "prod's preview role assume dev's read-only counterpart",
            "deny",
            () => "twine-dns-delegation-dev-read",
            () => ({ role: "pulumi-prod-preview" }),
        );
    });

    describe("the cross-account roles allow the changes the plans make through them, and no more", () => {
        const zone = (h: IamHarness) => h.arnOf("dns", "apex", "aws:route53/zone:Zone");
        const records = (names: string[], types: string[]) => ({
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
            "route53:ChangeResourceRecordSetsRecordTypes": types,
            "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
        });
        const apex = () => JSON.parse(fixtureConfig("dns")["twine-infra:dns"]).apexDomain as string;
        const nsChange =
            (role: string, name: () => string) =>
            (h: IamHarness): RequestSpec => ({
                role,
                action: "route53:ChangeResourceRecordSets",
                resource: zone(h),
                context: records([name()], ["NS"]),
            });
        expect(
            "dev's delegation role writing the NS delegation of dev.<apex>",
            "allow",
            nsChange("twine-dns-delegation-dev", () => `dev.${apex()}`),
        );
        expect(
            "dev's delegation role writing prod.<apex>",
            "deny",
            nsChange("twine-dns-delegation-dev", () => `prod.${apex()}`),
        );
        expect(
            "dev's read-only counterpart changing any record",
            "deny",
            nsChange("twine-dns-delegation-dev-read", () => `dev.${apex()}`),
        );
        expect("dev's read-only counterpart listing the apex records", "allow", h => ({
            role: "twine-dns-delegation-dev-read",
            action: "route53:ListResourceRecordSets",
            resource: zone(h),
        }));
        const bastionEc2 = (h: IamHarness, kind: string, id: string) =>
            `arn:aws:ec2:eu-west-1:${h.role("twine-bastion-peering-dev").account}:${kind}/${id}`;
        const idOf = (arn: string) => arn.split("/").pop()!;
        expect("dev's peering role accepting dev's peering into the bastion VPC", "allow", h => ({
            role: "twine-bastion-peering-dev",
            action: "ec2:AcceptVpcPeeringConnection",
            resource: bastionEc2(
                h,
                "vpc-peering-connection",
                idOf(h.arnOf("dev", "dev-bastion-requester", "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")),
            ),
            context: {
                "ec2:AccepterVpc": h.arnOf("bastion", "bastion-vpc", "aws:ec2/vpc:Vpc"),
                "ec2:RequesterVpc": h.arnOf("dev", "dev-vpc", "aws:ec2/vpc:Vpc"),
            },
        }));
        expect("dev's peering role accepting a peering requested from prod's account", "deny", h => ({
            role: "twine-bastion-peering-dev",
            action: "ec2:AcceptVpcPeeringConnection",
            resource: bastionEc2(
                h,
                "vpc-peering-connection",
                idOf(h.arnOf("prod", "prod-bastion-requester", "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")),
            ),
            context: {
                "ec2:AccepterVpc": h.arnOf("bastion", "bastion-vpc", "aws:ec2/vpc:Vpc"),
                "ec2:RequesterVpc": h.arnOf("prod", "prod-vpc", "aws:ec2/vpc:Vpc"),
            },
        }));
        // [what, expected, role, action, the bastion plan's resource (logical name, type)]. The bastion stack owns its
        // routes and egress rules toward each environment: the peering roles change neither (test/accessIam.test.ts).
        const onBastion: [string, "allow" | "deny", string, string, string, string][] = [
            [
                "routing in the bastion's public route table",
                "deny",
                "twine-bastion-peering-dev",
                "ec2:CreateRoute",
                "bastion-public",
                "aws:ec2/routeTable:RouteTable",
            ],
            [
                "routing in another bastion route table",
                "deny",
                "twine-bastion-peering-dev",
                "ec2:CreateRoute",
                "bastion-private-0",
                "aws:ec2/routeTable:RouteTable",
            ],
            [
                "opening the bastion's SSH egress",
                "deny",
                "twine-bastion-peering-dev",
                "ec2:AuthorizeSecurityGroupEgress",
                "bastion-sg",
                "aws:ec2/securityGroup:SecurityGroup",
            ],
            [
                "opening ingress on the bastion",
                "deny",
                "twine-bastion-peering-dev",
                "ec2:AuthorizeSecurityGroupIngress",
                "bastion-sg",
                "aws:ec2/securityGroup:SecurityGroup",
            ],
            [
                "routing anywhere (the read-only counterpart)",
                "deny",
                "twine-bastion-peering-dev-read",
                "ec2:CreateRoute",
                "bastion-public",
                "aws:ec2/routeTable:RouteTable",
            ],
        ];
        for (const [what, expected, role, action, name, type] of onBastion) {
            expect(`${role} ${what}`, expected, h => ({ role, action, resource: h.arnOf("bastion", name, type) }));
        }
    });

    describe("prod's deploy role can make every call of the Auto Scaling grant on dev's image key", () => {
        // aws.kms.Grant is terraform-provider-aws internal/service/kms/grant.go: create is CreateGrant then a read
        // (ListGrants, retried until the grant shows); read and refresh are ListGrants; delete and replace are
        // RetireGrant (retire_on_delete; RevokeGrant otherwise) then ListGrants until it is gone. Across accounts
        // CreateGrant and ListGrants need both the key policy (dev's plan) and the caller's IAM policy (prod's plan).
        const key = (h: IamHarness) => h.arnOf("dev", "app-image-key", "aws:kms/key:Key");
        const prod = (h: IamHarness) => h.role("pulumi-prod-deploy").account;
        const autoScaling = (h: IamHarness) => autoScalingServiceLinkedRoleArn(prod(h));
        expect("kms:CreateGrant for prod's Auto Scaling role", "allow", h => ({
            role: "pulumi-prod-deploy",
            action: "kms:CreateGrant",
            resource: key(h),
            context: { "kms:GranteePrincipal": autoScaling(h), "kms:CallerAccount": prod(h) },
        }));
        expect("kms:ListGrants", "allow", h => ({
            role: "pulumi-prod-deploy",
            action: "kms:ListGrants",
            resource: key(h),
            context: { "kms:CallerAccount": prod(h) },
        }));
        // RetireGrant is authorised by the grant, not the key policy: its retiring principal may call it, and when
        // that is an account, whom the account's IAM lets (KMS developer guide, "Retiring and revoking grants"). The
        // simulator knows no grants, so the grant from prod's plan stands in as the resource-side statement.
        it("allows kms:RetireGrant of its own grant: retired (not revoked) on delete, prod its retiring principal", async () => {
            const h = await iam();
            const grants = (await planOf("prod")).resources.filter(r => r.type === "aws:kms/grant:Grant");
            assert.equal(grants.length, 1);
            const { retiringPrincipal, retireOnDelete } = grants[0].inputs as { retiringPrincipal?: string; retireOnDelete?: boolean };
            assert.equal(retireOnDelete, true, "deleted with RevokeGrant, which the key policy does not give prod");
            assert.equal(retiringPrincipal, `arn:aws:iam::${prod(h)}:root`);
            const grant = {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { AWS: retiringPrincipal }, Action: "kms:RetireGrant", Resource: "*" }],
            };
            const decision = await h.decide({
                role: "pulumi-prod-deploy",
                action: "kms:RetireGrant",
                resource: key(h),
                resourcePolicy: grant,
            });
            assert.equal(decision, "Allowed");
        });
        expect("kms:RevokeGrant, which would delete any grant on the key (dev's own included)", "deny", h => ({
            role: "pulumi-prod-deploy",
            action: "kms:RevokeGrant",
            resource: key(h),
            context: { "kms:CallerAccount": prod(h) },
        }));
        expect("kms:CreateGrant for any other grantee", "deny", h => ({
            role: "pulumi-prod-deploy",
            action: "kms:CreateGrant",
            resource: key(h),
            context: { "kms:GranteePrincipal": h.role("pulumi-prod-deploy").arn },
        }));
        expect("the prod preview role revoking the grant", "deny", h => ({
            role: "pulumi-prod-preview",
            action: "kms:RevokeGrant",
            resource: key(h),
        }));
    });
});
