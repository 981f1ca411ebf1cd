import { DeploymentPreviews, pulumiCloudProvider } from "../components/account/deploymentPreviews";
import { PROJECT } from "../config";
import { StackContext } from "./context";

/**
 * The stack's Pulumi Deployments settings and OIDC roles, when its `deployments` config enables them. The
 * Pulumi Cloud provider reads its token from PULUMI_ACCESS_TOKEN; no token ever goes in config or state.
 */
export function deploymentPreviews(ctx: StackContext): DeploymentPreviews | undefined {
    const settings = ctx.config.deployments;
    if (!settings) return undefined;
    const serviceProvider = pulumiCloudProvider(`${ctx.stack}-pulumi-cloud`);
    return new DeploymentPreviews(
        `${ctx.stack}-deployments`,
        { ...settings, project: PROJECT, stack: ctx.stack, serviceProvider },
        { provider: ctx.provider },
    );
}
