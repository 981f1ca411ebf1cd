/**
 * How a stack's providers reach a role in another account: through a named profile in a small AWS config file
 * the program writes before the provider is configured, never through the provider's own assumeRoles.
 *
 * Why: a pull-request preview must assume the role's read-only counterpart, an update the role itself. Were the
 * role ARN a provider input, the two would differ, and the Pulumi AWS provider reports a changed assumeRoles as a
 * provider update (as it does a changed profile: pulumi/pulumi-aws#1470), and a changed region replaces every
 * resource of the provider (pulumi/pulumi-aws#4000): every preview would show a change the update then undoes.
 * With a profile, the provider's inputs are the same strings in every run (the profile name and the file's path),
 * so its diff is always empty; which role the profile names is decided by who
 * runs the program, and enforced by IAM: a preview identity may assume only read-only counterparts.
 * Checked with Terraform's AWS provider 5.100 against a loopback endpoint: a provider with `profile` and
 * `shared_config_files` assumes the profile's role_arn from the environment's credentials (credential_source =
 * Environment) and checks allowed_account_ids against the assumed session.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { readOnlyCounterpart } from "./iamPolicy";

/** Folder of the profile files, relative to the project folder, where Pulumi runs the program and its providers. */
export const ROLE_PROFILE_DIR = ".pulumi-aws";

export interface RoleProfile {
    readonly profile: string;
    readonly roleArn: string;
    readonly sessionName: string;
}

/** The profile as an AWS config file: assume roleArn with the credentials of the environment. */
export function roleProfileIni(p: RoleProfile): string {
    const lines = [`[profile ${p.profile}]`, `role_arn = ${p.roleArn}`, `role_session_name = ${p.sessionName}`];
    lines.push("credential_source = Environment");
    return `${lines.join("\n")}\n`;
}

/** Whether the caller is a stack's preview role (Pulumi Deployments or the pull-request workflow). */
export function isPreviewIdentity(callerArn: string): boolean {
    return /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/pulumi-[A-Za-z0-9_.-]+-preview\/[^/]+$/.test(callerArn);
}

/** The role a run assumes for a cross-account role: its read-only counterpart when the caller is a preview role. */
export function roleForCaller(writeRoleArn: string, callerArn: string): string {
    return isPreviewIdentity(callerArn) ? readOnlyCounterpart(writeRoleArn) : writeRoleArn;
}

export interface ProviderRoleProfile {
    readonly profile: string;
    readonly configFile: string;
}

/**
 * Writes the profile for a cross-account role (named like the role) and resolves to the provider settings that
 * use it; the provider waits for the file. The caller comes from the stack's own provider (`callerProvider`).
 */
export function crossAccountProfile(
    callerProvider: aws.Provider,
    writeRoleArn: pulumi.Input<string>,
    sessionName: string,
): pulumi.Output<ProviderRoleProfile> {
    const caller = aws.getCallerIdentityOutput({}, { provider: callerProvider });
    return pulumi.all([writeRoleArn, caller.arn]).apply(([roleArn, callerArn]) => {
        const profile = roleArn.split("/").pop()!;
        const configFile = `${ROLE_PROFILE_DIR}/${profile}.ini`;
        fs.mkdirSync(ROLE_PROFILE_DIR, { recursive: true });
        fs.writeFileSync(configFile, roleProfileIni({ profile, roleArn: roleForCaller(roleArn, callerArn), sessionName }));
        return { profile, configFile };
    });
}
