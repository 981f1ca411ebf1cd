/**
 * The IAM harness itself (test/helpers/iam.ts): its document checker reports what the IAM data says never
 * applies, and its simulator calls decide like IAM. The suites over the plans rely on both.
 */
import { strict as assert } from "assert";
import { managedPolicyDocument, statementsOf, validateDocument } from "./helpers/iam";

const doc = (...Statement: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement });

describe("IAM harness: document checker", () => {
    it("accepts a valid identity policy", async () => {
        const problems = await validateDocument(
            doc({
                Sid: "Logs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: "arn:aws:logs:eu-west-1:333333333333:log-group:/x:*",
            }),
            "identity",
        );
        assert.deepEqual(problems, []);
    });

    it("reports an action that does not exist, and a misspelt service", async () => {
        const problems = await validateDocument(
            doc({ Effect: "Allow", Action: ["s3:GetObjet", "s4:GetObject"], Resource: "*" }),
            "identity",
        );
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /s3:GetObjet does not exist/);
    });

    it("reports a wildcard-only action granted on an ARN (logs:DescribeLogGroups on a log group)", async () => {
        const problems = await validateDocument(
            doc({ Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "arn:aws:logs:eu-west-1:333333333333:log-group:/x" }),
            "identity",
        );
        assert.equal(problems.length, 1);
        assert.match(problems[0], /logs:DescribeLogGroups authorizes only Resource "\*"/);
    });

    it("reports an action whose resource types match none of the statement's ARNs (ec2:CreateRoute on a peering)", async () => {
        const problems = await validateDocument(
            doc({
                Sid: "Routes",
                Effect: "Allow",
                Action: "ec2:CreateRoute",
                Resource: "arn:aws:ec2:eu-west-1:222222222222:vpc-peering-connection/*",
            }),
            "identity",
        );
        assert.equal(problems.length, 1);
        assert.match(problems[0], /Routes: ec2:CreateRoute authorizes route-table; none matches/);
    });

    it("accepts a wildcard action when some of its actions apply, reports one when none does", async () => {
        assert.deepEqual(
            await validateDocument(doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }), "resource"),
            [],
        );
        const problems = await validateDocument(
            doc({ Effect: "Allow", Action: "route53:Change*", Resource: "arn:aws:s3:::b" }),
            "identity",
        );
        assert.equal(problems.length, 1);
        assert.match(problems[0], /no action of route53:Change\* authorizes/);
    });

    it("reports condition keys that do not exist or do not apply to the action", async () => {
        const onObjects = (Sid: string, key: string, value: string) => ({
            Sid,
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::b/*",
            Condition: { StringEquals: { [key]: value } },
        });
        const tagged = {
            Sid: "Tag",
            Effect: "Allow",
            Action: "ec2:StopInstances",
            Resource: "arn:aws:ec2:eu-west-1:333333333333:instance/*",
            Condition: { StringEquals: { "ec2:ResourceTag/Build": "x" } },
        };
        const document = doc(
            onObjects("Unknown", "s3:NoSuchKey", "x"),
            onObjects("Elsewhere", "ec2:Region", "eu-west-1"),
            onObjects("Global", "aws:PrincipalAccount", "333333333333"),
            tagged,
        );
        const problems = await validateDocument(document, "identity");
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /Unknown: condition key s3:NoSuchKey does not exist/);
        assert.match(problems[1], /Elsewhere: condition key ec2:Region applies to none of s3:GetObject/);
    });

    it("accepts the claims of the trusted OIDC issuer and reports another issuer's", async () => {
        const trust = (key: string) =>
            doc({
                Effect: "Allow",
                Principal: { Federated: "arn:aws:iam::333333333333:oidc-provider/api.pulumi.com/oidc" },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { "api.pulumi.com/oidc:aud": "twine", [key]: "x" } },
            });
        assert.deepEqual(await validateDocument(trust("api.pulumi.com/oidc:sub"), "trust"), []);
        const problems = await validateDocument(trust("token.actions.githubusercontent.com:sub"), "trust");
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /no claim of the trusted provider/);
    });

    it("reads AWS managed policies' published documents", () => {
        const readOnly = managedPolicyDocument("arn:aws:iam::aws:policy/ReadOnlyAccess");
        assert.ok(
            statementsOf(readOnly).some(s => [s.Action].flat().includes("s3:Get*")),
            "ReadOnlyAccess grants s3:Get*",
        );
        assert.throws(() => managedPolicyDocument("arn:aws:iam::aws:policy/NoSuchPolicy"), /No AWS managed policy named NoSuchPolicy/);
    });
});
