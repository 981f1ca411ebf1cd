import * as pulumi from "@pulumi/pulumi";
import { DeploymentPreviews } from "../components/account/deploymentPreviews";
import { PROJECT } from "../config";
import { StackContext } from "./context";

/**
 * The stack's delivery identities in its AWS account (OIDC providers, preview and deploy roles), when its
 * `deployments` config enables them. Its Pulumi Cloud side (Deployments settings, drift schedule, grants, ESC
 * environments) belongs to the organization stack (stacks/organizationStack.ts), which only an organization admin updates.
 */
export function deploymentPreviews(
    ctx: StackContext,
    crossAccountRoleArns: readonly pulumi.Input<string>[] = [],
): DeploymentPreviews | undefined {
    const settings = ctx.config.deployments;
    if (!settings) return undefined;
    return new DeploymentPreviews(
        `${ctx.stack}-deployments`,
        {
            ...settings,
            project: PROJECT,
            stack: ctx.stack,
            accountRole: ctx.config.accountRole,
            accountId: ctx.config.accountId,
            region: ctx.config.region,
            crossAccountRoleArns,
        },
        { provider: ctx.provider },
    );
}
