/** Operations guardrails: an alarm reaches someone, and a destroy never takes prod's data keys. */
import { Rule, asArray, isFalse, isProd, simpleRule } from "./types";

/** The components whose keys encrypt data at rest and its backups (the URN names a resource's parent types). */
const DATA_COMPONENTS = ["twine:index:Database", "twine:index:Search"];

export const operationsRules: Rule[] = [
    simpleRule(
        {
            name: "cloudwatch-15-alarm-has-action",
            control: "CloudWatch.15",
            area: "logging",
            enforcementLevel: "mandatory",
            description:
                "Every CloudWatch alarm has an action, and its actions are on. Mandatory: an alarm without one " +
                "changes state in a console nobody watches, so nobody is told.",
            resourceTypes: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
        },
        p => isFalse(p.actionsEnabled) || asArray(p.alarmActions).length === 0,
        "give the alarm an alarmActions entry (the environment's topic) and leave actionsEnabled on",
    ),
    simpleRule(
        {
            name: "twine-prod-data-key-retained",
            control: "twine",
            area: "data stores",
            enforcementLevel: "mandatory",
            description:
                "In prod, the keys of the databases and search domains are kept after a destroy (`retainOnDelete`). " +
                "Mandatory: a destroy schedules a key's deletion, and the final snapshot and the retained backups " +
                "it encrypts are lost with it. The policy engine does not report retainOnDelete, so the offline " +
                "plan enforces this rule and a preview passes it.",
            resourceTypes: ["aws:kms/key:Key"],
        },
        (_p, r) => isProd(r) && DATA_COMPONENTS.some(c => r.urn.includes(`${c}$`)) && r.options?.retainOnDelete === false,
        "set `retainOnDelete: true` on this key (with `protect: true`)",
    ),
];
