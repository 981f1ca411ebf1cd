/**
 * The account baseline section (`twine-infra:baseline`), valid in every stack: the account-wide guardrails the
 * AccountBaseline component sets up. Everything is on by default; only what costs money per account is a choice.
 */
import { z } from "zod";
import type { AccountBaselineSettings } from "../components/account/accountBaseline";
import { AccountRole, problem } from "./primitives";

export const baselineSchema = z
    .strictObject({
        guardDuty: z
            .boolean()
            .optional()
            .describe(
                "Enable a GuardDuty detector in the account. Defaults to true in prod and bastion (the " +
                    "Internet-facing accounts), false in dns and dev.",
            ),
        trailRetentionDays: z
            .number()
            .int()
            .min(90)
            .max(3653)
            .optional()
            .describe(
                "Days the CloudTrail bucket keeps log files before they expire; 90 to 3653. Defaults to 365 " +
                    "(CIS keeps a year); prod must keep at least 365.",
            ),
    })
    .describe("Account baseline: EBS encryption by default, S3 account public access block, CloudTrail, Access Analyzer, GuardDuty.");

export type BaselineConfigInput = z.output<typeof baselineSchema>;

/** The baseline section with every default applied: the AccountBaseline settings. */
export type BaselineConfig = AccountBaselineSettings;

export function withBaselineDefaults(role: AccountRole, input: BaselineConfigInput | undefined): BaselineConfig {
    return {
        guardDuty: input?.guardDuty ?? (role === "prod" || role === "bastion"),
        trailRetentionDays: input?.trailRetentionDays ?? 365,
    };
}

export const PROD_MIN_TRAIL_RETENTION_DAYS = 365;

/** Cross-field rule: production audit logs are kept at least a year (CIS, and what an auditor asks for). */
export function checkBaseline(role: AccountRole, baseline: BaselineConfigInput | undefined, ctx: z.RefinementCtx): void {
    const days = baseline?.trailRetentionDays;
    if (role === "prod" && days !== undefined && days < PROD_MIN_TRAIL_RETENTION_DAYS) {
        ctx.addIssue({
            code: "custom",
            path: ["baseline", "trailRetentionDays"],
            input: days,
            message: problem(
                `production audit logs must be kept at least ${PROD_MIN_TRAIL_RETENTION_DAYS} days`,
                `set baseline.trailRetentionDays to ${PROD_MIN_TRAIL_RETENTION_DAYS} or more, or remove it`,
            ),
        });
    }
}
