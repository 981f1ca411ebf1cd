/**
 * The account baseline section (`twine-infra:baseline`), valid in every stack: the account-wide guardrails the
 * AccountBaseline component sets up. Everything is on by default; only what costs money per account is a choice.
 */
import { z } from "zod";
import { GUARDDUTY_FEATURES, type AccountBaselineSettings } from "../components/account/accountBaseline";
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
        guardDutyDetectorId: z
            .string()
            .regex(/^[0-9a-f]{32}$/, "not a GuardDuty detector id (32 hex digits)")
            .optional()
            .describe(
                "An existing GuardDuty detector of this account and Region to adopt (one per account and Region; an " +
                    "organization's delegated administrator often creates it): the stack creates none and leaves its " +
                    "protection plans to its owner. `npx twine-infra doctor <stack>` prints it. Conflicts with guardDuty: false.",
            ),
        guardDutyFeatures: z
            .partialRecord(z.enum(GUARDDUTY_FEATURES), z.boolean())
            .optional()
            .describe(
                "GuardDuty's optional protection plans, each on (true) or off (false), for the detector the stack creates: " +
                    `${GUARDDUTY_FEATURES.join(", ")}. Defaults to all off: a new detector would otherwise turn every one ` +
                    "on, each billed separately. The foundational sources (CloudTrail, VPC flow logs, DNS) are always on.",
            ),
        organizationTrailArn: z
            .string()
            .regex(/^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]+$/, "not a CloudTrail trail ARN")
            .optional()
            .describe(
                "ARN of an organization (or Control Tower) trail that already logs this account, in another account (its " +
                    "management account): the stack then creates no trail of its own, nor its key and bucket (a second trail " +
                    "of the same events is billed as a copy); one it made before is kept, for you to delete once checked. " +
                    "Defaults to none: the stack creates a multi-region trail. Conflicts with trailRetentionDays.",
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
    // Rules between the section's own keys, valid in every role.
    .superRefine((baseline, ctx) => {
        if (baseline.guardDutyDetectorId && baseline.guardDuty === false) {
            ctx.addIssue({
                code: "custom",
                path: ["guardDutyDetectorId"],
                input: baseline.guardDutyDetectorId,
                message: problem("an adopted detector runs GuardDuty, which guardDuty: false says is off", "remove one of the two"),
            });
        }
        if (baseline.organizationTrailArn && baseline.trailRetentionDays !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["trailRetentionDays"],
                input: baseline.trailRetentionDays,
                message: problem(
                    "the organization trail's bucket keeps its logs; this stack creates no trail bucket to expire",
                    "remove trailRetentionDays, or organizationTrailArn to create the account's own trail",
                ),
            });
        }
    })
    .describe("Account baseline: EBS encryption by default, S3 account public access block, CloudTrail, Access Analyzer, GuardDuty.");

export type BaselineConfigInput = z.output<typeof baselineSchema>;

/** The baseline section with every default applied: the AccountBaseline settings. */
export type BaselineConfig = AccountBaselineSettings;

export function withBaselineDefaults(role: AccountRole, input: BaselineConfigInput | undefined): BaselineConfig {
    return {
        guardDuty: input?.guardDuty ?? (role === "prod" || role === "bastion"),
        trailRetentionDays: input?.trailRetentionDays ?? 365,
        // Every optional plan off unless chosen: CreateDetector turns on each one not named.
        guardDutyFeatures: Object.fromEntries(GUARDDUTY_FEATURES.map(f => [f, input?.guardDutyFeatures?.[f] ?? false])) as Record<
            (typeof GUARDDUTY_FEATURES)[number],
            boolean
        >,
        ...(input?.guardDutyDetectorId ? { guardDutyDetectorId: input.guardDutyDetectorId } : {}),
        ...(input?.organizationTrailArn ? { organizationTrailArn: input.organizationTrailArn } : {}),
    };
}

export const PROD_MIN_TRAIL_RETENTION_DAYS = 365;

/** The account a trail ARN lives in. */
const trailAccount = (arn: string) => arn.split(":")[4];

/**
 * Cross-field rules: production audit logs are kept at least a year (CIS, and what an auditor asks for); an
 * organization trail lives outside the stack's account. An organization's (or Control Tower's) trail is made in
 * its management account and shows in member accounts under that account's ARN; a trail of this account is one
 * anybody here can stop or delete, no replacement for the stack's own (which naming it would delete).
 */
export function checkBaseline(role: AccountRole, accountId: string, baseline: BaselineConfigInput | undefined, ctx: z.RefinementCtx): void {
    const orgTrail = baseline?.organizationTrailArn;
    if (orgTrail && trailAccount(orgTrail) === accountId) {
        ctx.addIssue({
            code: "custom",
            path: ["baseline", "organizationTrailArn"],
            input: orgTrail,
            message: problem(
                `the trail is in this stack's own account (${accountId}), so it is no organization trail: anybody here can stop it`,
                "name the organization (or Control Tower) trail, whose ARN carries the management account, or remove the key",
            ),
        });
    }
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
