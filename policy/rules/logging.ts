/** Logging and detection guardrails: CloudTrail, KMS, Access Analyzer, GuardDuty, log retention. */
import { Rule, isFalse, isProd, isTrue, simpleRule } from "./types";

const TRAIL = "aws:cloudtrail/trail:Trail";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const BASELINE = "twine:index:AccountBaseline";

export const loggingRules: Rule[] = [
    {
        name: "cloudtrail-1-multi-region-trail",
        control: "CloudTrail.1",
        area: "logging",
        enforcementLevel: "mandatory",
        description:
            "Every stack has a multi-region trail that logs global service events and is on (the account " +
            "baseline), or names the organization trail that logs its account (baseline.organizationTrailArn). " +
            "Mandatory: without it, nobody can say who changed what in the account.",
        kind: "stack",
        check(resources) {
            // A stack whose baseline names the organization's trail (baseline.organizationTrailArn) creates none. Only
            // a trail of another account counts: one of the stack's own account is no organization trail, and
            // anybody there can stop it (config refuses it too; the pack is the gate a changed program still meets).
            const adopted = resources.filter(r => r.type === BASELINE && typeof r.props?.organizationTrailArn === "string");
            const ownAccount = adopted.filter(r => String(r.props.organizationTrailArn).split(":")[4] === String(r.props?.accountId));
            if (adopted.length > 0 && ownAccount.length === 0) return [];
            const trails = resources.filter(r => r.type === TRAIL);
            const good = trails.filter(
                t =>
                    isTrue(t.props?.isMultiRegionTrail) &&
                    !isFalse(t.props?.includeGlobalServiceEvents) &&
                    !isFalse(t.props?.enableLogging),
            );
            return good.length > 0
                ? []
                : [
                      {
                          urn: trails[0]?.urn,
                          message: "no multi-region CloudTrail trail with global service events and logging on; create the AccountBaseline",
                      },
                  ];
        },
    },
    simpleRule(
        {
            name: "cloudtrail-2-kms-encrypted",
            control: "CloudTrail.2",
            area: "logging",
            enforcementLevel: "mandatory",
            description:
                "Trails encrypt log files with a KMS key. Mandatory: reading the audit log then needs both bucket and key permissions.",
            resourceTypes: [TRAIL],
        },
        p => !p.kmsKeyId,
        "kmsKeyId must be set",
    ),
    simpleRule(
        {
            name: "cloudtrail-4-log-file-validation",
            control: "CloudTrail.4",
            area: "logging",
            enforcementLevel: "mandatory",
            description:
                "Trails validate log files (signed digests). Mandatory: an attacker who reaches the bucket must " +
                "not be able to edit history unnoticed.",
            resourceTypes: [TRAIL],
        },
        p => !isTrue(p.enableLogFileValidation),
        "enableLogFileValidation must be true",
    ),
    simpleRule(
        {
            name: "cloudtrail-5-cloudwatch-logs",
            control: "CloudTrail.5",
            area: "logging",
            enforcementLevel: "advisory",
            description:
                "Trails also deliver to CloudWatch Logs for alarms. Advisory: it enables CIS metric alarms, at " +
                "a cost per account; S3 delivery is the record.",
            resourceTypes: [TRAIL],
        },
        p => !p.cloudWatchLogsGroupArn,
        "cloudWatchLogsGroupArn is not set",
    ),
    simpleRule(
        {
            name: "kms-4-key-rotation",
            control: "KMS.4",
            area: "logging",
            enforcementLevel: "mandatory",
            description:
                "Symmetric customer-managed keys rotate yearly. Mandatory: it costs nothing and limits what one " +
                "leaked key version can open.",
            resourceTypes: ["aws:kms/key:Key"],
        },
        p =>
            (p.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT" &&
            (p.keyUsage ?? "ENCRYPT_DECRYPT") === "ENCRYPT_DECRYPT" &&
            !isTrue(p.enableKeyRotation),
        "enableKeyRotation must be true",
    ),
    simpleRule(
        {
            name: "twine-kms-deletion-window",
            control: "twine",
            area: "logging",
            enforcementLevel: "advisory",
            description:
                "Keys wait at least 14 days before deletion. Advisory: a longer window leaves time to notice, " +
                "but the 7-day minimum is still recoverable.",
            resourceTypes: ["aws:kms/key:Key"],
        },
        p => p.deletionWindowInDays !== undefined && Number(p.deletionWindowInDays) < 14,
        p => `deletionWindowInDays is ${p.deletionWindowInDays}; use 14 or more`,
    ),
    {
        name: "iam-28-access-analyzer",
        control: "IAM.28",
        area: "iam",
        enforcementLevel: "mandatory",
        description:
            "Every stack runs an IAM Access Analyzer for external access (the account baseline). Mandatory: " +
            "it reports any role, bucket or key shared outside the account.",
        kind: "stack",
        check(resources) {
            const ok = resources.some(
                r => r.type === "aws:accessanalyzer/analyzer:Analyzer" && ["ACCOUNT", "ORGANIZATION", undefined].includes(r.props?.type),
            );
            return ok ? [] : [{ message: "no external-access IAM Access Analyzer; create the AccountBaseline" }];
        },
    },
    {
        name: "guardduty-1-enabled",
        control: "GuardDuty.1",
        area: "logging",
        enforcementLevel: "mandatory",
        description:
            "Prod runs GuardDuty, and no stack declares a disabled detector. Mandatory: prod is where an " +
            "attacker would go; other accounts enable it through baseline.guardDuty.",
        kind: "stack",
        check(resources) {
            const detectors = resources.filter(r => r.type === "aws:guardduty/detector:Detector");
            const disabled = detectors
                .filter(d => isFalse(d.props?.enable))
                .map(d => ({ urn: d.urn, message: "the GuardDuty detector is disabled" }));
            const prod = resources.some(r => r.type.startsWith("aws:") && isProd(r));
            // An adopted detector (baseline.guardDutyDetectorId, often the organization's) counts as enabled.
            const adopted = resources.some(r => r.type === BASELINE && typeof r.props?.guardDutyDetectorId === "string");
            const enabled = adopted || detectors.some(d => !isFalse(d.props?.enable));
            return prod && !enabled
                ? [...disabled, { message: "prod has no enabled GuardDuty detector; set baseline.guardDuty: true" }]
                : disabled;
        },
    },
    simpleRule(
        {
            name: "twine-log-group-retention",
            control: "twine",
            area: "logging",
            enforcementLevel: "mandatory",
            description:
                "Log groups set a retention period. Mandatory: logs of an HR application hold personal data, " +
                "which must not be kept forever (GDPR), and never-expiring logs grow cost without bound.",
            resourceTypes: [LOG_GROUP],
        },
        p => p.retentionInDays === undefined || Number(p.retentionInDays) === 0,
        "retentionInDays must be set",
    ),
    simpleRule(
        {
            name: "cloudwatch-16-prod-retention-one-year",
            control: "CloudWatch.16",
            area: "logging",
            enforcementLevel: "advisory",
            description:
                "Prod log groups keep logs at least a year. Advisory: right for audit-relevant logs, too long for noisy debug logs.",
            resourceTypes: [LOG_GROUP],
        },
        (p, r) => isProd(r) && p.retentionInDays !== undefined && Number(p.retentionInDays) < 365,
        p => `retentionInDays is ${p.retentionInDays}; prod keeps 365 or more`,
    ),
];
