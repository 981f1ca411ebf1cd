import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, previewTrustPolicy, readOnlyCounterpart, stableJson } from "./iamPolicy";

export interface ReadOnlyCounterpartArgs {
    /** The write role this one stands in for during previews; the counterpart is named `<its name>-read`. */
    readonly writeRoleName: string;
    /** The consumer account whose preview roles may assume it. */
    readonly consumerAccountId: string;
    readonly description: string;
    /** Describe/list/get-metadata actions only. */
    readonly policy: pulumi.Input<PolicyDocument>;
}

/**
 * The read-only counterpart of a cross-account role: what the consumer's pull-request previews assume in its
 * place (their providers are configured through a role profile, components/account/roleProfileConfig.ts), so a
 * preview runs without any way to the write role. Only the consumer account's preview roles may assume it.
 */
export function readOnlyCounterpartRole(
    logicalName: string,
    args: ReadOnlyCounterpartArgs,
    opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
    const role = new aws.iam.Role(
        logicalName,
        {
            name: readOnlyCounterpart(args.writeRoleName),
            description: args.description,
            assumeRolePolicy: stableJson(previewTrustPolicy(args.consumerAccountId)),
            maxSessionDuration: 3600,
        },
        opts,
    );
    new aws.iam.RolePolicy(
        logicalName,
        { role: role.id, name: "read-only", policy: pulumi.output(args.policy).apply(stableJson) },
        { ...opts, parent: role },
    );
    return role;
}
