/**
 * The organization stack's program (pulumi-cloud/): every Pulumi Cloud resource of the project, read from the
 * committed stack files beside it, so each stack file stays the one place its deployments settings are written.
 */
import { ManagedStack, PulumiCloudAccess, pulumiCloudAccessProblems, pulumiCloudProvider } from "../components/account/pulumiCloud";
import { ConfigError, parseStackConfig } from "../config";
import { stackCrossAccountRoles } from "../plan/providerRole";
import { projectStacks, readStackSettings } from "../plan/stackFile";
import { exportedOutputNames } from "./outputs";

/** The stacks of the project in projectDir whose stack files enable deployments, their config validated. */
export function managedStacks(projectDir: string): ManagedStack[] {
    return projectStacks(projectDir).flatMap(stack => {
        const file = readStackSettings(projectDir, stack);
        const config = parseStackConfig(stack, file.config, file.secretKeys);
        if (!config.deployments) return [];
        return [
            {
                stack,
                project: file.project,
                accountId: config.accountId,
                region: config.region,
                settings: config.deployments,
                outputNames: exportedOutputNames(config.accountRole),
                assumesCrossAccountRoles: stackCrossAccountRoles(projectDir, stack).length > 0,
            },
        ];
    });
}

/** Declares the Pulumi Cloud resources of every stack in projectDir; a stack file that does not validate stops it. */
export function buildPulumiCloud(projectDir: string): Record<string, unknown> {
    const stacks = managedStacks(projectDir);
    const problems = pulumiCloudAccessProblems(stacks);
    if (problems.length > 0) throw new ConfigError("organization", problems);
    new PulumiCloudAccess("twine-infra", { stacks, provider: pulumiCloudProvider("pulumi-cloud") });
    return { stacks: stacks.map(s => s.stack) };
}
