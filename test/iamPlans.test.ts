/**
 * IAM over the four offline plans, decided by a policy simulator (test/helpers/iam.ts): every document is valid
 * against AWS's service data, each identity can do its job, and what a reviewer worries about is denied.
 */
import { strict as assert } from "assert";
import { Decision, IamHarness, RequestSpec } from "./helpers/iam";
import { STACKS, planOf } from "./helpers/plans";

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
        const jenkins = (h: IamHarness) => h.role("dev-jenkins-host");
        const region = { "aws:RequestedRegion": "eu-west-1" };
        const ec2 = (kind: string, id: string) => `arn:aws:ec2:eu-west-1:333333333333:${kind}/${id}`;
        const apt = (h: IamHarness) => h.arnOf("dev", "dev-apt-bucket", "aws:s3/bucket:Bucket");
        expect("publishing a package to the apt bucket", "allow", h => ({ role: jenkins(h), action: "s3:PutObject", resource: `${apt(h)}/dists/noble/Release` }));
        expect("listing the apt bucket", "allow", h => ({ role: jenkins(h), action: "s3:ListBucket", resource: apt(h) }));
        expect("reading the apt signing key", "allow", h => ({ role: jenkins(h), action: "secretsmanager:GetSecretValue", resource: h.arnOf("dev", "dev-apt-signing-key") }));
        expect("pulling its own image", "allow", h => ({ role: jenkins(h), action: "ecr:BatchGetImage", resource: h.arnOf("dev", "dev-jenkins-image", "aws:ecr/repository:Repository") }));
        expect("opening ingress on any security group", "deny", h => ({ role: jenkins(h), action: "ec2:AuthorizeSecurityGroupIngress", resource: ec2("security-group", "sg-0123456789abcdef0"), context: region }));
        expect("tagging the Jenkins host into a build tag", "deny", h => ({ role: jenkins(h), action: "ec2:CreateTags", resource: h.arnOf("dev", "dev-jenkins-host", "aws:ec2/instance:Instance"), context: region }));
        expect("deleting a snapshot (the JENKINS_HOME backups)", "deny", h => ({ role: jenkins(h), action: "ec2:DeleteSnapshot", resource: "arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0", context: region }));
        expect("making an AMI public", "deny", h => ({ role: jenkins(h), action: "ec2:ModifyImageAttribute", resource: "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0", context: region }));
        expect("launching an instance", "deny", h => ({ role: jenkins(h), action: "ec2:RunInstances", resource: ec2("instance", "*"), context: region }));
        expect("passing a role", "deny", h => ({ role: jenkins(h), action: "iam:PassRole", resource: h.role("pulumi-dev-deploy").arn, context: { "iam:PassedToService": "ec2.amazonaws.com" } }));
        expect("pushing an image (the stack pushes it)", "deny", h => ({ role: jenkins(h), action: "ecr:PutImage", resource: h.arnOf("dev", "dev-jenkins-image", "aws:ecr/repository:Repository") }));
        expect("reading a database's master secret", "deny", h => ({ role: jenkins(h), action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:eu-west-1:333333333333:secret:rds!db-0000-abcdef" }));
    });
});
