import * as pulumi from "@pulumi/pulumi";
import { DeploymentPreviews, pulumiCloudProvider } from "../components/account/deploymentPreviews";
import { EscEnvironments } from "../components/account/escEnvironments";
import { hasTeams } from "../components/account/pulumiCloudAccessPolicy";
import { PROJECT } from "../config";
import { StackContext } from "./context";
import { exportedOutputNames } from "./outputs";

/**
 * The stack's delivery identities, Pulumi Deployments settings, drift schedule and Pulumi Cloud grants, when its
 * `deployments` config enables them, and the ESC environments that log in to its roles and expose the stack's
 * outputs. The Pulumi Cloud provider reads its token from PULUMI_ACCESS_TOKEN; no token ever goes in config, and the
 * one this creates for Jenkins stays a secret.
 */
export function deploymentPreviews(
    ctx: StackContext,
    crossAccountRoleArns: readonly pulumi.Input<string>[] = [],
): DeploymentPreviews | undefined {
    const settings = ctx.config.deployments;
    if (!settings) return undefined;
    const serviceProvider = pulumiCloudProvider(`${ctx.stack}-pulumi-cloud`);
    const previews = new DeploymentPreviews(
        `${ctx.stack}-deployments`,
        {
            ...settings,
            project: PROJECT,
            stack: ctx.stack,
            accountRole: ctx.config.accountRole,
            accountId: ctx.config.accountId,
            region: ctx.config.region,
            crossAccountRoleArns,
            serviceProvider,
        },
        { provider: ctx.provider },
    );
    new EscEnvironments(`${ctx.stack}-esc`, {
        organization: settings.organization,
        stack: ctx.stack,
        deployRoleArn: previews.deployRole.arn,
        previewRoleArn: previews.previewRole.arn,
        sessionSeconds: settings.sessionSeconds,
        outputNames: exportedOutputNames(ctx.config.accountRole),
        deployers: settings.deployers,
        teams: hasTeams(settings.edition),
        serviceProvider,
    });
    return previews;
}
