import { DeploymentPreviews, pulumiCloudProvider } from "../components/account/deploymentPreviews";
import { EscEnvironments } from "../components/account/escEnvironments";
import { PROJECT } from "../config";
import { StackContext } from "./context";
import { exportedOutputNames } from "./outputs";

/**
 * The stack's Pulumi Deployments settings and OIDC roles, when its `deployments` config enables them, and the
 * ESC environments that log in to those roles and expose the stack's outputs. The Pulumi Cloud provider reads
 * its token from PULUMI_ACCESS_TOKEN; no token ever goes in config or state.
 */
export function deploymentPreviews(ctx: StackContext): DeploymentPreviews | undefined {
    const settings = ctx.config.deployments;
    if (!settings) return undefined;
    const serviceProvider = pulumiCloudProvider(`${ctx.stack}-pulumi-cloud`);
    const previews = new DeploymentPreviews(
        `${ctx.stack}-deployments`,
        { ...settings, project: PROJECT, stack: ctx.stack, serviceProvider },
        { provider: ctx.provider },
    );
    new EscEnvironments(`${ctx.stack}-esc`, {
        organization: settings.organization,
        stack: ctx.stack,
        deployRoleArn: previews.deployRole.arn,
        previewRoleArn: previews.previewRole.arn,
        sessionSeconds: settings.sessionSeconds,
        outputNames: exportedOutputNames(ctx.config.accountRole),
        serviceProvider,
    });
    return previews;
}
