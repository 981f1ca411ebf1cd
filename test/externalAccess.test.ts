/**
 * A trust a deploy role adds for someone outside: detected in every account (Access Analyzer's findings routed to the
 * account's topic, the expected ones archived), and refused by the organization's resource control policy.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { validateResourceControlPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ArchiveRuleSpec, FindingFields, archives, oidcProviderArn } from "../components/account/expectedAccessConfig";
import { GITHUB_OIDC_HOST, PULUMI_OIDC_HOST, pulumiSubject } from "../components/account/oidcTrustPolicy";
import { RCP_MAX_CHARACTERS, perimeterPolicy } from "../components/account/perimeterPolicy";
import { accessAnalyzerFindingPattern, alertTamperingPattern } from "../components/operations/monitoring";
import { Plan, PlannedResource } from "../plan/run";
import { projectOidcTrusts, projectPerimeterPolicy } from "../scripts/perimeterPolicy";
import { alertDeliveryCheck, externalAccessCheck } from "../doctor/checks";
import { FIXTURES, REPO, fixtureConfig, problemsOf, withKey, writeStackFile } from "./helpers/config";
import { Document, IamHarness, statementsOf } from "./helpers/iam";
import { eventPatternMatches } from "./helpers/moto";
import { STACKS, ofType, planOf, planWithConfig } from "./helpers/plans";

const REGION = "eu-west-1";
const accountOf = (stack: string) => fixtureConfig(stack)["twine-infra:accountId"];
const OUTSIDE = "999999999999";

/** Whether EventBridge's pattern matches each event (moto's matcher). */
const motoMatches = eventPatternMatches;

/** The example events of the IAM User Guide, "Monitoring IAM Access Analyzer with Amazon EventBridge". */
const SAMPLES = JSON.parse(fs.readFileSync(path.join(FIXTURES, "access-analyzer-finding-events.json"), "utf8")) as Record<
    "finding" | "errorFinding",
    { detail: Record<string, unknown> }
>;

describe("external access: Access Analyzer's findings reach the account's topic", () => {
    it("the pattern matches active findings (errors too), not archived, resolved or deleted ones (moto's matcher)", function () {
        this.timeout(60_000);
        const variant = (detail: Record<string, unknown>) => ({ ...SAMPLES.finding, detail: { ...SAMPLES.finding.detail, ...detail } });
        const guardDuty = { ...SAMPLES.finding, source: "aws.guardduty", "detail-type": "GuardDuty Finding" };
        const matched = motoMatches(accessAnalyzerFindingPattern(), [
            SAMPLES.finding,
            SAMPLES.errorFinding,
            variant({ status: "ARCHIVED" }),
            variant({ status: "RESOLVED" }),
            variant({ isDeleted: true }),
            guardDuty,
        ]);
        assert.deepEqual(matched, [true, true, false, false, false, false]);
    });

    it("a second rule pages on what would silence them (rules, targets, topic, its key), not reads (moto's matcher)", function () {
        this.timeout(60_000);
        // "AWS API Call via CloudTrail": the service's source, the call's name in detail.eventName.
        const call = (source: string, eventName: string) => ({
            version: "0",
            id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": "AWS API Call via CloudTrail",
            source,
            account: "333333333333",
            time: "2026-12-07T21:00:00Z",
            region: REGION,
            resources: [],
            detail: { eventVersion: "1.08", eventSource: `${source.slice(4)}.amazonaws.com`, eventName, requestParameters: {} },
        });
        // A KMS call as CloudTrail records it: the caller's key id in requestParameters, the key's ARN in resources.
        const topicKey = `arn:aws:kms:${REGION}:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
        const kms = (eventName: string, keyArn: string, byArn = false) => {
            const event = call("aws.kms", eventName);
            const keyId = byArn ? keyArn : keyArn.split("/")[1];
            return {
                ...event,
                detail: { ...event.detail, requestParameters: { keyId }, resources: [{ type: "AWS::KMS::Key", ARN: keyArn }] },
            };
        };
        const otherKey = topicKey.replace("1234abcd", "5678efab");
        const matched = motoMatches(alertTamperingPattern(topicKey), [
            call("aws.access-analyzer", "CreateArchiveRule"),
            call("aws.access-analyzer", "UpdateArchiveRule"),
            call("aws.access-analyzer", "DeleteAnalyzer"),
            call("aws.events", "RemoveTargets"),
            call("aws.events", "DisableRule"),
            call("aws.sns", "Unsubscribe"),
            // PutRule can disable a rule (State) or give it a pattern that never matches; PutTargets re-points it.
            call("aws.events", "PutRule"),
            call("aws.events", "PutTargets"),
            call("aws.sns", "SetSubscriptionAttributes"),
            // A detector disabled or deleted, or its findings archived by a filter: the guardduty rule goes quiet.
            call("aws.guardduty", "UpdateDetector"),
            call("aws.guardduty", "DeleteDetector"),
            call("aws.guardduty", "CreateFilter"),
            call("aws.guardduty", "ArchiveFindings"),
            kms("PutKeyPolicy", topicKey),
            kms("DisableKey", topicKey),
            kms("ScheduleKeyDeletion", topicKey, true),
            call("aws.access-analyzer", "GetArchiveRule"),
            call("aws.sns", "Publish"),
            call("aws.guardduty", "GetFindings"),
            kms("PutKeyPolicy", otherKey),
            kms("Decrypt", topicKey),
        ]);
        assert.deepEqual(matched, [...Array(16).fill(true), false, false, false, false, false]);
    });

    for (const stack of STACKS) {
        it(`${stack}: a rule routes them to the account topic, whose policy and key let EventBridge publish (simulator)`, async () => {
            const plan = await planOf(stack);
            const accountId = accountOf(stack);
            const ruleName = `twine-${stack}-external-access`;
            const [rule] = ofType(plan, "aws:cloudwatch/eventRule:EventRule").filter(r => r.inputs.name === ruleName);
            assert.ok(rule, `${stack} routes no Access Analyzer finding`);
            assert.deepEqual(JSON.parse(String(rule.inputs.eventPattern)), accessAnalyzerFindingPattern());
            const topics = ofType(plan, "aws:sns/topic:Topic");
            const keys = ofType(plan, "aws:kms/key:Key");
            const rules = ofType(plan, "aws:cloudwatch/eventRule:EventRule");
            const topicKeys = [`twine-${stack}-account`, `twine-${stack}-tampering`].map(name => {
                const [topic] = topics.filter(t => t.inputs.name === name);
                assert.match(String(topic?.inputs.kmsMasterKeyId), /^arn:aws:kms:/, name);
                return String(topic.inputs.kmsMasterKeyId);
            });
            assert.notEqual(topicKeys[0], topicKeys[1], "the two paths share a key");

            const publish = async (ruleName: string, action: string, resource: string, policy: unknown) => {
                const response = await runSimulation(
                    {
                        request: {
                            principal: "events.amazonaws.com",
                            action,
                            resource: { resource, accountId },
                            contextVariables: {
                                "aws:SourceAccount": accountId,
                                "aws:SourceArn": `arn:aws:events:${REGION}:${accountId}:rule/${ruleName}`,
                                "aws:SecureTransport": "true",
                            },
                        },
                        identityPolicies: [],
                        serviceControlPolicies: [],
                        resourceControlPolicies: [],
                        resourcePolicy: JSON.parse(String(policy)),
                    },
                    {},
                );
                assert.notEqual(response.resultType, "error", JSON.stringify(response));
                return response.resultType === "error" ? "error" : response.overallResult;
            };
            // The findings through the account topic; the tampering calls through two paths, each its own rule, topic
            // and key, both patterns naming both keys: one path broken pages through the other.
            for (const [name, topicName, keyName] of [
                [ruleName, `twine-${stack}-account`, `${stack}-alerts-topic-key`],
                [`twine-${stack}-alert-tampering`, `twine-${stack}-account`, `${stack}-alerts-topic-key`],
                [`twine-${stack}-tampering`, `twine-${stack}-tampering`, `${stack}-alerts-tampering-topic-key`],
            ]) {
                const [r] = rules.filter(x => x.inputs.name === name);
                if (name !== `twine-${stack}-external-access`) {
                    assert.deepEqual(JSON.parse(String(r.inputs.eventPattern)), alertTamperingPattern(...topicKeys), name);
                }
                const topicArn = `arn:aws:sns:${REGION}:${accountId}:${topicName}`;
                const [target] = ofType(plan, "aws:cloudwatch/eventTarget:EventTarget").filter(t => t.parent === r.urn);
                assert.equal(target.inputs.arn, topicArn, name);
                const [topicPolicy] = ofType(plan, "aws:sns/topicPolicy:TopicPolicy").filter(p => p.inputs.arn === topicArn);
                const [key] = keys.filter(k => k.name === keyName);
                assert.equal(await publish(name, "sns:Publish", topicArn, topicPolicy.inputs.policy), "Allowed");
                const keyArn = `arn:aws:kms:${REGION}:${accountId}:key/00000000-0000-0000-0000-000000000000`;
                for (const action of ["kms:GenerateDataKey", "kms:Decrypt"])
                    assert.equal(await publish(name, action, keyArn, key.inputs.policy), "Allowed", `${name} ${action}`);
            }
        });
    }
});

describe("external access: the dns and bastion account topics page through pagingWebhook", () => {
    for (const stack of ["dns", "bastion"] as const) {
        it(`${stack}: a secret pagingWebhook subscribes to both alert topics, and a plain one is refused`, async () => {
            const key = "twine-infra:pagingWebhook";
            const plan = await planWithConfig(
                stack,
                writeStackFile(withKey(fixtureConfig(stack), key, { secure: "v1:c2VjcmV0:dG9rZW4=" })),
            );
            // Both topics the tampering calls page through: the account's and the tampering one.
            for (const name of [`twine-${stack}-account`, `twine-${stack}-tampering`]) {
                const [topic] = ofType(plan, "aws:sns/topic:Topic").filter(t => t.inputs.name === name);
                const [hook] = ofType(plan, "aws:sns/topicSubscription:TopicSubscription").filter(s => s.parent === topic.urn);
                assert.equal(hook.inputs.protocol, "https", name);
                assert.equal(hook.inputs.endpoint, "[secret]", name);
            }
            const problems = problemsOf(stack, withKey(fixtureConfig(stack), key, "https://hooks.example/token"));
            assert.ok(
                problems.some(p => p.startsWith(`${key}:`)),
                problems.join("\n"),
            );
        });
    }
});

/** The analyzer's archive rules in a plan, as specs. */
function archiveRulesOf(plan: Plan): ArchiveRuleSpec[] {
    return ofType(plan, "aws:accessanalyzer/archiveRule:ArchiveRule").map(r => ({
        key: r.name,
        ruleName: String(r.inputs.ruleName),
        filter: Object.fromEntries(
            (r.inputs.filters as { criteria: string; eqs: string[] }[]).map(f => [f.criteria, { eq: f.eqs }] as [string, { eq: string[] }]),
        ),
    }));
}

/** The resource a policy document of the plan is on, as Access Analyzer names it, with the document. */
function analyzedResources(plan: Plan, accountId: string): { resource: string; resourceType: string; document: Document }[] {
    const site = (r: PlannedResource): { resource: string; resourceType: string; input: unknown } | undefined => {
        const i = r.inputs;
        if (r.type === "aws:iam/role:Role")
            return {
                resource: `arn:aws:iam::${accountId}:role${String(i.path ?? "/")}${String(i.name ?? r.name)}`,
                resourceType: "AWS::IAM::Role",
                input: i.assumeRolePolicy,
            };
        if (r.type === "aws:s3/bucketPolicy:BucketPolicy")
            return { resource: `arn:aws:s3:::${String(i.bucket)}`, resourceType: "AWS::S3::Bucket", input: i.policy };
        if (r.type === "aws:kms/key:Key")
            return { resource: `arn:aws:kms:${REGION}:${accountId}:key/${r.name}`, resourceType: "AWS::KMS::Key", input: i.policy };
        if (r.type === "aws:sns/topicPolicy:TopicPolicy")
            return { resource: String(i.arn), resourceType: "AWS::SNS::Topic", input: i.policy };
        return undefined;
    };
    return plan.resources.flatMap(r => {
        const s = site(r);
        return s && typeof s.input === "string"
            ? [{ resource: s.resource, resourceType: s.resourceType, document: JSON.parse(s.input) as Document }]
            : [];
    });
}

/**
 * The findings the plan's own documents would raise: each principal of another account (as the finding names it:
 * its account id) and each federated principal of an Allow. Principal "*" (the trail key's, the apt bucket's) is
 * narrowed by conditions to the account or its VPC endpoint, and service principals are the account's own services.
 */
function expectedFindings(plan: Plan, accountId: string): FindingFields[] {
    const findings = new Map<string, FindingFields>();
    for (const { resource, resourceType, document } of analyzedResources(plan, accountId)) {
        for (const statement of statementsOf(document)) {
            if (statement.Effect !== "Allow" || typeof statement.Principal !== "object") continue;
            const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);
            for (const aws of list(statement.Principal.AWS)) {
                const account = /^\d{12}$/.test(aws) ? aws : aws.split(":")[4];
                if (aws !== "*" && account !== accountId)
                    findings.set(`${resource} ${account}`, { "principal.AWS": account, resource, resourceType });
            }
            for (const federated of list(statement.Principal.Federated))
                findings.set(`${resource} ${federated}`, { "principal.Federated": federated, resource, resourceType });
        }
    }
    return [...findings.values()];
}

describe("external access: the archive rules archive exactly what the stacks grant on purpose", () => {
    for (const stack of STACKS) {
        it(`${stack}: what the plan grants outside is archived, each rule archives some; a deploy role's persistence is not`, async () => {
            const plan = await planOf(stack);
            const accountId = accountOf(stack);
            const rules = archiveRulesOf(plan);
            const [analyzer] = ofType(plan, "aws:accessanalyzer/analyzer:Analyzer");
            for (const r of ofType(plan, "aws:accessanalyzer/archiveRule:ArchiveRule")) {
                assert.equal(r.parent, analyzer.urn);
                assert.equal(r.inputs.analyzerName, analyzer.inputs.analyzerName);
            }
            const expected = expectedFindings(plan, accountId);
            assert.ok(expected.length > 0, `${stack} grants no external access: the test reads nothing`);
            for (const finding of expected)
                assert.ok(
                    rules.some(r => archives(r, finding)),
                    `not archived: ${JSON.stringify(finding)}`,
                );
            for (const rule of rules)
                assert.ok(
                    expected.some(f => archives(rule, f)),
                    `${rule.ruleName} archives nothing the stack grants`,
                );

            const role = (name: string) => `arn:aws:iam::${accountId}:role/${name}`;
            const otherProject = STACKS.map(accountOf).find(a => a !== accountId)!;
            const persistence: FindingFields[] = [
                // The preview role's trust rewritten for an outside account, or a new role of the stack's path for it.
                { "principal.AWS": OUTSIDE, resource: role(`pulumi-${stack}-preview`), resourceType: "AWS::IAM::Role" },
                { "principal.AWS": OUTSIDE, resource: role(`twine/${stack}/persist`), resourceType: "AWS::IAM::Role" },
                // A new role of the stack's path trusting the stack's GitHub provider (an attacker's repository).
                {
                    "principal.Federated": oidcProviderArn(accountId, GITHUB_OIDC_HOST),
                    resource: role(`twine/${stack}/persist`),
                    resourceType: "AWS::IAM::Role",
                },
                // The deploy role trusting an OIDC provider of the attacker's.
                {
                    "principal.Federated": oidcProviderArn(accountId, "evil.example.com"),
                    resource: role(`pulumi-${stack}-deploy`),
                    resourceType: "AWS::IAM::Role",
                },
                // A bucket shared with another account of the project (roles and keys only are expected).
                { "principal.AWS": otherProject, resource: "arn:aws:s3:::any-bucket", resourceType: "AWS::S3::Bucket" },
            ];
            for (const finding of persistence) assert.ok(!rules.some(r => archives(r, finding)), `archived: ${JSON.stringify(finding)}`);
        });
    }
});

describe("external access: the organization's resource control policy (perimeter-policy)", () => {
    const ORG = "o-abcdefghij";
    let harness: Promise<IamHarness> | undefined;
    const iam = () => (harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans)));

    it("is valid RCP syntax and within AWS Organizations' 5,120 characters, as the command prints it", () => {
        const policy = projectPerimeterPolicy(FIXTURES, ORG);
        assert.deepEqual(validateResourceControlPolicy(policy), []);
        assert.ok(JSON.stringify(policy).length <= RCP_MAX_CHARACTERS);
        // Every subject the fixtures' roles trust, and no other.
        const trusted = projectOidcTrusts(FIXTURES).flatMap(s =>
            Object.entries((s.Condition as { StringEquals: Record<string, unknown> }).StringEquals),
        );
        const pulumiSubjects = new Set(trusted.filter(([k]) => k === `${PULUMI_OIDC_HOST}:sub`).flatMap(([, v]) => v as string[]));
        const statement = policy.Statement.find(s => s.Sid === "WebIdentityOnlyFromThePulumiSubjectsOfTheStacks")!;
        assert.deepEqual(new Set((statement.Condition as any).StringNotEquals[`${PULUMI_OIDC_HOST}:sub`]), pulumiSubjects);
    });

    it("refuses a rewritten trust to an outside account, and lets the organization and AWS services assume (simulator)", async () => {
        const h = await iam();
        const rcp = projectPerimeterPolicy(FIXTURES, ORG) as unknown as Document;
        const dev = accountOf("dev");
        // The dev deploy role rewrites its preview role's trust to an outside account.
        const rewritten: Document = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` }, Action: "sts:AssumeRole" }],
        };
        const outsider = { principal: `arn:aws:iam::${OUTSIDE}:role/attacker` };
        assert.equal(
            await h.assume({ role: "pulumi-dev-preview", from: outsider, trustPolicy: rewritten }),
            "Allowed",
            "the trust alone lets it in",
        );
        assert.equal(
            await h.assume({ role: "pulumi-dev-preview", from: outsider, trustPolicy: rewritten, resourceControlPolicy: rcp }),
            "ExplicitlyDenied",
        );
        // A member account's role still assumes what trusts it (the dns delegation role, from dev).
        const member = { principal: `arn:aws:iam::${dev}:role/pulumi-dev-deploy`, organizationId: ORG };
        assert.equal(await h.assume({ role: "twine-dns-delegation-dev", from: member, resourceControlPolicy: rcp }), "Allowed");
        // An AWS service assumes its service role: IAM sets aws:PrincipalIsAWSService for a service principal's call
        // (IAM User Guide, global condition keys); without it the RCP refuses it.
        const [serviceRole] = h.roles.filter(r => r.stack === "dev" && JSON.stringify(r.trustPolicy).includes("ec2.amazonaws.com"));
        const ec2 = { service: "ec2.amazonaws.com", context: { "aws:PrincipalIsAWSService": "true" } };
        assert.equal(await h.assume({ role: serviceRole, from: ec2, resourceControlPolicy: rcp }), "Allowed");
        assert.equal(
            await h.assume({ role: serviceRole, from: { service: "ec2.amazonaws.com" }, resourceControlPolicy: rcp }),
            "ExplicitlyDenied",
        );
    });

    it("refuses web-identity tokens but the stacks' own subjects: another repository or organization (simulator)", async () => {
        const h = await iam();
        const rcp = projectPerimeterPolicy(FIXTURES, ORG) as unknown as Document;
        const dev = accountOf("dev");
        const github = oidcProviderArn(dev, GITHUB_OIDC_HOST);
        const pulumi = oidcProviderArn(dev, PULUMI_OIDC_HOST);
        const prefix = "repo:twine/twine-infra";
        // The preview role rewritten to trust any repository's token, and any Pulumi organization's.
        const wide: Document = {
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Principal: { Federated: github }, Action: "sts:AssumeRoleWithWebIdentity" },
                { Effect: "Allow", Principal: { Federated: pulumi }, Action: "sts:AssumeRoleWithWebIdentity" },
            ],
        };
        const token = (issuer: string, sub: string, aud: string) => ({ webIdentity: { issuer, claims: { sub, aud } } });
        const attackerRepo = token(GITHUB_OIDC_HOST, "repo:attacker/persist:ref:refs/heads/main", "sts.amazonaws.com");
        const attackerOrg = token(
            PULUMI_OIDC_HOST,
            pulumiSubject({ organization: "twine", project: "evil", stack: "dev" }, "update"),
            "twine",
        );
        for (const from of [attackerRepo, attackerOrg]) {
            assert.equal(await h.assume({ role: "pulumi-dev-preview", from, trustPolicy: wide }), "Allowed", "the trust alone lets it in");
            assert.equal(
                await h.assume({ role: "pulumi-dev-preview", from, trustPolicy: wide, resourceControlPolicy: rcp }),
                "ExplicitlyDenied",
            );
        }
        // The stacks' own tokens still work through the committed trusts.
        const pullRequest = token(GITHUB_OIDC_HOST, `${prefix}:pull_request`, "sts.amazonaws.com");
        const update = token(
            PULUMI_OIDC_HOST,
            pulumiSubject({ organization: "twine", project: "twine-infra", stack: "dev" }, "update"),
            "twine",
        );
        assert.equal(await h.assume({ role: "pulumi-dev-preview", from: pullRequest, resourceControlPolicy: rcp }), "Allowed");
        assert.equal(await h.assume({ role: "pulumi-dev-deploy", from: update, resourceControlPolicy: rcp }), "Allowed");
    });

    it("with no subject trusted for an issuer, refuses every token of it", () => {
        const policy = perimeterPolicy("o-abcdefghij", { [PULUMI_OIDC_HOST]: [], [GITHUB_OIDC_HOST]: ["repo:a/b:pull_request"] });
        const pulumi = policy.Statement.find(s => s.Sid === "WebIdentityOnlyFromThePulumiSubjectsOfTheStacks")!;
        assert.deepEqual(pulumi.Condition, { Null: { [`${PULUMI_OIDC_HOST}:sub`]: "false" } });
        assert.throws(() => perimeterPolicy("123", { [PULUMI_OIDC_HOST]: [], [GITHUB_OIDC_HOST]: [] }), /not an organization id/);
    });
});

describe("external access: doctor's verdict and the perimeter-policy command", () => {
    const wanted = {
        analyzer: "twine-dev-account",
        archiveRules: [{ key: "k", ruleName: "twine-project-accounts", filter: { "principal.AWS": { eq: ["444444444444"] } } }],
        rule: "twine-dev-external-access",
        pattern: accessAnalyzerFindingPattern(),
        topicArn: "arn:aws:sns:eu-west-1:333333333333:twine-dev-account",
    };
    const healthy = {
        analyzerStatus: "ACTIVE",
        archiveRules: wanted.archiveRules,
        rule: { state: "ENABLED", pattern: accessAnalyzerFindingPattern() },
        targetArns: [wanted.topicArn],
    };

    it("ok as planned; fails on a silencing archive rule, a widened one, a disabled rule or a lost target; pending before up", async () => {
        // As AWS returns it: the rule's EventPattern is the string the stack wrote (sorted keys), parsed by doctor/run.ts.
        const [planned] = ofType(await planOf("dev"), "aws:cloudwatch/eventRule:EventRule").filter(
            r => r.inputs.name === "twine-dev-external-access",
        );
        const deployed = { ...healthy, rule: { state: "ENABLED", pattern: JSON.parse(String(planned.inputs.eventPattern)) as unknown } };
        assert.equal(externalAccessCheck(deployed, wanted).verdict, "ok", JSON.stringify(externalAccessCheck(deployed, wanted)));
        assert.equal(externalAccessCheck(healthy, wanted).verdict, "ok");
        const everything = { key: "x", ruleName: "quiet", filter: { resourceType: { eq: ["AWS::IAM::Role"] } } };
        const widened = { ...wanted.archiveRules[0], filter: { "principal.AWS": { eq: ["444444444444", OUTSIDE] } } };
        for (const found of [
            { ...healthy, archiveRules: [...healthy.archiveRules, everything] },
            { ...healthy, archiveRules: [widened] },
            { ...healthy, rule: { ...healthy.rule, state: "DISABLED" } },
            { ...healthy, rule: { ...healthy.rule, pattern: { source: ["aws.access-analyzer"], detail: { status: ["NONE"] } } } },
            { ...healthy, targetArns: [] },
            { ...healthy, analyzerStatus: undefined },
        ]) {
            assert.equal(externalAccessCheck(found, wanted).verdict, "fail", JSON.stringify(found));
        }
        assert.equal(externalAccessCheck({ archiveRules: [], targetArns: [] }, wanted).verdict, "pending");
        // Findings ACTIVE from before the rules: the one a declared rule matches waits for apply-archive-rule; one
        // from outside is no doctor matter (it paged when it became active).
        const role = (name: string) => `arn:aws:iam::333333333333:role/${name}`;
        const finding = (principal: string, name: string) => ({
            "principal.AWS": principal,
            resource: role(name),
            resourceType: "AWS::IAM::Role",
        });
        const older = externalAccessCheck({ ...healthy, activeFindings: [finding("444444444444", "delegation")] }, wanted);
        assert.equal(older.verdict, "fail");
        assert.match(
            older.detail,
            /1 active finding\(s\) the stack's archive rules match \(arn:aws:iam::333333333333:role\/delegation\).*apply-archive-rule/,
        );
        assert.equal(externalAccessCheck({ ...healthy, activeFindings: [finding(OUTSIDE, "rewritten")] }, wanted).verdict, "ok");
    });

    it("the page's path: ok as planned; fails on the tampering rule changed or lost, a policy without EventBridge, nobody", async () => {
        const plan = await planOf("dev");
        const topicArn = "arn:aws:sns:eu-west-1:333333333333:twine-dev-account";
        const [rule] = ofType(plan, "aws:cloudwatch/eventRule:EventRule").filter(r => r.inputs.name === "twine-dev-alert-tampering");
        const [topic] = ofType(plan, "aws:sns/topic:Topic").filter(t => t.inputs.name === "twine-dev-account");
        const [topicPolicy] = ofType(plan, "aws:sns/topicPolicy:TopicPolicy").filter(p => p.parent === topic.urn);
        const [key] = ofType(plan, "aws:kms/key:Key").filter(k => k.name === "dev-alerts-topic-key");
        const [spare] = ofType(plan, "aws:sns/topic:Topic").filter(t => t.inputs.name === "twine-dev-tampering");
        const pattern = alertTamperingPattern(String(topic.inputs.kmsMasterKeyId), String(spare.inputs.kmsMasterKeyId));
        const deliveryWanted = { rule: "twine-dev-alert-tampering", topicArn, pattern, subscribed: true };
        const healthy = {
            tampering: { state: "ENABLED", pattern: JSON.parse(String(rule.inputs.eventPattern)) as unknown, targetArns: [topicArn] },
            topic: {
                kmsKeyArn: String(topic.inputs.kmsMasterKeyId),
                policy: JSON.parse(String(topicPolicy.inputs.policy)) as unknown,
                subscriptionsConfirmed: 1,
                subscriptionsPending: 0,
            },
            keyPolicy: JSON.parse(String(key.inputs.policy)) as unknown,
        };
        const verdict = (found: Parameters<typeof alertDeliveryCheck>[0]) => alertDeliveryCheck(found, deliveryWanted);
        assert.equal(verdict(healthy).verdict, "ok", verdict(healthy).detail);
        // A statement for EventBridge dropped from a policy (what PutKeyPolicy or SetTopicAttributes could do).
        const without = (policy: unknown, service: string) => {
            const doc = policy as { Statement: { Principal?: { Service?: string[] } }[] };
            return { ...doc, Statement: doc.Statement.filter(st => !JSON.stringify(st.Principal ?? {}).includes(service)) };
        };
        for (const found of [
            { ...healthy, tampering: { ...healthy.tampering, state: "DISABLED" } },
            { ...healthy, tampering: { ...healthy.tampering, pattern: alertTamperingPattern(String(topic.inputs.kmsMasterKeyId)) } },
            { ...healthy, tampering: { ...healthy.tampering, targetArns: [`${topicArn}-elsewhere`] } },
            { ...healthy, tampering: undefined },
            { ...healthy, topic: { ...healthy.topic, policy: without(healthy.topic.policy, "events.amazonaws.com") } },
            { ...healthy, keyPolicy: without(healthy.keyPolicy, "events.amazonaws.com") },
            { ...healthy, topic: { ...healthy.topic, subscriptionsConfirmed: 0, subscriptionsPending: 1 } },
            { ...healthy, topic: undefined },
        ]) {
            assert.equal(verdict(found).verdict, "fail", JSON.stringify(found));
        }
        assert.equal(alertDeliveryCheck({}, deliveryWanted).verdict, "pending");
    });

    it("the command prints the policy as JSON from the stack files, and refuses a malformed organization id (exit 2)", () => {
        const cli = (...args: string[]) =>
            spawnSync(process.execPath, [path.join(REPO, "scripts", "twine-infra.js"), "perimeter-policy", ...args], {
                cwd: FIXTURES,
                encoding: "utf8",
            });
        const ok = cli("--organization-id", "o-abcdefghij");
        assert.equal(ok.status, 0, ok.stderr);
        assert.deepEqual(JSON.parse(ok.stdout), projectPerimeterPolicy(FIXTURES, "o-abcdefghij"));
        const bad = cli("--organization-id", "123456789012");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /is not an organization id/);
        assert.equal(bad.stdout, "");
    });
});
