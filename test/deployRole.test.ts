/**
 * The deploy roles over the four plans: the services each stack's update calls, derived from its resource types and
 * kept in DEPLOY_SERVICES, and the guard's explicit denies decided by the policy simulator (test/helpers/iam.ts)
 * against the role's policies as the plan declares them (its derived allows, test/deployActions.test.ts, and the guard).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BOUNDARY_ACTIONS } from "../components/account/boundaryPolicy";
import { readCatalog } from "../components/account/deployActionsConfig";
import { deployActionsOf } from "../components/account/deployAllowPolicy";
import { deployTypesOf } from "../components/account/deployTypesConfig";
import {
    DEPLOY_SERVICES,
    BAKE_INSTANCE_TAG,
    BAKE_SESSION_DOCUMENT,
    KEYS_KEPT_FROM_DEPLOYS,
    PASSED_TO_SERVICES,
    STACK_TAG,
    bakeInstanceProfileArn,
    bakesImages,
    boundaryPolicyArn,
    deployServicesOf,
    isDeployAllowPolicyName,
    ownedPath,
    serviceOfType,
} from "../components/account/deployRolePolicy";
import { Plan } from "../plan/run";
import { accountAlertPrefix, alertTopicKeyAlias } from "../components/operations/monitoring";
import { baselineNames } from "../components/account/accountBaseline";
import { Document, IamHarness, managedPolicyDocument } from "./helpers/iam";
import { STACKS, StackName, assertListedAsPlanned, committedPlanOf, ofType, planOf } from "./helpers/plans";
import { fixtureConfig } from "./helpers/config";

/** Every action the stack's deploy calls (its types' catalog entries and its update's own calls). */
function deployCallsOf(stack: StackName, accountId: string): Set<string> {
    const args = { accountId, region: "eu-west-1", stack, accountRole: stack, resourceTypes: deployTypesOf(stack) };
    return new Set(deployActionsOf(readCatalog(), args));
}

let harness: Promise<IamHarness> | undefined;
function iam(): Promise<IamHarness> {
    harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans));
    return harness;
}

const PROFILE = "aws:iam/instanceProfile:InstanceProfile";
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One call each service's resources make when created: what the deploy role must still be allowed. */
const CREATE_CALL: Readonly<Record<string, string>> = {
    "access-analyzer": "access-analyzer:CreateAnalyzer",
    acm: "acm:RequestCertificate",
    autoscaling: "autoscaling:CreateAutoScalingGroup",
    backup: "backup:CreateBackupVault",
    "backup-storage": "backup-storage:MountCapsule",
    cloudtrail: "cloudtrail:CreateTrail",
    cloudwatch: "cloudwatch:PutMetricAlarm",
    dlm: "dlm:CreateLifecyclePolicy",
    ec2: "ec2:CreateVpc",
    ecr: "ecr:CreateRepository",
    elasticloadbalancing: "elasticloadbalancing:CreateLoadBalancer",
    es: "es:CreateDomain",
    events: "events:PutRule",
    guardduty: "guardduty:CreateDetector",
    iam: "iam:CreateRole",
    kms: "kms:CreateKey",
    logs: "logs:CreateLogGroup",
    rds: "rds:CreateDBInstance",
    route53: "route53:CreateHostedZone",
    s3: "s3:CreateBucket",
    secretsmanager: "secretsmanager:CreateSecret",
    sns: "sns:CreateTopic",
    ssm: "ssm:StartSession",
    wafv2: "wafv2:CreateWebACL",
};

/**
 * Known @pulumi/aws types and the IAM service prefix their API belongs to (Service Authorization Reference): the
 * cloudwatch module holds EventBridge and CloudWatch Logs resources too.
 */
const KNOWN_SERVICES: Readonly<Record<string, string>> = {
    "aws:cloudwatch/eventRule:EventRule": "events",
    "aws:cloudwatch/eventTarget:EventTarget": "events",
    "aws:cloudwatch/eventBus:EventBus": "events",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "events",
    "aws:cloudwatch/eventArchive:EventArchive": "events",
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:cloudwatch/logStream:LogStream": "logs",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "logs",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": "logs",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "logs",
    "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy": "logs",
    "aws:cloudwatch/queryDefinition:QueryDefinition": "logs",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "cloudwatch",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "cloudwatch",
    "aws:cloudwatch/dashboard:Dashboard": "cloudwatch",
    "aws:cloudwatch/metricStream:MetricStream": "cloudwatch",
    "aws:cloudwatch/internetMonitor:InternetMonitor": "internetmonitor",
    "aws:sns/topic:Topic": "sns",
    "aws:sns/topicSubscription:TopicSubscription": "sns",
    "aws:backup/plan:Plan": "backup",
    "aws:backup/vault:Vault": "backup",
    "aws:backup/selection:Selection": "backup",
    "aws:wafv2/webAcl:WebAcl": "wafv2",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "wafv2",
    "aws:ec2/vpc:Vpc": "ec2",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "ec2",
    "aws:ebs/volume:Volume": "ec2",
    "aws:lb/loadBalancer:LoadBalancer": "elasticloadbalancing",
    "aws:opensearch/domain:Domain": "es",
    "aws:accessanalyzer/analyzer:Analyzer": "access-analyzer",
    "aws:scheduler/schedule:Schedule": "scheduler",
    "random:index/randomPassword:RandomPassword": "",
};

describe("deploy roles: the IAM service of each resource type (serviceOfType)", () => {
    it("maps known types to the service their API belongs to", () => {
        const wrong = Object.entries(KNOWN_SERVICES).filter(([type, service]) => (serviceOfType(type) ?? "") !== service);
        assert.deepEqual(
            wrong.map(([type, service]) => `${type} -> ${serviceOfType(type)}, not ${service}`),
            [],
        );
    });
});

describe("deploy roles: the services each stack calls (DEPLOY_SERVICES)", () => {
    for (const stack of STACKS) {
        it(`${stack}: DEPLOY_SERVICES lists exactly the services of its resource types and update tools`, async () => {
            await assertListedAsPlanned(stack, "DEPLOY_SERVICES", "components/account/deployRolePolicy.ts", DEPLOY_SERVICES[stack], plan =>
                deployServicesOf(stack, new Set(plan.resources.map(r => r.type))),
            );
        });
    }

    it("keeps each guard within IAM's size limit for a role's inline policies (10,240 characters, whitespace excluded)", async () => {
        for (const stack of STACKS) {
            const plan = await planOf(stack);
            const inline = plan.resources.filter(
                r => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.startsWith(`${stack}-deployments-deploy`),
            );
            const size = inline.reduce((n, r) => n + JSON.stringify(JSON.parse(String(r.inputs.policy))).length, 0);
            assert.ok(inline.length > 0 && size < 10240, `${stack}: ${size} characters`);
        }
    });

    it("lets a stack whose databases manage their password call Secrets Manager (RDS creates the secret as the caller)", async () => {
        for (const stack of STACKS) {
            const managed = ofType(await planOf(stack), "aws:rds/instance:Instance").some(r => r.inputs.manageMasterUserPassword === true);
            if (managed) assert.ok(DEPLOY_SERVICES[stack].includes("secretsmanager"), stack);
        }
    });

    it("knows a create call of every service a stack uses (so the simulator below covers each)", () => {
        const services = new Set(Object.values(DEPLOY_SERVICES).flat());
        assert.deepEqual(
            [...services].filter(s => !CREATE_CALL[s]),
            [],
        );
    });
});

/**
 * Services a role's own calls need whatever the stack declares: its credentials (sts), resource tags (tag), the
 * database login (rds-db) and Session Manager's channels (ec2messages, ssmmessages).
 */
const ROLE_RUNTIME_SERVICES = ["ec2messages", "rds-db", "ssmmessages", "sts", "tag"];

/**
 * The Allow actions of every policy of the stack's roles but its deploy role: what its boundary must allow. Of an AWS
 * managed policy, only the actions on services the stack uses: AWSBackupServiceRolePolicyForBackup grants the
 * backup of every service AWS Backup knows (EKS, DynamoDB, FSx...), and the boundary need not, nor could within IAM's
 * 6,144 characters, allow backups of resources the stack does not have.
 */
function boundaryActionsOf(plan: Plan): string[] {
    const deploy = `pulumi-${plan.stack}-deploy`;
    const used = new Set([...deployServicesOf(plan.stack, new Set(plan.resources.map(r => r.type))), ...ROLE_RUNTIME_SERVICES]);
    const ofUsedServices = (d: Document): Document => ({
        ...d,
        Statement: [d.Statement]
            .flat()
            .map(st => ({ ...st, Action: [st.Action].flat().filter(a => used.has(a.split(":")[0])) }))
            .filter(st => st.Action.length > 0),
    });
    const attachedToRoles = new Set(
        ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").flatMap(r => r.propertyDependencies?.policyArn ?? []),
    );
    const documents: Document[] = [
        ...ofType(plan, "aws:iam/rolePolicy:RolePolicy")
            .filter(r => !r.name.startsWith(`${plan.stack}-deployments-deploy`))
            .map(r => JSON.parse(String(r.inputs.policy))),
        // A managed policy counts when the stack attaches it to one of its roles; one left for people to attach (the
        // operators' policies) bounds no role of the stack, and would widen the boundary for nothing.
        ...ofType(plan, "aws:iam/policy:Policy")
            .filter(
                r =>
                    r.inputs.name !== `pulumi-${plan.stack}-boundary` &&
                    !isDeployAllowPolicyName(plan.stack, String(r.inputs.name)) &&
                    attachedToRoles.has(r.urn),
            )
            .map(r => JSON.parse(String(r.inputs.policy))),
        ...ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter(r => r.inputs.role !== deploy && String(r.inputs.policyArn).startsWith("arn:aws:iam::aws:policy/"))
            .map(r => ofUsedServices(managedPolicyDocument(String(r.inputs.policyArn)))),
    ];
    const actions = new Set<string>();
    for (const d of documents) {
        for (const st of [d.Statement].flat()) if (st.Effect === "Allow") for (const a of [st.Action].flat()) actions.add(a);
    }
    return [...actions].sort();
}

describe("permissions boundaries: every role a stack creates carries its boundary, which allows what its roles use", () => {
    for (const stack of STACKS) {
        it(`${stack}: BOUNDARY_ACTIONS lists exactly the Allow actions of its roles' policies`, async () => {
            await assertListedAsPlanned(
                stack,
                "BOUNDARY_ACTIONS",
                "components/account/boundaryPolicy.ts",
                BOUNDARY_ACTIONS[stack],
                plan => {
                    const derived = boundaryActionsOf(plan);
                    assert.ok(derived.length > 0);
                    return derived;
                },
            );
        });

        it(`${stack}: every role but the deploy role carries pulumi-${stack}-boundary, within IAM's 6,144 characters`, async () => {
            const plan = await planOf(stack);
            const accountId = fixtureConfig(stack)["twine-infra:accountId"];
            for (const role of ofType(plan, "aws:iam/role:Role")) {
                const expected = role.inputs.name === `pulumi-${stack}-deploy` ? undefined : boundaryPolicyArn(accountId, stack);
                assert.equal(role.inputs.permissionsBoundary, expected, role.name);
            }
            const [boundary] = ofType(plan, "aws:iam/policy:Policy").filter(p => p.inputs.name === `pulumi-${stack}-boundary`);
            const size = JSON.stringify(JSON.parse(String(boundary.inputs.policy))).length;
            assert.ok(size < 6144, `${size} characters`);
        });
    }
});

describe("deploy roles: allowed what their stack calls, denied the escalations (policy simulator)", () => {
    for (const stack of STACKS) {
        const role = `pulumi-${stack}-deploy`;
        const accountId = fixtureConfig(stack)["twine-infra:accountId"];
        const names = baselineNames({ accountId, region: "eu-west-1", label: stack });
        const decide = async (action: string, resource: string, context?: Record<string, string | string[]>) =>
            (await iam()).decide({ role, action, resource, context });

        // What the stack owns: the transformation puts its roles, instance profiles and policies under ownedPath.
        const owned = (kind: string, name: string) => `arn:aws:iam::${accountId}:${kind}${ownedPath(stack)}${name}`;

        it(`${stack}: allowed a create call of each of its services that its types or update call`, async () => {
            // A role it creates names the stack's boundary (the transformation puts it on every role).
            const bounded = { "iam:PermissionsBoundary": boundaryPolicyArn(accountId, stack) };
            // ec2 in dns is its lookups only: no CreateVpc there (test/deployActions.test.ts checks every action).
            const calls = deployCallsOf(stack, accountId);
            // A key it creates carries the stack's tag (the provider's defaultTags).
            const born = { [`aws:RequestTag/${STACK_TAG}`]: stack };
            for (const service of DEPLOY_SERVICES[stack].filter(s => calls.has(CREATE_CALL[s]) || s === "iam")) {
                const [resource, context] =
                    service === "iam" ? [owned("role", "new-role"), bounded] : ["*", service === "kms" ? born : undefined];
                assert.equal(await decide(CREATE_CALL[service], resource, context), "Allowed", CREATE_CALL[service]);
            }
        });

        it(`${stack}: denied every service its stack does not use`, async () => {
            for (const action of [
                "lambda:CreateFunction",
                "organizations:LeaveOrganization",
                "sso:CreateInstance",
                "dynamodb:CreateTable",
            ]) {
                assert.equal(await decide(action, "*"), "ExplicitlyDenied", action);
            }
            const unused = Object.values(CREATE_CALL).filter(a => !DEPLOY_SERVICES[stack].includes(a.split(":")[0]));
            for (const action of unused) assert.equal(await decide(action, "*"), "ExplicitlyDenied", action);
        });

        it(`${stack}: denied editing its own trust or policies`, async () => {
            const self = `arn:aws:iam::${accountId}:role/${role}`;
            for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy"]) {
                assert.equal(await decide(action, self), "ExplicitlyDenied", action);
            }
            // while another role of the account, with the boundary, stays its to manage
            const bounded = { "iam:PermissionsBoundary": boundaryPolicyArn(accountId, stack) };
            assert.equal(await decide("iam:PutRolePolicy", owned("role", "some-stack-role"), bounded), "Allowed");
        });

        it(`${stack}: denied creating or widening a role without the stack's boundary, or removing a boundary`, async () => {
            const other = owned("role", "new-role");
            const bounded = { "iam:PermissionsBoundary": boundaryPolicyArn(accountId, stack) };
            const foreign = { "iam:PermissionsBoundary": `arn:aws:iam::${accountId}:policy/wide-open` };
            assert.equal(await decide("iam:CreateRole", other, bounded), "Allowed");
            for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"]) {
                assert.equal(await decide(action, other), "ExplicitlyDenied", `${action} without a boundary`);
                assert.equal(await decide(action, other, foreign), "ExplicitlyDenied", `${action} with another boundary`);
            }
            assert.equal(await decide("iam:DeleteRolePermissionsBoundary", other), "ExplicitlyDenied");
            const boundary = boundaryPolicyArn(accountId, stack);
            for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"]) {
                assert.equal(await decide(action, boundary), "ExplicitlyDenied", action);
            }
            assert.equal(await decide("iam:CreatePolicyVersion", owned("policy", "some-stack-policy")), "Allowed");
        });

        it(`${stack}: denied attaching AdministratorAccess to any role, and creating users or long-lived keys`, async () => {
            const other = owned("role", "some-stack-role");
            const admin = { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" };
            assert.equal(await decide("iam:AttachRolePolicy", other, admin), "ExplicitlyDenied");
            const user = `arn:aws:iam::${accountId}:user/backdoor`;
            for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]) {
                assert.equal(await decide(action, user), "ExplicitlyDenied", action);
            }
        });

        it(`${stack}: denied stopping or deleting the trail, and erasing or re-policying the audit buckets`, async () => {
            for (const action of ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]) {
                assert.equal(await decide(action, names.trailArn), "ExplicitlyDenied", action);
            }
            for (const bucket of [names.bucket, names.accessLogBucket]) {
                assert.equal(await decide("s3:PutBucketPolicy", `arn:aws:s3:::${bucket}`), "ExplicitlyDenied", bucket);
                assert.equal(await decide("s3:DeleteBucket", `arn:aws:s3:::${bucket}`), "ExplicitlyDenied", bucket);
                assert.equal(await decide("s3:DeleteObjectVersion", `arn:aws:s3:::${bucket}/AWSLogs/x`), "ExplicitlyDenied", bucket);
            }
            assert.equal(await decide("s3:PutBucketPolicy", "arn:aws:s3:::some-stack-bucket"), "Allowed", "other buckets stay the stack's");
        });
    }

    it("dev: denied disabling or deleting the trail's key (by its alias)", async () => {
        const h = await iam();
        const key = "arn:aws:kms:eu-west-1:333333333333:key/0ce562e5-9695-7d37-1229-9804927053b3";
        const alias = { "kms:ResourceAliases": ["alias/twine-dev-cloudtrail"] };
        const role: StackName = "dev";
        for (const action of ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"]) {
            const decision = await h.decide({ role: `pulumi-${role}-deploy`, action, resource: key, context: alias, resourcePolicy: null });
            assert.equal(decision, "ExplicitlyDenied", action);
        }
    });
});

describe("deploy roles: only what their stack owns, and a trail nobody can blind (policy simulator)", () => {
    const CROSS_ACCOUNT_ROLES: Readonly<Record<StackName, readonly string[]>> = {
        dns: [],
        bastion: ["twine-dns-delegation-bastion"],
        dev: ["twine-dns-delegation-dev", "twine-bastion-peering-dev"],
        prod: ["twine-dns-delegation-prod", "twine-bastion-peering-prod"],
    };

    for (const stack of STACKS) {
        const role = `pulumi-${stack}-deploy`;
        const accountId = fixtureConfig(stack)["twine-infra:accountId"];
        const iamArn = `arn:aws:iam::${accountId}`;
        const names = baselineNames({ accountId, region: "eu-west-1", label: stack });
        const decide = async (action: string, resource: string, context?: Record<string, string | string[]>) =>
            (await iam()).decide({ role, action, resource, context });
        const bounded = { "iam:PermissionsBoundary": boundaryPolicyArn(accountId, stack) };

        it(`${stack}: puts its roles (but deploy, preview), profiles and policies (but the boundary) under ownedPath`, async () => {
            const plan = await planOf(stack);
            const named = [`pulumi-${stack}-deploy`, `pulumi-${stack}-preview`, `pulumi-${stack}-boundary`];
            const types = ["aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile", "aws:iam/policy:Policy"];
            // and the deploy role's own allows, which the deploy role must not be able to edit
            const own = (r: { inputs: Record<string, unknown> }) =>
                named.includes(String(r.inputs.name)) || isDeployAllowPolicyName(stack, String(r.inputs.name));
            const resources = plan.resources.filter(r => types.includes(r.type) && !own(r));
            assert.ok(resources.length > 0);
            for (const r of resources) assert.equal(r.inputs.path, ownedPath(stack), `${r.type} ${r.name}`);
        });

        it(`${stack}: denied changing, passing or wrapping a role, or versioning a policy, it does not own`, async () => {
            const foreign = `${iamArn}:role/OrganizationAccountAccessRole`;
            for (const action of [
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:PassRole",
                "iam:PutRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DeleteRole",
                "iam:TagRole",
            ]) {
                assert.equal(await decide(action, foreign, bounded), "ExplicitlyDenied", action);
            }
            // Tags only on the OpenSearch service-linked role its stack declares (DenyTaggingOtherRoles), no other.
            for (const other of [foreign, `${iamArn}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`]) {
                for (const action of ["iam:TagRole", "iam:UntagRole"]) assert.equal(await decide(action, other), "ExplicitlyDenied", other);
            }
            assert.equal(await decide("iam:AddRoleToInstanceProfile", `${iamArn}:instance-profile/admin-profile`), "ExplicitlyDenied");
            for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion"]) {
                assert.equal(await decide(action, `${iamArn}:policy/SomeAdminPolicy`), "ExplicitlyDenied", action);
            }
            for (const action of ["iam:AddUserToGroup", "iam:PutGroupPolicy", "iam:AttachGroupPolicy"]) {
                assert.equal(await decide(action, "*"), "ExplicitlyDenied", action);
            }
        });

        it(`${stack}: denied assuming any role but the cross-account roles its providers name`, async () => {
            assert.equal(await decide("sts:AssumeRole", `${iamArn}:role/OrganizationAccountAccessRole`), "ExplicitlyDenied");
            assert.equal(
                await decide("sts:AssumeRole", "arn:aws:iam::999999999999:role/OrganizationAccountAccessRole"),
                "ExplicitlyDenied",
            );
            const h = await iam();
            for (const name of CROSS_ACCOUNT_ROLES[stack]) {
                assert.equal(await decide("sts:AssumeRole", h.role(name).arn), "Allowed", name);
                assert.equal(await decide("sts:AssumeRole", `${h.role(name).arn}-read`), "ExplicitlyDenied", `${name}-read`);
            }
        });

        it(`${stack}: still allowed to change, pass and wrap each of its own roles, and its own policies`, async () => {
            const plan = await planOf(stack);
            const h = await iam();
            const own = ofType(plan, "aws:iam/role:Role").filter(r => r.inputs.name !== role);
            assert.ok(own.length > 0);
            for (const r of own) {
                const arn = h.role(r.name).arn;
                // but the preview role's trust and policies, which other accounts' read roles and every pull request reach
                const rewrite = r.inputs.name === `pulumi-${stack}-preview` ? [] : ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy"];
                // and passes roles only where it hands them to a service (dns hands none: PASSED_TO_SERVICES)
                const pass = PASSED_TO_SERVICES[stack].length > 0 ? ["iam:PassRole"] : [];
                for (const action of [...rewrite, ...pass, "iam:UpdateRole", "iam:TagRole"]) {
                    assert.equal(await decide(action, arn, bounded), "Allowed", `${action} ${arn}`);
                }
            }
            for (const r of ofType(plan, "aws:iam/instanceProfile:InstanceProfile")) {
                const arn = `${iamArn}:instance-profile${ownedPath(stack)}${String(r.inputs.name ?? r.name)}`;
                assert.equal(await decide("iam:AddRoleToInstanceProfile", arn), "Allowed", arn);
            }
            for (const r of ofType(plan, "aws:iam/policy:Policy").filter(p => p.inputs.name !== `pulumi-${stack}-boundary`)) {
                const arn = h.arnOf(stack, r.name, r.type);
                // but its own allows, which would let a deploy widen itself
                const own = isDeployAllowPolicyName(stack, String(r.inputs.name));
                assert.equal(await decide("iam:CreatePolicyVersion", arn), own ? "ExplicitlyDenied" : "Allowed", arn);
            }
        });

        it(`${stack}: denied narrowing the trail, opening its buckets or the account, moving its key alias`, async () => {
            for (const action of ["cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors", "cloudtrail:UpdateTrail"]) {
                assert.equal(await decide(action, names.trailArn), "ExplicitlyDenied", action);
            }
            assert.equal(await decide("cloudtrail:GetEventSelectors", names.trailArn), "Allowed", "a refresh still reads the trail");
            for (const bucket of [names.bucket, names.accessLogBucket]) {
                for (const action of [
                    "s3:PutBucketOwnershipControls",
                    "s3:PutBucketAcl",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutEncryptionConfiguration",
                ]) {
                    assert.equal(await decide(action, `arn:aws:s3:::${bucket}`), "ExplicitlyDenied", `${action} ${bucket}`);
                }
                assert.equal(await decide("s3:GetBucketAcl", `arn:aws:s3:::${bucket}`), "Allowed", bucket);
            }
            assert.equal(await decide("s3:PutAccountPublicAccessBlock", "*"), "ExplicitlyDenied");
            const alias = `arn:aws:kms:eu-west-1:${accountId}:${names.keyAlias}`;
            for (const action of ["kms:DeleteAlias", "kms:UpdateAlias", "kms:CreateAlias"]) {
                assert.equal(await decide(action, alias), "ExplicitlyDenied", action);
                assert.equal(await decide(action, `arn:aws:kms:eu-west-1:${accountId}:alias/some-stack-key`), "Allowed", action);
            }
        });
    }
});

/** A key policy that leaves the key's use to IAM policies (KMS Developer Guide, "Default key policy"). */
const keyPolicyOf = (accountId: string): Document => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" }],
});

/** A policy that allows the actions on "*": what a compromised deploy role would put on a role it creates. */
const allowAnything = (...actions: string[]): Document => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
});

/** The service principals the stack's own roles (under ownedPath) trust: whom its deploy role passes roles to. */
function passedToServicesOf(plan: Plan): string[] {
    const services = new Set<string>();
    for (const role of ofType(plan, "aws:iam/role:Role").filter(r => r.inputs.path === ownedPath(plan.stack))) {
        const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as Document;
        for (const st of [trust.Statement].flat()) for (const s of [st.Principal?.Service ?? []].flat()) services.add(String(s));
    }
    return [...services].sort();
}

describe("permissions boundaries: data and identities of the stack only (policy simulator)", () => {
    for (const stack of STACKS) {
        const accountId = fixtureConfig(stack)["twine-infra:accountId"];
        const region = "eu-west-1";
        const stackKey = { [`aws:ResourceTag/${STACK_TAG}`]: stack };
        /** A role of the stack that carries its boundary: the decision is the boundary's when the identity allows all. */
        const bounded = async () => (await iam()).roles.find(r => r.stack === stack && r.permissionsBoundary)!;
        const underBoundary = async (
            action: string,
            resource: string,
            more: { context?: Record<string, string | string[]>; resourceAccount?: string; resourcePolicy?: Document | null } = {},
        ) =>
            (await iam()).decide({
                role: await bounded(),
                action,
                resource,
                identityPolicies: [allowAnything(action)],
                withBoundary: true,
                resourcePolicy: more.resourcePolicy ?? (action.startsWith("kms:") ? keyPolicyOf(accountId) : null),
                // IAM sets aws:ResourceAccount on every request to a resource; the simulator takes it from the caller.
                context: { "aws:ResourceAccount": more.resourceAccount ?? accountId, ...(more.context ?? {}) },
                ...(more.resourceAccount ? { resourceAccount: more.resourceAccount } : {}),
            });

        it(`${stack}: the boundary allows every statement of every role of the plan on the resources it names`, async () => {
            const h = await iam();
            const roles = h.roles.filter(r => r.stack === stack && r.permissionsBoundary);
            assert.ok(roles.length > 0);
            const refused: string[] = [];
            for (const role of roles) {
                // The stack's own documents; an AWS managed policy's "*" grants of a scoped action are narrowed on purpose.
                const own = [...role.inlinePolicies, ...role.managedPolicies].filter(p => !p.name.startsWith("arn:aws:iam::aws:policy/"));
                for (const st of own.flatMap(p => [p.document.Statement].flat()).filter(s => s.Effect === "Allow")) {
                    for (const action of [st.Action].flat() as string[]) {
                        for (const named of [st.Resource].flat() as string[]) {
                            // A pattern stands for a resource it names; a cross-account ARN is judged by the boundary alone.
                            const resource = named === "*" ? "*" : named.replace(/\*/g, "x");
                            const kms = action.startsWith("kms:");
                            const decision = await h
                                .decide({
                                    role,
                                    action,
                                    resource,
                                    identityPolicies: [allowAnything(action)],
                                    withBoundary: true,
                                    resourcePolicy: kms ? keyPolicyOf(role.account) : null,
                                    resourceAccount: role.account,
                                    context: { "aws:ResourceAccount": role.account, ...(kms ? stackKey : {}) },
                                })
                                // A statement may name an ARN of another resource type than the action authorizes
                                // (a log group beside its streams): IAM never matches the action against it.
                                .catch((e: Error) => (/no\.resource\.types/.test(e.message) ? "Allowed" : Promise.reject(e)));
                            if (decision !== "Allowed") refused.push(`${role.name}: ${action} on ${named}`);
                        }
                    }
                }
            }
            assert.deepEqual(refused, [], "Fix: name the resources in BOUNDARY_SCOPES (components/account/deployRolePolicy.ts)");
        });

        it(`${stack}: a role carrying the boundary, whatever its policies, reaches no other secret, bucket, key or role`, async () => {
            const attempts: [string, string, Parameters<typeof underBoundary>[2]?][] = [
                // The database's RDS-managed master secret, which only the operators' managed policy names.
                [
                    "secretsmanager:GetSecretValue",
                    `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!db-1a084555-6706-7431-d0a5-3ddf53e453f2-2bc653`,
                ],
                ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${region}:${accountId}:secret:someone-elses`],
                // The audit bucket, another stack's apt repository, and a bucket of an account that takes anything.
                ["s3:GetObject", `arn:aws:s3:::twine-cloudtrail-${accountId}-${region}/AWSLogs/x`],
                ["s3:GetObject", `arn:aws:s3:::twine-apt-other-${accountId}-${region}/pool/x`],
                [
                    "s3:PutObject",
                    "arn:aws:s3:::exfiltration-search-snapshots-1/x",
                    {
                        resourceAccount: "999999999999",
                        resourcePolicy: {
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }],
                        },
                    },
                ],
                // A key of the account that is not the stack's (untagged, or another stack's).
                ["kms:Decrypt", `arn:aws:kms:${region}:${accountId}:key/00000000-0000-0000-0000-000000000000`],
                [
                    "kms:Decrypt",
                    `arn:aws:kms:${region}:${accountId}:key/00000000-0000-0000-0000-000000000000`,
                    { context: { [`aws:ResourceTag/${STACK_TAG}`]: "other" } },
                ],
                ["kms:CreateGrant", `arn:aws:kms:${region}:${accountId}:key/00000000-0000-0000-0000-000000000000`],
                // Any role to become or hand to a service.
                ["sts:AssumeRole", `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`],
                ["iam:PassRole", `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`],
                // The database's master user, another parameter tree.
                ["rds-db:connect", `arn:aws:rds-db:${region}:${accountId}:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXYZ/twine_admin`],
                ["ssm:GetParameter", `arn:aws:ssm:${region}:${accountId}:parameter/other/secret`],
            ];
            for (const [action, resource, more] of attempts) {
                assert.notEqual(await underBoundary(action, resource, more), "Allowed", `${action} on ${resource}`);
            }
        });
    }

    it("a role carrying dev's or prod's boundary shares no snapshot, image or database snapshot with another account", async () => {
        let checked = 0;
        for (const stack of STACKS) {
            const h = await iam();
            const role = h.roles.find(r => r.stack === stack && r.permissionsBoundary)!;
            // Snapshot and image ARNs carry no account (Service Authorization Reference, Amazon EC2).
            const ec2 = "arn:aws:ec2:eu-west-1:";
            const shares: [string, string, Record<string, string>][] = [
                ["ec2:ModifySnapshotAttribute", `${ec2}:snapshot/snap-0123456789abcdef0`, { "ec2:Attribute": "createVolumePermission" }],
                ["ec2:ModifyImageAttribute", `${ec2}:image/ami-0123456789abcdef0`, { "ec2:Attribute": "launchPermission" }],
                ["rds:ModifyDBSnapshotAttribute", `arn:aws:rds:eu-west-1:${role.account}:snapshot:awsbackup-job-1`, {}],
            ];
            for (const [action, resource, context] of shares.filter(([a]) => BOUNDARY_ACTIONS[stack].includes(a))) {
                const decision = await h.decide({
                    role,
                    action,
                    resource,
                    context,
                    identityPolicies: [allowAnything(action)],
                    withBoundary: true,
                    resourcePolicy: null,
                });
                assert.equal(decision, "ExplicitlyDenied", `${stack}: ${action} ${JSON.stringify(context)}`);
                checked++;
            }
        }
        assert.ok(checked >= 4, `${checked} checks`);
    });

    it("while the stack's own data stays reachable: dev's apt repository and Jenkins secrets, prod's tagged keys", async () => {
        const dev = fixtureConfig("dev")["twine-infra:accountId"];
        const prod = fixtureConfig("prod")["twine-infra:accountId"];
        const h = await iam();
        const decide = async (stack: StackName, action: string, resource: string, context?: Record<string, string>) => {
            const role = h.roles.find(r => r.stack === stack && r.permissionsBoundary)!;
            return h.decide({
                role,
                action,
                resource,
                identityPolicies: [allowAnything(action)],
                withBoundary: true,
                resourcePolicy: action.startsWith("kms:") ? keyPolicyOf(role.account) : null,
                context: { "aws:ResourceAccount": role.account, ...(context ?? {}) },
            });
        };
        assert.equal(await decide("dev", "s3:GetObject", `arn:aws:s3:::twine-apt-dev-${dev}-eu-west-1/pool/x`), "Allowed");
        // DLM's snapshot attributes other than sharing
        const snapshot = "arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0";
        assert.equal(await decide("dev", "ec2:ModifySnapshotAttribute", snapshot, { "ec2:Attribute": "productCodes" }), "Allowed");
        assert.equal(
            await decide("dev", "secretsmanager:GetSecretValue", `arn:aws:secretsmanager:eu-west-1:${dev}:secret:twine/jenkins/x`),
            "Allowed",
        );
        const key = `arn:aws:kms:eu-west-1:${prod}:key/00000000-0000-0000-0000-000000000000`;
        assert.equal(await decide("prod", "kms:Decrypt", key, { [`aws:ResourceTag/${STACK_TAG}`]: "prod" }), "Allowed");
    });

    it("prints each boundary's size against IAM's 6,144 characters", async () => {
        const sizes: string[] = [];
        for (const stack of STACKS) {
            const [boundary] = ofType(await planOf(stack), "aws:iam/policy:Policy").filter(
                p => p.inputs.name === `pulumi-${stack}-boundary`,
            );
            const size = JSON.stringify(JSON.parse(String(boundary.inputs.policy))).length;
            sizes.push(`${stack} ${size}`);
            assert.ok(size < 6144, `${stack}: ${size}`);
        }
        console.log(`      boundary characters: ${sizes.join(", ")}`);
    });
});

describe("permissions boundaries: the service roles' runtime calls stay allowed (policy simulator)", () => {
    /** What each service role calls on the plan's resources, from its AWS managed policy or its own statements. */
    type Call = readonly [
        roleLogicalName: string,
        action: string,
        resource: string,
        context?: Record<string, string | string[]>,
        /** Judged by the boundary alone: the role's own allow names a condition key the simulator does not read. */
        boundaryOnly?: "boundary only",
    ];
    const region = "eu-west-1";
    const callsOf = (stack: "dev" | "prod", accountId: string, arn: (logicalName: string, type?: string) => string): Call[] => {
        // The stack's keys carry its tag (provider defaultTags); AWS services call them on the role's behalf.
        const tagged = { [`aws:ResourceTag/${STACK_TAG}`]: stack };
        const via = (service: string) => ({ ...tagged, "kms:ViaService": `${service}.${region}.amazonaws.com` });
        const env = stack === "prod" ? "production" : "integration";
        const monitoring = `arn:aws:logs:${region}:${accountId}:log-group:RDSOSMetrics`;
        const searchBucket = arn(`${env}-search-snapshots`, "aws:s3/bucket:Bucket");
        const shared: Call[] = [
            // RDS Enhanced Monitoring writes the OS metrics to RDSOSMetrics (AmazonRDSEnhancedMonitoringRole).
            [`${env}-database-monitoring`, "logs:CreateLogGroup", monitoring],
            [`${env}-database-monitoring`, "logs:PutRetentionPolicy", monitoring],
            [`${env}-database-monitoring`, "logs:CreateLogStream", `${monitoring}:log-stream:db-1`],
            [`${env}-database-monitoring`, "logs:PutLogEvents", `${monitoring}:log-stream:db-1`],
            [`${env}-database-monitoring`, "logs:GetLogEvents", `${monitoring}:log-stream:db-1`],
            // OpenSearch takes and restores snapshots in the domain's bucket with the snapshot role.
            [`${env}-search-snapshots-role`, "s3:ListBucket", searchBucket],
            [`${env}-search-snapshots-role`, "s3:PutObject", `${searchBucket}/indices/0/snap-1.dat`],
            [`${env}-search-snapshots-role`, "s3:GetObject", `${searchBucket}/indices/0/snap-1.dat`],
        ];
        if (stack === "prod") {
            const db = `arn:aws:rds:${region}:${accountId}:db:twine-production`;
            const snapshot = `arn:aws:rds:${region}:${accountId}:snapshot:awsbackup:job-1`;
            const proxySecret = arn("production-database-proxy-app_production", "aws:secretsmanager/secret:Secret");
            const dbKey = arn("production-database-key", "aws:kms/key:Key");
            return [
                ...shared,
                // AWS Backup (AWSBackupServiceRolePolicyForBackup, ...ForRestores) on the tagged database and its key.
                ["production-backup-role", "rds:CreateDBSnapshot", db],
                ["production-backup-role", "rds:CreateDBSnapshot", snapshot],
                ["production-backup-role", "rds:CopyDBSnapshot", snapshot],
                ["production-backup-role", "rds:DescribeDBSnapshots", snapshot],
                ["production-backup-role", "rds:RestoreDBInstanceFromDBSnapshot", snapshot],
                ["production-backup-role", "kms:CreateGrant", dbKey, { ...via("rds"), "kms:GrantIsForAWSResource": "true" }],
                ["production-backup-role", "kms:DescribeKey", dbKey, tagged],
                ["production-backup-role", "kms:Decrypt", dbKey, via("rds")],
                ["production-backup-role", "kms:GenerateDataKey", dbKey, via("rds")],
                // The database proxy reads the app user's secret, encrypted with the database key, through Secrets Manager.
                ["production-database-proxy-role", "secretsmanager:GetSecretValue", proxySecret],
                [
                    "production-database-proxy-role",
                    "kms:Decrypt",
                    dbKey,
                    // kms:EncryptionContext:SecretARN in its allow: a key of a variable name the simulator ignores.
                    { ...via("secretsmanager"), "kms:EncryptionContext:SecretARN": proxySecret },
                    "boundary only",
                ],
            ];
        }
        const volume = `arn:aws:ec2:${region}:${accountId}:volume/vol-0123456789abcdef0`;
        const ebsSnapshot = `arn:aws:ec2:${region}::snapshot/snap-0123456789abcdef0`;
        return [
            ...shared,
            // DLM snapshots Jenkins' home volume (AWSDataLifecycleManagerServiceRole).
            ["dev-jenkins-snapshots", "ec2:CreateSnapshot", volume],
            ["dev-jenkins-snapshots", "ec2:CreateSnapshot", ebsSnapshot],
            ["dev-jenkins-snapshots", "ec2:CreateTags", ebsSnapshot, { "ec2:CreateAction": "CreateSnapshot" }],
            ["dev-jenkins-snapshots", "ec2:DeleteSnapshot", ebsSnapshot],
            ["dev-jenkins-snapshots", "ec2:DescribeVolumes", "*"],
            // The bake instance's SSM agent (AmazonSSMManagedInstanceCore).
            ["app-image-build-role", "ssm:UpdateInstanceInformation", `arn:aws:ec2:${region}:${accountId}:instance/i-0123456789abcdef0`],
            ["app-image-build-role", "ssmmessages:CreateControlChannel", "*"],
            ["app-image-build-role", "ssmmessages:OpenDataChannel", "*"],
            ["app-image-build-role", "ec2messages:GetMessages", "*"],
        ];
    };

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: each service role's runtime calls on the plan's resources are allowed under its boundary`, async () => {
            const h = await iam();
            const accountId = fixtureConfig(stack)["twine-infra:accountId"];
            const refused: string[] = [];
            for (const [logicalName, action, resource, context, boundaryOnly] of callsOf(stack, accountId, (n, t) =>
                h.arnOf(stack, n, t),
            )) {
                const role = h.roles.find(r => r.stack === stack && r.logicalName === logicalName);
                assert.ok(role?.permissionsBoundary, `${logicalName} carries the boundary`);
                const decision = await h.decide({
                    role,
                    action,
                    resource,
                    withBoundary: true,
                    ...(boundaryOnly ? { identityPolicies: [allowAnything(action)] } : {}),
                    resourcePolicy: action.startsWith("kms:") ? keyPolicyOf(accountId) : null,
                    context: { "aws:ResourceAccount": accountId, ...(context ?? {}) },
                });
                if (decision !== "Allowed") refused.push(`${logicalName}: ${action} on ${resource}: ${decision}`);
            }
            assert.deepEqual(refused, []);
        });
    }
});

describe("deploy roles: what they launch, hand out and administer (policy simulator)", () => {
    it("every key of every plan is tagged with its stack by its provider's defaultTags (what the key rules match)", async () => {
        let checked = 0;
        for (const stack of STACKS) {
            for (const plan of [await planOf(stack), await committedPlanOf(stack)]) {
                const keys = ofType(plan, "aws:kms/key:Key");
                checked += keys.length;
                for (const key of keys) {
                    const provider = plan.resources.find(r => r.urn === key.provider);
                    const tags = (provider?.inputs.defaultTags as { tags?: Record<string, string> } | undefined)?.tags ?? {};
                    const own = (key.inputs.tags as Record<string, string> | undefined) ?? {};
                    assert.equal(own[STACK_TAG] ?? tags[STACK_TAG], stack, `${stack} ${key.name}`);
                }
            }
        }
        assert.ok(checked > 8, `${checked} keys`);
    });

    for (const stack of STACKS) {
        const role = `pulumi-${stack}-deploy`;
        const accountId = fixtureConfig(stack)["twine-infra:accountId"];
        const iamArn = `arn:aws:iam::${accountId}`;
        const decide = async (action: string, resource: string, context?: Record<string, string | string[]>) =>
            (await iam()).decide({
                role,
                action,
                resource,
                context,
                resourcePolicy: action.startsWith("kms:") ? keyPolicyOf(accountId) : null,
            });

        it(`${stack}: PASSED_TO_SERVICES lists exactly the services its own roles trust`, async () => {
            await assertListedAsPlanned(
                stack,
                "PASSED_TO_SERVICES",
                "components/account/deployRolePolicy.ts",
                PASSED_TO_SERVICES[stack],
                passedToServicesOf,
            );
        });

        it(`${stack}: launches instances only with its own instance profiles, passes roles only to its services`, async () => {
            const instance = `arn:aws:ec2:eu-west-1:${accountId}:instance/*`;
            const foreign = { "ec2:InstanceProfile": `${iamArn}:instance-profile/admin-profile` };
            assert.equal(await decide("ec2:RunInstances", instance, foreign), "ExplicitlyDenied");
            const own = `${iamArn}:role${ownedPath(stack)}some-stack-role`;
            assert.equal(await decide("iam:PassRole", own, { "iam:PassedToService": "lambda.amazonaws.com" }), "ExplicitlyDenied");
            for (const service of PASSED_TO_SERVICES[stack]) {
                assert.equal(await decide("iam:PassRole", own, { "iam:PassedToService": service }), "Allowed", service);
            }
            if (deployTypesOf(stack).includes("aws:ec2/instance:Instance") || stack === "dev") {
                const ownProfile = { "ec2:InstanceProfile": `${iamArn}:instance-profile${ownedPath(stack)}some-profile` };
                assert.equal(await decide("ec2:RunInstances", instance, ownProfile), "Allowed");
            }
        });

        if (bakesImages(stack)) {
            it(`${stack}: the bake instance is known by the tag its Packer template launches it with, and by its profile`, async () => {
                const template = fs.readFileSync(path.join(__dirname, "..", "images", "twine-app", "twine-app.pkr.hcl"), "utf8");
                const runTags = /^\s*run_tags\s*=\s*(.*)$/m.exec(template)?.[1] ?? "";
                assert.match(runTags, new RegExp(`\\b${BAKE_INSTANCE_TAG.key}\\s*=\\s*"${BAKE_INSTANCE_TAG.value}"`), runTags);
                const profile = (await iam()).arnOf(stack, "app-image-build-profile", PROFILE);
                const pattern = new RegExp(`^${bakeInstanceProfileArn(accountId, stack).split("*").map(escapeRegExp).join(".*")}$`);
                assert.match(profile, pattern);
                assert.doesNotMatch((await iam()).arnOf(stack, "dev-jenkins-host", PROFILE), pattern);
            });
        }

        it(`${stack}: opens a session only on the bake instance, and changes no other instance's user data or profile`, async () => {
            const instance = `arn:aws:ec2:eu-west-1:${accountId}:instance/i-0123456789abcdef0`;
            const bake = { [`ssm:resourceTag/${BAKE_INSTANCE_TAG.key}`]: BAKE_INSTANCE_TAG.value };
            const bakeTag = { [`aws:ResourceTag/${BAKE_INSTANCE_TAG.key}`]: BAKE_INSTANCE_TAG.value };
            const changes = ["ec2:ModifyInstanceAttribute", "ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation"];
            // Whatever the stack: no session on an instance that is not the bake's (the Jenkins host).
            assert.notEqual(await decide("ssm:StartSession", instance), "Allowed", "a session on the Jenkins host");
            if (!bakesImages(stack)) return;
            // Nor a change of its attributes (user data) or profile. (The bastion stack still changes its host's: its
            // replacement lifts termination protection with ModifyInstanceAttribute.)
            for (const action of changes) {
                assert.equal(await decide(action, instance, { "aws:ResourceTag/Stack": stack }), "ExplicitlyDenied", action);
            }
            // What Packer's session_manager bake calls (packer-plugin-amazon: RunInstances with run_tags, StartSession
            // with AWS-StartPortForwardingSession on the instance, ModifyInstanceAttribute on the stopped instance).
            const runTags = {
                [`aws:RequestTag/${BAKE_INSTANCE_TAG.key}`]: BAKE_INSTANCE_TAG.value,
                "aws:TagKeys": [BAKE_INSTANCE_TAG.key],
            };
            const bakeProfile = iam().then(h => h.arnOf(stack, "app-image-build-profile", PROFILE));
            const launch = { ...runTags, "ec2:InstanceProfile": await bakeProfile };
            assert.equal(
                await decide("ec2:RunInstances", `arn:aws:ec2:eu-west-1:${accountId}:instance/*`, launch),
                "Allowed",
                "the bake's launch",
            );
            const atLaunch = { ...runTags, "ec2:CreateAction": "RunInstances" };
            assert.equal(await decide("ec2:CreateTags", instance, atLaunch), "Allowed", "the bake's run_tags");
            assert.equal(await decide("ssm:StartSession", instance, bake), "Allowed", "a session on the bake instance");
            // AWS-owned documents' ARNs have no account; the simulator wants one, which the guard's `*` matches too.
            const document = `arn:aws:ssm:eu-west-1:${accountId}:document/${BAKE_SESSION_DOCUMENT}`;
            assert.equal(await decide("ssm:StartSession", document), "Allowed", "Packer's port-forwarding document");
            assert.equal(await decide("ec2:ModifyInstanceAttribute", instance, bakeTag), "Allowed", "the bake instance's attributes");
            // Denied: another document (a shell, a forward to another host), the bake's tag put on the Jenkins host
            // afterwards, or a launch with the bake's tag and the Jenkins host's profile.
            for (const doc of ["SSM-SessionManagerRunShell", "AWS-StartPortForwardingSessionToRemoteHost", "AWS-StartInteractiveCommand"]) {
                assert.equal(
                    await decide("ssm:StartSession", `arn:aws:ssm:eu-west-1:${accountId}:document/${doc}`),
                    "ExplicitlyDenied",
                    doc,
                );
            }
            assert.equal(await decide("ec2:CreateTags", instance, runTags), "ExplicitlyDenied", "the bake's tag on a running instance");
            const jenkinsProfile = { ...runTags, "ec2:InstanceProfile": (await iam()).arnOf(stack, "dev-jenkins-host", PROFILE) };
            const instances = `arn:aws:ec2:eu-west-1:${accountId}:instance/*`;
            assert.equal(
                await decide("ec2:RunInstances", instances, jenkinsProfile),
                "ExplicitlyDenied",
                "the bake's tag, Jenkins' profile",
            );
        });

        it(`${stack}: never silences its alerts (analyzer, archive rules, rules, topics, keys); routine changes stay allowed`, async () => {
            const plan = await planOf(stack);
            const prefix = accountAlertPrefix(stack);
            const analyzerName = baselineNames({ accountId, region: "eu-west-1", label: stack }).analyzer;
            // The names the guard matches are the plan's: every EventBridge rule is an account alert rule.
            const named = (type: string, key: string, value: string) => ofType(plan, type).some(r => r.inputs[key] === value);
            assert.ok(named("aws:accessanalyzer/analyzer:Analyzer", "analyzerName", analyzerName), analyzerName);
            // A tag-only change of a rule calls TagResource, never PutRule (recorded with the provider against moto).
            assert.ok(!readCatalog()["aws:cloudwatch/eventRule:EventRule"].recorded?.update?.includes("events:PutRule"));
            const rules = ofType(plan, "aws:cloudwatch/eventRule:EventRule").map(r => String(r.inputs.name));
            for (const key of ["external-access", "alert-tampering", "tampering", "data-sharing"])
                assert.ok(rules.includes(`${prefix}-${key}`), key);
            assert.deepEqual(
                rules.filter(r => !r.startsWith(`${prefix}-`)),
                [],
            );
            for (const topic of ["account", "tampering"]) {
                assert.ok(named("aws:sns/topic:Topic", "name", `${prefix}-${topic}`), topic);
                assert.ok(named("aws:kms/alias:Alias", "name", alertTopicKeyAlias(`${prefix}-${topic}`)), topic);
            }
            const archiveRules = ofType(plan, "aws:accessanalyzer/archiveRule:ArchiveRule").map(r => String(r.inputs.ruleName));

            const arn = (service: string, rest: string) => `arn:aws:${service}:eu-west-1:${accountId}:${rest}`;
            const analyzer = arn("access-analyzer", `analyzer/${analyzerName}`);
            const topic = (t: string) => arn("sns", `${prefix}-${t}`);
            const alias = (t: string) => arn("kms", alertTopicKeyAlias(t));
            const key = arn("kms", "key/11111111-2222-3333-4444-555555555555");
            const keyOf = (t: string) => ({ [`aws:ResourceTag/${STACK_TAG}`]: stack, "kms:ResourceAliases": [alertTopicKeyAlias(t)] });
            type Call = [string, string, Record<string, string | string[]>?];
            const denied: Call[] = [
                // Archive rules are an admin's: the plan's own names (created by the first, admin, update) and any other.
                ...[...archiveRules, "archive-everything"].flatMap(n =>
                    ["Create", "Update", "Delete"].map(v => [`access-analyzer:${v}ArchiveRule`, `${analyzer}/archive-rule/${n}`] as Call),
                ),
                ["access-analyzer:ApplyArchiveRule", analyzer],
                ["access-analyzer:UpdateFindings", analyzer],
                ["access-analyzer:DeleteAnalyzer", analyzer],
                // A rule disabled through PutRule (State, a never-matching pattern), re-pointed through PutTargets.
                ...rules.flatMap(r =>
                    ["PutRule", "PutTargets", "DisableRule", "DeleteRule", "RemoveTargets"].map(
                        a => [`events:${a}`, arn("events", `rule/${r}`)] as Call,
                    ),
                ),
                ...["account", "tampering"].flatMap(t =>
                    ["SetTopicAttributes", "DeleteTopic", "RemovePermission", "AddPermission"].map(a => [`sns:${a}`, topic(t)] as Call),
                ),
                ["sns:Unsubscribe", topic("tampering")],
                ["sns:SetSubscriptionAttributes", topic("tampering")],
                ...[`${prefix}-account`, `${prefix}-tampering`].flatMap(t => [
                    ["kms:PutKeyPolicy", key, keyOf(t)] as Call,
                    ["kms:DisableKey", key, keyOf(t)] as Call,
                    ["kms:ScheduleKeyDeletion", key, keyOf(t)] as Call,
                    ["kms:DeleteAlias", alias(t)] as Call,
                    ["kms:UpdateAlias", alias(t)] as Call,
                ]),
            ];
            const refused: string[] = [];
            for (const [action, resource, context] of denied) {
                if ((await decide(action, resource, context)) !== "ExplicitlyDenied") refused.push(`${action} on ${resource} not denied`);
            }
            // What a routine update calls (the catalog's entries, when the stack's allows hold them): a tag-only change
            // of a rule (TagResource), a company's subscriber changed on the account topic, a new subscriber of the
            // tampering topic, and an environment added or removed: its topic `twine-<env>-alarms`, its key and alias.
            const calls = deployCallsOf(stack, accountId);
            const env = `twine-${stack === "prod" ? "production" : "integration"}-alarms`;
            const allowed: Call[] = [
                ["events:TagResource", arn("events", `rule/${prefix}-alert-tampering`)],
                ["events:UntagResource", arn("events", `rule/${prefix}-alert-tampering`)],
                ["sns:Subscribe", topic("account")],
                ["sns:Unsubscribe", topic("account")],
                ["sns:SetSubscriptionAttributes", topic("account")],
                ["sns:Subscribe", topic("tampering")],
                ["sns:TagResource", topic("tampering")],
                ["sns:CreateTopic", arn("sns", env)],
                ["sns:SetTopicAttributes", arn("sns", env)],
                ["sns:DeleteTopic", arn("sns", env)],
                ["sns:Unsubscribe", arn("sns", env)],
                ["kms:CreateAlias", alias(env)],
                ["kms:DeleteAlias", alias(env)],
                ["kms:PutKeyPolicy", key, keyOf(env)],
                ["kms:EnableKeyRotation", key, keyOf(`${prefix}-tampering`)],
                ...(KEYS_KEPT_FROM_DEPLOYS.includes(stack) ? [] : [["kms:ScheduleKeyDeletion", key, keyOf(env)] as Call]),
            ];
            let checked = 0;
            for (const [action, resource, context] of allowed.filter(([a]) => calls.has(a))) {
                const decision = await decide(action, resource, context);
                if (decision !== "Allowed") refused.push(`${action} on ${resource}: ${decision}`);
                checked++;
            }
            assert.deepEqual(refused, []);
            assert.ok(checked >= 10, `${checked} routine calls checked`);
        });

        it(`${stack}: copies or shares no image or snapshot outside its region, where nothing watches`, async () => {
            const away = { "aws:RequestedRegion": "us-east-1" };
            const home = { "aws:RequestedRegion": "eu-west-1" };
            const calls: [string, string][] = [
                ["ec2:CopyImage", "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0"],
                ["ec2:CopySnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0"],
                ["ec2:ModifyImageAttribute", "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0"],
                ["ec2:ModifySnapshotAttribute", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0"],
                ["rds:CopyDBSnapshot", `arn:aws:rds:us-east-1:${accountId}:snapshot:copy`],
                ["rds:ModifyDBSnapshotAttribute", `arn:aws:rds:us-east-1:${accountId}:snapshot:copy`],
                ["rds:CopyDBClusterSnapshot", `arn:aws:rds:us-east-1:${accountId}:cluster-snapshot:copy`],
            ];
            for (const [action, resource] of calls) {
                assert.equal(await decide(action, resource, away), "ExplicitlyDenied", action);
            }
            // Dev's bake copies and shares its image in its own region (Packer, the image's launch permission for prod).
            const inRegion = deployCallsOf(stack, accountId);
            for (const [action, resource] of calls.filter(([a]) => inRegion.has(a))) {
                assert.equal(await decide(action, resource.replace("us-east-1", "eu-west-1"), home), "Allowed", action);
            }
        });

        it(`${stack}: never rewrites, deletes or re-creates its preview role, nor widens it`, async () => {
            const preview = `${iamArn}:role/pulumi-${stack}-preview`;
            for (const action of [
                "iam:UpdateAssumeRolePolicy",
                "iam:DeleteRole",
                "iam:CreateRole",
                "iam:PutRolePolicy",
                "iam:AttachRolePolicy",
            ]) {
                const bounded = { "iam:PermissionsBoundary": boundaryPolicyArn(accountId, stack) };
                assert.equal(await decide(action, preview, bounded), "ExplicitlyDenied", action);
            }
        });

        it(`${stack}: administers only the keys tagged with its stack, and creates or tags keys only into it`, async () => {
            const key = `arn:aws:kms:eu-west-1:${accountId}:key/00000000-0000-0000-0000-000000000000`;
            const tagged = (value: string) => ({ [`aws:ResourceTag/${STACK_TAG}`]: value });
            const admin = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:RevokeGrant"];
            for (const action of [...admin, "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription"]) {
                if (action !== "kms:TagResource")
                    assert.equal(await decide(action, key), "ExplicitlyDenied", `${action} on an untagged key`);
                assert.equal(await decide(action, key, tagged("other")), "ExplicitlyDenied", `${action} on another stack's key`);
            }
            const retag = { ...tagged("other"), [`aws:RequestTag/${STACK_TAG}`]: stack, "aws:TagKeys": [STACK_TAG] };
            assert.equal(await decide("kms:TagResource", key, retag), "ExplicitlyDenied", "re-tags another stack's key into its own");
            // What an update of its own key calls (the catalog's aws:kms/key:Key entry), and its deletion but in prod.
            const calls = deployCallsOf(stack, accountId);
            for (const action of ["kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:EnableKeyRotation"].filter(a => calls.has(a))) {
                assert.equal(await decide(action, key, tagged(stack)), "Allowed", action);
            }
            if (calls.has("kms:TagResource")) {
                const tagging = { ...tagged(stack), [`aws:RequestTag/${STACK_TAG}`]: stack, "aws:TagKeys": [STACK_TAG] };
                assert.equal(await decide("kms:TagResource", key, tagging), "Allowed", "tags its own key");
                const away = { ...tagged(stack), [`aws:RequestTag/${STACK_TAG}`]: "other", "aws:TagKeys": [STACK_TAG] };
                assert.equal(await decide("kms:TagResource", key, away), "ExplicitlyDenied", "tags its key into another stack");
                assert.equal(await decide("kms:UntagResource", key, { ...tagged(stack), "aws:TagKeys": [STACK_TAG] }), "ExplicitlyDenied");
            }
            if (calls.has("kms:CreateKey")) {
                assert.equal(await decide("kms:CreateKey", "*"), "ExplicitlyDenied", "an untagged key");
                const born = { [`aws:RequestTag/${STACK_TAG}`]: stack, "aws:TagKeys": [STACK_TAG] };
                assert.equal(await decide("kms:CreateKey", "*", born), "Allowed", "a key of the stack");
                // CreateKey with Tags is authorized as kms:TagResource too, on the new key, which has no tag yet (KMS
                // Developer Guide, "Controlling access to tags"): a deny matching an absent resource tag fails every create.
                assert.equal(await decide("kms:TagResource", key, born), "Allowed", "CreateKey's implied TagResource");
                const bornAway = { [`aws:RequestTag/${STACK_TAG}`]: "other", "aws:TagKeys": [STACK_TAG] };
                assert.equal(await decide("kms:TagResource", key, bornAway), "ExplicitlyDenied", "a new key tagged into another stack");
            }
            if (calls.has("kms:ScheduleKeyDeletion")) {
                const kept = KEYS_KEPT_FROM_DEPLOYS.includes(stack);
                assert.equal(
                    await decide("kms:ScheduleKeyDeletion", key, tagged(stack)),
                    kept ? "ExplicitlyDenied" : "Allowed",
                    "its own key",
                );
            }
        });
    }
});
