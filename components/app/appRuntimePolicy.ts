import { policyDocument } from "../account/iamPolicy";

/** Read-only access to the environment's own parameters and secrets, for the app role. */
export function appRuntimePolicy(args: { region: string; accountId: string; environment: string; secretArns: readonly string[] }) {
    return policyDocument(
        {
            Sid: "ReadOwnParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            Resource: `arn:aws:ssm:${args.region}:${args.accountId}:parameter/twine/${args.environment}/*`,
        },
        ...(args.secretArns.length > 0
            ? [
                  {
                      Sid: "ReadOwnSecrets",
                      Effect: "Allow" as const,
                      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                      Resource: [...args.secretArns],
                  },
              ]
            : []),
    );
}

/**
 * The server completes its own group's launch hook, and no other group's. The policy must exist before the group:
 * the group's create waits for InService servers, which get there only by completing the hook, so it cannot name
 * the group's ARN (known only once the group exists). CompleteLifecycleAction takes the autoScalingGroup resource
 * and the autoscaling:ResourceTag/${TagKey} condition key; the statement names the group's ARN by its name's
 * prefix (Pulumi's auto-name, `<name>-<7 characters>`) and its Name tag, which the hosts cannot change (no
 * CreateOrUpdateTags). It finds its group and state with DescribeAutoScalingInstances, which takes no resource ("*").
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html
 */
export function bootHookPolicy(args: { region: string; accountId: string; groupName: string }) {
    return policyDocument(
        {
            Sid: "CompleteOwnGroupsLaunchHook",
            Effect: "Allow",
            Action: "autoscaling:CompleteLifecycleAction",
            Resource: `arn:aws:autoscaling:${args.region}:${args.accountId}:autoScalingGroup:*:autoScalingGroupName/${args.groupName}-*`,
            Condition: { StringEquals: { "autoscaling:ResourceTag/Name": args.groupName } },
        },
        { Sid: "FindOwnGroup", Effect: "Allow", Action: "autoscaling:DescribeAutoScalingInstances", Resource: "*" },
    );
}
