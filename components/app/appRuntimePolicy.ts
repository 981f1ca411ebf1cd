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
 * The server completes its own group's launch hook, and no other group's: CompleteLifecycleAction is scoped to the
 * group's ARN. It finds its group and state with DescribeAutoScalingInstances, which takes no resource ("*" only).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html
 */
export function bootHookPolicy(groupArn: string) {
    return policyDocument(
        { Sid: "CompleteOwnGroupsLaunchHook", Effect: "Allow", Action: "autoscaling:CompleteLifecycleAction", Resource: groupArn },
        { Sid: "FindOwnGroup", Effect: "Allow", Action: "autoscaling:DescribeAutoScalingInstances", Resource: "*" },
    );
}
