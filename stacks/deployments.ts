import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { DeploymentPreviews } from "../components/deploymentPreviews";
import { PROJECT } from "../config";
import { withDeploymentsDefaults } from "../config/deployments";
import { StackContext } from "./context";

/**
 * The stack's delivery identities, Pulumi Deployments settings, drift schedule and Pulumi Cloud grants, when its
 * `deployments` config enables them. The Pulumi Cloud provider reads its token from PULUMI_ACCESS_TOKEN; no token
 * ever goes in config, and the one this creates for Jenkins stays a secret.
 */
export function deploymentPreviews(ctx: StackContext, crossAccountRoleArns: readonly pulumi.Input<string>[] = []): DeploymentPreviews | undefined {
    const settings = withDeploymentsDefaults(ctx.config.deployments, ctx.config.accountRole);
    if (!settings) return undefined;
    const serviceProvider = new pulumiservice.Provider(`${ctx.stack}-pulumi-cloud`, {});
    return new DeploymentPreviews(
        `${ctx.stack}-deployments`,
        {
            organization: settings.organization,
            project: PROJECT,
            stack: ctx.stack,
            accountRole: ctx.config.accountRole,
            repository: settings.repository,
            branch: settings.branch,
            deployCommits: settings.deployCommits,
            paths: settings.paths,
            sessionSeconds: settings.sessionSeconds,
            driftScheduleCron: settings.driftDetection.enabled ? settings.driftDetection.scheduleCron : undefined,
            crossAccountRoleArns,
            serviceProvider,
        },
        { provider: ctx.provider },
    );
}
