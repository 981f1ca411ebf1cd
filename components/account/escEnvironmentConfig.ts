/**
 * The Pulumi ESC environment definitions of one stack, as plain data (no resources): the AWS credentials its
 * deploys and its previews use, and its outputs for other teams. components/account/escGrammar.ts checks them against
 * what ESC accepts; the tests and `npm run docs` keep the rendered YAML in esc/.
 */
import { stringify } from "yaml";
import { PolicyStatement } from "./iamPolicy";

/** The ESC project that holds every environment of this program. */
export const ESC_PROJECT = "twine-infra";

/** The names of a stack's environments inside ESC_PROJECT. */
export function escEnvironmentNames(stack: string): { readonly deploy: string; readonly preview: string; readonly outputs: string } {
    return { deploy: `${stack}-aws`, preview: `${stack}-aws-preview`, outputs: `${stack}-outputs` };
}

/** The name a stack file imports (`environment:`) or an environment imports: <project>/<environment>. */
export function qualifiedEnvironment(name: string): string {
    return `${ESC_PROJECT}/${name}`;
}

/**
 * The OIDC subject ESC presents when it opens an environment whose aws-login names currentEnvironment.name:
 * `pulumi:environments:pulumi.organization.login:<org>:currentEnvironment.name:<project>/<environment>`.
 * Without subjectAttributes the subject of an environment opened by `pulumi up` through a stack file's
 * `environment:` is `pulumi:environments:org:<org>:env:<yaml>`, the same for every environment of the
 * organization (ESC's "Configuring OIDC for AWS", subject claim customization), so a role could not tell
 * the dev credentials from the prod ones. The subject below names exactly one environment.
 */
export function escOidcSubject(organization: string, environment: string): string {
    return `pulumi:environments:pulumi.organization.login:${organization}:currentEnvironment.name:${ESC_PROJECT}/${environment}`;
}

/** The audience of ESC's AWS tokens: `aws:<org>` (environments outside the legacy default project). */
export function escAwsAudience(organization: string): string {
    return `aws:${organization}`;
}

/** The issuer ESC's aws-login tokens come from, as IAM names its condition keys (`<host>:aud`, `<host>:sub`). */
export const ESC_OIDC_HOST = "api.pulumi.com/oidc";

/**
 * Trust for ESC opening one environment's aws-login: the OIDC provider of api.pulumi.com/oidc (whose client ids
 * must include escAwsAudience), exact audience and exact subject, so only that environment gets a session.
 */
export function escTrustStatement(providerArn: string, organization: string, environment: string): PolicyStatement {
    for (const [key, value] of [
        ["organization", organization],
        ["environment", environment],
    ]) {
        if (!/^[A-Za-z0-9_.-]+$/.test(value))
            throw new Error(`escTrustStatement: ${key} "${value}" would widen the OIDC subject; use letters, digits, _ . -`);
    }
    return {
        Sid: `PulumiEsc${environment.replace(/[^A-Za-z0-9]/g, "")}`,
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            StringEquals: {
                [`${ESC_OIDC_HOST}:aud`]: escAwsAudience(organization),
                [`${ESC_OIDC_HOST}:sub`]: escOidcSubject(organization, environment),
            },
        },
    };
}

/** Seconds as a Go duration, the form ESC reads: 3600 -> 1h, 5400 -> 1h30m, 900 -> 15m. */
export function goDuration(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}

export interface CredentialsEnvironmentArgs {
    /** The role the session assumes (the stack's deploy role, or its describe-only preview role). */
    readonly roleArn: string;
    /** Prefix of the STS session name; the Pulumi user's login follows it, so CloudTrail names who ran. */
    readonly sessionPrefix: string;
    /** Session length in seconds; at most the role's maximum session duration or STS refuses the call. */
    readonly sessionSeconds: number;
}

/**
 * AWS credentials through OIDC: ESC exchanges its token for a session of the role, and exports it as the
 * variables every AWS SDK reads. A stack file that imports it needs nothing else on the engineer's machine.
 */
export function credentialsEnvironment(args: CredentialsEnvironmentArgs): Record<string, unknown> {
    return {
        values: {
            aws: {
                login: {
                    "fn::open::aws-login": {
                        oidc: {
                            roleArn: args.roleArn,
                            sessionName: `${args.sessionPrefix}-\${context.pulumi.user.login}`,
                            // ESC's default is 2h, above an IAM role's default maximum of 1h: always say it.
                            duration: goDuration(args.sessionSeconds),
                            subjectAttributes: ["currentEnvironment.name"],
                        },
                    },
                },
            },
            environmentVariables: {
                AWS_ACCESS_KEY_ID: "${aws.login.accessKeyId}",
                AWS_SECRET_ACCESS_KEY: "${aws.login.secretAccessKey}",
                AWS_SESSION_TOKEN: "${aws.login.sessionToken}",
            },
        },
    };
}

export interface OutputsEnvironmentArgs {
    /** The stack whose outputs the environment exposes. */
    readonly stack: string;
    /** The outputs it exposes: the contract's names that the stack exports. */
    readonly outputNames: readonly string[];
}

/** Where the outputs land for a program importing the environment: `twine-<stack>:<output>`. */
export function outputsConfigNamespace(stack: string): string {
    return `twine-${stack}`;
}

/**
 * The stack's outputs, read by ESC with fn::open::pulumi-stacks: under `<stack>` for `esc env get` and
 * `esc open`, and under pulumiConfig as `twine-<stack>:<output>`, so a stack of another team that imports the
 * environment reads them with `new pulumi.Config("twine-<stack>")`.
 */
export function outputsEnvironment(args: OutputsEnvironmentArgs): Record<string, unknown> {
    const exposed: Record<string, string> = {};
    const config: Record<string, string> = {};
    const namespace = outputsConfigNamespace(args.stack);
    for (const name of args.outputNames) {
        exposed[name] = `\${stackOutputs.${args.stack}.${name}}`;
        config[`${namespace}:${name}`] = `\${${args.stack}.${name}}`;
    }
    return {
        values: {
            stackOutputs: { "fn::open::pulumi-stacks": { stacks: { [args.stack]: { stack: `${ESC_PROJECT}/${args.stack}` } } } },
            [args.stack]: exposed,
            pulumiConfig: config,
        },
    };
}

/** The comment an environment's YAML opens with: what it is for, and who writes it. */
export function escDefinitionComment(env: EscDefinition): string {
    const origin = "Declared by the program (components/account/escEnvironments.ts); esc/ keeps a copy, written by npm run docs.";
    return `${qualifiedEnvironment(env.name)}: ${env.purpose}\n${origin}`;
}

/** The YAML ESC stores, with a comment saying where it comes from. */
export function renderEscYaml(definition: Record<string, unknown>, comment: string): string {
    const header = comment
        .split("\n")
        .map(line => `# ${line}`.trimEnd())
        .join("\n");
    return `${header}\n${stringify(definition, { lineWidth: 0 })}`;
}

export interface StackEscArgs {
    readonly stack: string;
    /** The stack's deploy role: `pulumi up` runs as it. */
    readonly deployRoleArn: string;
    /** The stack's describe-only preview role: `pulumi preview` of pull requests runs as it. */
    readonly previewRoleArn: string;
    /** Session length of both, in seconds (deployments.sessionSeconds). */
    readonly sessionSeconds: number;
    /** The contract's outputs the stack exports. */
    readonly outputNames: readonly string[];
}

export interface EscDefinition {
    /** The environment's name inside ESC_PROJECT. */
    readonly name: string;
    /** One line on what it is for, rendered as the YAML's comment. */
    readonly purpose: string;
    readonly definition: Record<string, unknown>;
}

/** A stack's three environments: deploy credentials, preview credentials, outputs. */
export function stackEscDefinitions(args: StackEscArgs): EscDefinition[] {
    const names = escEnvironmentNames(args.stack);
    return [
        {
            name: names.deploy,
            purpose: `AWS credentials of the ${args.stack} stack's deploy role; Pulumi.${args.stack}.yaml imports it (environment:).`,
            definition: credentialsEnvironment({
                roleArn: args.deployRoleArn,
                sessionPrefix: `${args.stack}-deploy`,
                sessionSeconds: args.sessionSeconds,
            }),
        },
        {
            name: names.preview,
            purpose: `AWS credentials of the ${args.stack} stack's describe-only preview role, for \`pulumi preview\` of pull requests.`,
            definition: credentialsEnvironment({
                roleArn: args.previewRoleArn,
                sessionPrefix: `${args.stack}-preview`,
                sessionSeconds: args.sessionSeconds,
            }),
        },
        {
            name: names.outputs,
            purpose: `The ${args.stack} stack's outputs for other teams: esc env get <org>/${qualifiedEnvironment(names.outputs)}.`,
            definition: outputsEnvironment({ stack: args.stack, outputNames: args.outputNames }),
        },
    ];
}
