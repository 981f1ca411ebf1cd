import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { deployersTeamName, escEnvironmentGrants } from "./escAccessPolicy";
import { ESC_PROJECT, escDefinitionComment, renderEscYaml, stackEscDefinitions } from "./escEnvironmentConfig";
import { escProblems } from "./escGrammar";

export interface EscEnvironmentsArgs {
    /** Pulumi Cloud organization that owns the environments (and the stack). */
    readonly organization: string;
    /** The stack whose credentials and outputs the environments carry. */
    readonly stack: string;
    /** The stack's deploy role: `pulumi up` through the stack file's import runs as it. */
    readonly deployRoleArn: pulumi.Input<string>;
    /** The stack's describe-only preview role. */
    readonly previewRoleArn: pulumi.Input<string>;
    /** Session length of both credentials, in seconds; at most the roles' maximum session duration. */
    readonly sessionSeconds: number;
    /** The outputs contract's names the stack exports, exposed by its outputs environment. */
    readonly outputNames: readonly string[];
    /** Pulumi Cloud logins of the people who may open the stack's credentials environments. @default - nobody */
    readonly deployers?: readonly string[];
    /** Whether the organization has teams (not a Team edition): without them only admins open the environments. @default true */
    readonly teams?: boolean;
    /** Provider for the Pulumi Cloud resources; its token comes from PULUMI_ACCESS_TOKEN, never config. */
    readonly serviceProvider: pulumiservice.Provider;
}

/**
 * The stack's Pulumi ESC environments (twine-infra/<stack>-aws, -aws-preview, -outputs), their YAML rendered by
 * escEnvironmentConfig.ts and checked against ESC's grammar before any is declared. The role ARNs are inputs, so the
 * component that owns the roles wires them in one line.
 */
export class EscEnvironments extends pulumi.ComponentResource {
    public readonly environments: Record<string, pulumiservice.Environment> = {};

    constructor(name: string, args: EscEnvironmentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:EscEnvironments", name, {}, opts);
        // Checked once with stand-in ARNs, before any resource: a definition ESC would refuse is a bug here.
        const standIn = "arn:aws:iam::000000000000:role/stand-in";
        const definitions = (deployRoleArn: string, previewRoleArn: string) =>
            stackEscDefinitions({
                stack: args.stack,
                deployRoleArn,
                previewRoleArn,
                sessionSeconds: args.sessionSeconds,
                outputNames: args.outputNames,
            });
        const problems = definitions(standIn, standIn).flatMap(d => escProblems(d.definition).map(p => `${d.name}: ${p}`));
        if (problems.length > 0) throw new pulumi.ResourceError(`ESC definitions ESC would refuse:\n - ${problems.join("\n - ")}`, this);

        const rendered = pulumi.all([args.deployRoleArn, args.previewRoleArn]).apply(([deploy, preview]) => definitions(deploy, preview));
        for (const [i, env] of definitions(standIn, standIn).entries()) {
            this.environments[env.name] = new pulumiservice.Environment(
                `${name}-${env.name}`,
                {
                    organization: args.organization,
                    project: ESC_PROJECT,
                    name: env.name,
                    yaml: rendered.apply(
                        all => new pulumi.asset.StringAsset(renderEscYaml(all[i].definition, escDefinitionComment(all[i]))),
                    ),
                },
                { parent: this, provider: args.serviceProvider },
            );
        }
        // Who may open them, declared here, the environments' owner (escAccessPolicy.ts): the stack's deployers team,
        // members from config. Everyone else relies on the organization's default being none (checked by doctor).
        if (args.teams === false) {
            this.registerOutputs({});
            return;
        }
        const cloud = { parent: this, provider: args.serviceProvider };
        const team = new pulumiservice.Team(
            `${name}-deployers`,
            {
                organizationName: args.organization,
                teamType: "pulumi",
                name: deployersTeamName(args.stack),
                displayName: `twine-infra ${args.stack} deployers`,
                description: `May open ${args.stack}'s credentials environments: pulumi up and preview by a person`,
                members: [...(args.deployers ?? [])].sort(),
            },
            cloud,
        );
        for (const grant of escEnvironmentGrants(args.stack, args.sessionSeconds)) {
            new pulumiservice.TeamEnvironmentPermission(
                `${name}-${grant.environment}-${grant.team}`,
                {
                    organization: args.organization,
                    project: ESC_PROJECT,
                    environment: grant.environment,
                    team: grant.team,
                    permission: grant.permission,
                    maxOpenDuration: grant.maxOpenDuration,
                },
                { ...cloud, dependsOn: [team, this.environments[grant.environment]] },
            );
        }
        this.registerOutputs({});
    }
}
