import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Tags every taggable resource carries, through the provider's defaultTags. */
export function defaultTags(role: string, stack: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return { ...extra, Project: "twine", Stack: stack, Environment: role, ManagedBy: "pulumi" };
}

export interface AccountProviderArgs {
    /** The only account this provider may touch (allowedAccountIds). */
    readonly accountId: string;
    readonly region: string;
    readonly tags: Readonly<Record<string, string>>;
    /**
     * A role in that account, reached through the profile named like it (roleProfileConfig.ts) in the user's or the
     * runner's AWS config; omit to act as the deploying identity.
     */
    readonly roleProfile?: string;
}

/**
 * An AWS provider pinned to one account. Every provider in this program is built here, so none can act on an
 * account other than the one it was made for; credentials come from the environment, never from config.
 */
export function accountProvider(name: string, args: AccountProviderArgs, opts?: pulumi.CustomResourceOptions): aws.Provider {
    return new aws.Provider(
        name,
        {
            region: args.region as aws.Region,
            allowedAccountIds: [args.accountId],
            defaultTags: { tags: { ...args.tags } },
            profile: args.roleProfile,
        },
        opts,
    );
}
