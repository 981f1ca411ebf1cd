/**
 * The resource control policy (RCP) an organization admin attaches to the project's accounts: no role in them may
 * be assumed from outside the organization, whatever its trust policy says. A deploy role can rewrite the trust of a
 * role it owns (IAM has no condition key on a trust policy's contents); the RCP is evaluated on every sts call
 * against a role of a member account, and the deploy role cannot change it.
 *
 * - sts:AssumeRole: only principals of the organization (aws:PrincipalOrgID), or AWS services (they assume service
 *   roles as service principals, aws:PrincipalIsAWSService).
 * - sts:AssumeRoleWithWebIdentity: only tokens of the issuers the stacks trust (Pulumi Cloud, GitHub Actions), and of
 *   those only the exact subjects the stacks' roles name.
 * The shape follows AWS's data perimeter examples (aws-samples/data-perimeter-policy-examples,
 * resource_control_policies/identity_perimeter_rcp.json), without their resource-tag exception: a deploy role could
 * tag a role of its own out of the perimeter. RCPs: Principal must be "*"; 5,120 characters at most; they do not
 * apply to the management account's resources, nor to service-linked roles
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html,
 * orgs_manage_policies_rcps_syntax.html, orgs_reference_limits.html).
 */
import { PolicyDocument, PolicyStatement, policyDocument } from "./iamPolicy";
import { GITHUB_OIDC_HOST, PULUMI_OIDC_HOST } from "./oidcTrustPolicy";

/** The maximum size of a resource control policy, in characters (AWS Organizations quotas). */
export const RCP_MAX_CHARACTERS = 5120;

/** An AWS Organizations organization id. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** The OIDC issuers the project's roles trust, as IAM names their condition keys. */
export const PERIMETER_ISSUERS = [PULUMI_OIDC_HOST, GITHUB_OIDC_HOST] as const;

/** The web-identity subjects each issuer may present: read from the trust statements the stacks declare. */
export type TrustedSubjects = Readonly<Record<(typeof PERIMETER_ISSUERS)[number], readonly string[]>>;

/** The `<issuer>:sub` values of web-identity trust statements, per issuer (the project's issuers only). */
export function trustedSubjects(statements: readonly PolicyStatement[]): TrustedSubjects {
    const subjects: Record<string, Set<string>> = Object.fromEntries(PERIMETER_ISSUERS.map(i => [i, new Set<string>()]));
    for (const statement of statements) {
        const equals = (statement.Condition as { StringEquals?: Record<string, string | string[]> } | undefined)?.StringEquals ?? {};
        for (const issuer of PERIMETER_ISSUERS) {
            const sub = equals[`${issuer}:sub`];
            for (const value of sub === undefined ? [] : Array.isArray(sub) ? sub : [sub]) subjects[issuer].add(value);
        }
    }
    const sorted = (issuer: string) => [...subjects[issuer]].sort();
    return { [PULUMI_OIDC_HOST]: sorted(PULUMI_OIDC_HOST), [GITHUB_OIDC_HOST]: sorted(GITHUB_OIDC_HOST) };
}

/** The RCP: roles assumed only from the organization, by AWS services, or by the stacks' own OIDC subjects. */
export function perimeterPolicy(organizationId: string, subjects: TrustedSubjects): PolicyDocument {
    if (!ORGANIZATION_ID.test(organizationId)) {
        throw new Error(`perimeterPolicy: "${organizationId}" is not an organization id (o- and 10 to 32 letters or digits)`);
    }
    const statements: PolicyStatement[] = [
        {
            Sid: "RolesAssumedFromTheOrganizationOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "sts:AssumeRole",
            Resource: "*",
            Condition: {
                StringNotEqualsIfExists: { "aws:PrincipalOrgID": organizationId },
                BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
            },
        },
        {
            // A token of any other issuer (another OIDC provider added to an account) carries neither subject key.
            Sid: "WebIdentityFromTheProjectIssuersOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "sts:AssumeRoleWithWebIdentity",
            Resource: "*",
            Condition: { Null: Object.fromEntries(PERIMETER_ISSUERS.map(i => [`${i}:sub`, "true"])) },
        },
    ];
    for (const issuer of PERIMETER_ISSUERS) {
        const sid = issuer === PULUMI_OIDC_HOST ? "PulumiSubjects" : "GitHubSubjects";
        statements.push({
            Sid: `WebIdentityOnlyFromThe${sid}OfTheStacks`,
            Effect: "Deny",
            Principal: "*",
            Action: "sts:AssumeRoleWithWebIdentity",
            Resource: "*",
            // No subject trusted: every token of the issuer is refused (StringNotEquals against no value never holds).
            Condition:
                subjects[issuer].length > 0
                    ? { StringNotEquals: { [`${issuer}:sub`]: [...subjects[issuer]] }, Null: { [`${issuer}:sub`]: "false" } }
                    : { Null: { [`${issuer}:sub`]: "false" } },
        });
    }
    return policyDocument(...statements);
}

/** Problems of the policy as AWS Organizations would refuse it: its size (minified, as the API counts it). */
export function perimeterPolicyProblems(document: PolicyDocument): string[] {
    const size = JSON.stringify(document).length;
    return size > RCP_MAX_CHARACTERS
        ? [
              `the policy is ${size} characters, over the ${RCP_MAX_CHARACTERS} a resource control policy may have: ` +
                  "fewer subjects, or split it",
          ]
        : [];
}
