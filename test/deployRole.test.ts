/**
 * The deploy roles over the four plans: the services each stack's update calls, derived from its resource types and
 * kept in DEPLOY_SERVICES, and the guard's explicit denies decided by the policy simulator (test/helpers/iam.ts)
 * against the role's policies as the plan declares them (its derived allows, test/deployActions.test.ts, and the guard).
 */
import { strict as assert } from "assert";
import { BOUNDARY_ACTIONS } from "../components/account/boundaryPolicy";
import { readCatalog } from "../components/account/deployActionsConfig";
import { deployActionsOf } from "../components/account/deployAllowPolicy";
import { deployTypesOf } from "../components/account/deployTypesConfig";
import {
    DEPLOY_SERVICES,
    boundaryPolicyArn,
    deployServicesOf,
    isDeployAllowPolicyName,
    ownedPath,
    serviceOfType,
} from "../components/account/deployRolePolicy";
import { Plan } from "../plan/run";
import { baselineNames } from "../components/account/accountBaseline";
import { Document, IamHarness, managedPolicyDocument } from "./helpers/iam";
import { STACKS, StackName, committedPlanOf, ofType, planOf } from "./helpers/plans";
import { fixtureConfig } from "./helpers/config";

let harness: Promise<IamHarness> | undefined;
function iam(): Promise<IamHarness> {
    harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans));
    return harness;
}

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
            for (const plan of [await planOf(stack), await committedPlanOf(stack)]) {
                const derived = deployServicesOf(stack, new Set(plan.resources.map(r => r.type)));
                assert.deepEqual(
                    [...DEPLOY_SERVICES[stack]],
                    derived,
                    `Fix: set DEPLOY_SERVICES.${stack} (components/account/deployRolePolicy.ts) to ${JSON.stringify(derived)}`,
                );
            }
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
            for (const plan of [await planOf(stack), await committedPlanOf(stack)]) {
                const derived = boundaryActionsOf(plan);
                assert.ok(derived.length > 0);
                assert.deepEqual(
                    [...BOUNDARY_ACTIONS[stack]],
                    derived,
                    `Fix: set BOUNDARY_ACTIONS.${stack} (components/account/boundaryPolicy.ts) to ${JSON.stringify(derived)}`,
                );
            }
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
            const calls = new Set(
                deployActionsOf(readCatalog(), {
                    accountId,
                    region: "eu-west-1",
                    stack,
                    accountRole: stack,
                    resourceTypes: deployTypesOf(stack),
                }),
            );
            for (const service of DEPLOY_SERVICES[stack].filter(s => calls.has(CREATE_CALL[s]) || s === "iam")) {
                const [resource, context] = service === "iam" ? [owned("role", "new-role"), bounded] : ["*", undefined];
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
                for (const action of ["iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:PassRole", "iam:PutRolePolicy", "iam:TagRole"]) {
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
