/** CI guardrails: image registry, build credentials, Pulumi Deployments, the Jenkins data volume. */
import { Rule, asArray, companionRule, isTrue, simpleRule } from "./types";

const REPOSITORY = "aws:ecr/repository:Repository";
const STATIC_KEY_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

export const ciRules: Rule[] = [
    simpleRule(
        {
            name: "ecr-1-scan-on-push",
            control: "ECR.1",
            area: "ci",
            enforcementLevel: "mandatory",
            description:
                "Image repositories scan every pushed image. Mandatory: Jenkins' image is the build system's root of trust; " +
                "known CVEs must show up.",
            resourceTypes: [REPOSITORY],
        },
        p => !isTrue(p.imageScanningConfiguration?.scanOnPush),
        "imageScanningConfiguration.scanOnPush must be true",
    ),
    simpleRule(
        {
            name: "ecr-2-immutable-tags",
            control: "ECR.2",
            area: "ci",
            enforcementLevel: "mandatory",
            description:
                "Image tags are immutable. Mandatory: a deployed tag must always mean the same image, or a push can swap what runs.",
            resourceTypes: [REPOSITORY],
        },
        p => !/^IMMUTABLE/.test(p.imageTagMutability ?? "MUTABLE"),
        p => `imageTagMutability is ${JSON.stringify(p.imageTagMutability ?? "MUTABLE")}; use IMMUTABLE`,
    ),
    companionRule(
        {
            name: "ecr-3-lifecycle-policy",
            control: "ECR.3",
            area: "ci",
            enforcementLevel: "advisory",
            description:
                "Every repository has a lifecycle policy. Advisory: it keeps storage cost bounded; old images are not a " +
                "security risk by themselves.",
        },
        {
            subjects: [REPOSITORY],
            companions: ["aws:ecr/lifecyclePolicy:LifecyclePolicy"],
            ok: () => true,
            link: { companion: "repository", subject: "name" },
            missing: "the repository has no lifecycle policy",
        },
    ),
    simpleRule(
        {
            name: "twine-ci-no-long-lived-keys",
            control: "twine",
            area: "ci",
            enforcementLevel: "mandatory",
            description:
                "No IAM users, access keys or login profiles. Mandatory: Jenkins uses its instance role and Pulumi Deployments " +
                "use OIDC, so a long-lived key has no legitimate use and leaks.",
            resourceTypes: ["aws:iam/user:User", "aws:iam/accessKey:AccessKey", "aws:iam/userLoginProfile:UserLoginProfile"],
        },
        () => true,
        "IAM users and access keys are not allowed; use a role (instance profile or OIDC)",
    ),
    {
        name: "twine-ci-deployments-use-oidc",
        control: "twine",
        area: "ci",
        enforcementLevel: "mandatory",
        description:
            "Pulumi Deployments settings get AWS credentials through OIDC (operationContext.oidc.aws), never AWS_* key " +
            "variables. Mandatory: the design keeps credentials out of config.",
        kind: "resource",
        resourceTypes: ["pulumiservice:index:DeploymentSettings"],
        check(r) {
            const context = r.props?.operationContext ?? {};
            const variables = Object.keys(context.environmentVariables ?? {}).filter(k => STATIC_KEY_VARIABLES.includes(k));
            const problems = variables.map(k => `operationContext.environmentVariables sets ${k}`);
            if (!context.oidc?.aws?.roleARN) problems.push("operationContext.oidc.aws.roleARN is not set");
            return problems;
        },
    },
    simpleRule(
        {
            name: "twine-ci-no-pull-request-deployments",
            control: "twine",
            area: "ci",
            enforcementLevel: "mandatory",
            description:
                "Pulumi Deployments never run a pull request's code (vcs.previewPullRequests is false). Mandatory: such a " +
                "deployment's token is admin on the stack, enough for a branch to start an update.",
            resourceTypes: ["pulumiservice:index:DeploymentSettings"],
        },
        p => p.vcs?.previewPullRequests !== false,
        "vcs.previewPullRequests must be false: preview pull requests in GitHub Actions with the read-only previews team's token",
    ),
    companionRule(
        {
            name: "twine-ebs-volumes-snapshotted",
            control: "twine",
            area: "ci",
            enforcementLevel: "advisory",
            description:
                "A stack with data volumes (JENKINS_HOME) has a Data Lifecycle Manager snapshot policy. Advisory: losing " +
                "Jenkins' history is painful but recoverable from code.",
        },
        {
            subjects: ["aws:ebs/volume:Volume"],
            companions: ["aws:dlm/lifecyclePolicy:LifecyclePolicy"],
            ok: p => asArray(p.policyDetails?.schedules).length > 0 || p.policyDetails === undefined,
            missing: "no aws.dlm.LifecyclePolicy snapshots this volume",
        },
    ),
];
