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
