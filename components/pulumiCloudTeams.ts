/**
 * The Pulumi Cloud teams of this project's delivery path, by name: the workflow files name them too
 * (.github/workflows/preview.yml asks for a token of the previews team), and a test keeps both in step.
 */
export const PULUMI_TEAMS = {
    /** Read on every stack: runs previews, cannot start a deployment or edit a stack. Pull-request jobs. */
    previews: "twine-infra-previews",
    /** Write on the dev stack only (Read on the stacks dev references): Jenkins starts the dev update. */
    jenkins: "twine-infra-jenkins",
} as const;
