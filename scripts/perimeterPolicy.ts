/**
 * npx twine-infra perimeter-policy --organization-id <o-...>
 *
 * Prints the resource control policy (components/account/perimeterPolicy.ts) an organization admin attaches to the
 * project's accounts, built from the stack files in this folder: the OIDC subjects their preview and deploy roles
 * trust. Compact JSON on stdout, for `aws organizations create-policy --type RESOURCE_CONTROL_POLICY --content`.
 */
import { ConfigError, parseStackConfig } from "../config";
import { deployRoleTrust, previewRoleTrust } from "../components/account/deploymentPreviews";
import { deploymentProviderArns } from "../components/account/expectedAccessConfig";
import { PolicyDocument, PolicyStatement } from "../components/account/iamPolicy";
import { ORGANIZATION_ID, perimeterPolicy, perimeterPolicyProblems, trustedSubjects } from "../components/account/perimeterPolicy";
import { InputError } from "../plan/inputError";
import { projectStacks, readStackSettings } from "../plan/stackFile";

export const PERIMETER_USAGE = `usage: npx twine-infra perimeter-policy --organization-id <o-...>

Prints the resource control policy that keeps the roles of this project's accounts from being assumed from outside
the AWS organization: by principals of other accounts (sts:AssumeRole), or by OIDC tokens other than the subjects
the stack files' preview and deploy roles trust (sts:AssumeRoleWithWebIdentity). An organization admin creates it
and attaches it to the project's accounts (docs/runbook.md).

options:
  --organization-id <o-...>   the AWS organization the project's accounts belong to (aws organizations describe-organization)
  -h, --help                  print this help`;

export class PerimeterUsageError extends Error {}

export function parsePerimeterArgs(argv: readonly string[]): { organizationId: string } | "help" {
    let organizationId: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") return "help";
        if (arg !== "--organization-id") throw new PerimeterUsageError(`unknown argument ${arg}`);
        organizationId = argv[++i];
        if (!organizationId || !ORGANIZATION_ID.test(organizationId)) {
            throw new PerimeterUsageError(
                `--organization-id: "${organizationId ?? ""}" is not an organization id (o- and 10 to 32 lowercase letters or digits)`,
            );
        }
    }
    if (!organizationId) throw new PerimeterUsageError("give --organization-id <o-...>");
    return { organizationId };
}

/** The trust statements of every stack file in projectDir that enables deployments (each file validated). */
export function projectOidcTrusts(projectDir: string): PolicyStatement[] {
    return projectStacks(projectDir).flatMap(stack => {
        const file = readStackSettings(projectDir, stack);
        const config = parseStackConfig(stack, file.config, file.secretKeys);
        const d = config.deployments;
        if (!d) return [];
        const id = { organization: d.organization, project: file.project, stack };
        const [pulumi, github] = deploymentProviderArns(config.accountId);
        return [...previewRoleTrust(id, d.githubSubjectPrefix, pulumi, github), ...deployRoleTrust(id, pulumi)];
    });
}

/** The policy for the stack files in projectDir; an InputError when AWS would refuse it. */
export function projectPerimeterPolicy(projectDir: string, organizationId: string): PolicyDocument {
    const document = perimeterPolicy(organizationId, trustedSubjects(projectOidcTrusts(projectDir)));
    const problems = perimeterPolicyProblems(document);
    if (problems.length > 0) throw new InputError({ file: projectDir, why: problems.join("; "), fix: "see docs/runbook.md" });
    return document;
}

/** `twine-infra perimeter-policy ...`: exit 0 with the policy, 2 on bad input with the message. */
export function runPerimeterCommandLine(argv: readonly string[]): void {
    try {
        const args = parsePerimeterArgs(argv);
        if (args === "help") {
            process.stdout.write(`${PERIMETER_USAGE}\n`);
            return;
        }
        process.stdout.write(`${JSON.stringify(projectPerimeterPolicy(process.cwd(), args.organizationId))}\n`);
    } catch (err) {
        if (err instanceof PerimeterUsageError) process.stderr.write(`${err.message}\n\n${PERIMETER_USAGE}\n`);
        else if (err instanceof InputError || err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
        else throw err;
        process.exit(2);
    }
}
