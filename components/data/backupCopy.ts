import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupTrustPolicy, stableJson } from "../account/iamPolicy";

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers

/** When the daily backup starts: after the instance's own backup window (02:00-03:00 UTC), before maintenance. */
export const BACKUP_COPY_SCHEDULE = "cron(0 3 * * ? *)";

/** The retention bounds of the locked vault around the copies' retention (the lock refuses anything outside). */
export function lockedVaultRetention(copyRetentionDays: number): { minRetentionDays: number; maxRetentionDays: number } {
    return { minRetentionDays: copyRetentionDays, maxRetentionDays: copyRetentionDays };
}

/** Problems with the retention settings, quoting the values. */
export function backupCopyProblems(args: { copyRetentionDays: number; localRetentionDays: number }): string[] {
    const problems: string[] = [];
    // A logically air-gapped vault's minimum retention is at least 7 days (CreateLogicallyAirGappedBackupVault,
    // MinRetentionDays); the recovery points in it live at least that long whatever anyone with the account does.
    if (!Number.isInteger(args.copyRetentionDays) || args.copyRetentionDays < 7 || args.copyRetentionDays > 36500)
        problems.push(`copyRetentionDays (${args.copyRetentionDays}) must be a whole number of days from 7 to 36500`);
    if (!Number.isInteger(args.localRetentionDays) || args.localRetentionDays < 1)
        problems.push(`localRetentionDays (${args.localRetentionDays}) must be a whole number of days, 1 or more`);
    return problems;
}

// ---------------------------------------------------------------------------------------------------------------

export interface BackupCopyArgs {
    /** Names the vaults, plan and role, e.g. twine-production. */
    readonly identifier: string;
    /** The RDS instance backed up. */
    readonly instanceArn: pulumi.Input<string>;
    /** Days each copy stays in the locked vault; nobody can delete it sooner. Defaults to 35. */
    readonly copyRetentionDays?: number;
    /** Days the daily backup stays in the ordinary vault it is taken into before the copy. Defaults to 7. */
    readonly localRetentionDays?: number;
}

/**
 * A copy of a database's backups that an administrator of its account cannot delete: AWS Backup takes a daily
 * snapshot into an ordinary vault and copies it into a logically air-gapped vault. That vault is always under Vault
 * Lock in compliance mode and kept in an AWS Backup service account, encrypted with an AWS owned key: no principal
 * of this account (root included) can delete a recovery point before its retention ends, delete the vault while
 * it holds one, or delete the key that encrypts it. Restore: docs/operations.md ("Restore the database").
 * Sources: https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html,
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html
 */
export class BackupCopy extends pulumi.ComponentResource {
    /** The locked vault the copies live in. */
    public readonly lockedVault: aws.backup.LogicallyAirGappedVault;
    /** The role AWS Backup uses to back up and to restore (pass it to start-restore-job). */
    public readonly role: aws.iam.Role;

    constructor(name: string, args: BackupCopyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:BackupCopy", name, args, opts);
        const copyRetentionDays = args.copyRetentionDays ?? 35;
        const localRetentionDays = args.localRetentionDays ?? 7;
        const problems = backupCopyProblems({ copyRetentionDays, localRetentionDays });
        if (problems.length > 0) throw new pulumi.ResourceError(`${name}: invalid backup copy:\n - ${problems.join("\n - ")}`, this);
        const parent = { parent: this };

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                assumeRolePolicy: stableJson(backupTrustPolicy()),
                description: `AWS Backup: back up and restore ${args.identifier}`,
            },
            parent,
        );
        const attachments = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"].map(
            policy =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-${policy.replace(/^AWSBackupServiceRolePolicyFor/, "").toLowerCase()}`,
                    { role: this.role.name, policyArn: `arn:aws:iam::aws:policy/service-role/${policy}` },
                    { parent: this.role },
                ),
        );

        // The ordinary vault the daily snapshot lands in; RDS snapshots keep the instance's own key.
        // forceDestroy: a destroy empties it instead of stopping half-way on its recovery points; the locked copies
        // below survive it (retained, and undeletable before their retention ends).
        const vault = new aws.backup.Vault(`${name}-vault`, { name: `${args.identifier}-daily`, forceDestroy: true }, parent);
        // Retained and protected: its recovery points cannot be deleted before their retention anyway, and a
        // destroy must not even try.
        this.lockedVault = new aws.backup.LogicallyAirGappedVault(
            `${name}-locked`,
            { name: `${args.identifier}-locked`, ...lockedVaultRetention(copyRetentionDays) },
            { parent: this, protect: true, retainOnDelete: true },
        );

        const plan = new aws.backup.Plan(
            `${name}-plan`,
            {
                name: `${args.identifier}-daily`,
                rules: [
                    {
                        ruleName: "daily-with-locked-copy",
                        targetVaultName: vault.name,
                        schedule: BACKUP_COPY_SCHEDULE,
                        startWindow: 60,
                        completionWindow: 360,
                        lifecycle: { deleteAfter: localRetentionDays },
                        copyActions: [{ destinationVaultArn: this.lockedVault.arn, lifecycle: { deleteAfter: copyRetentionDays } }],
                    },
                ],
            },
            parent,
        );
        new aws.backup.Selection(
            `${name}-selection`,
            { name: `${args.identifier}-database`, planId: plan.id, iamRoleArn: this.role.arn, resources: [args.instanceArn] },
            { parent: plan, dependsOn: attachments },
        );

        this.registerOutputs({ lockedVaultArn: this.lockedVault.arn, roleArn: this.role.arn });
    }
}
