/** Structural guardrails of this design: pinned providers, explicit providers. */
import { Rule, asArray, asJson } from "./types";

export const structureRules: Rule[] = [
    {
        name: "twine-provider-pinned-account",
        settings: ["accounts"],
        control: "twine",
        area: "structure",
        enforcementLevel: "mandatory",
        description:
            "Every AWS provider pins allowedAccountIds to exactly one account (of the pack setting " +
            "accounts, when given). Mandatory: a stack must never touch an account it was not meant for, " +
            "whatever credentials it runs with.",
        kind: "resource",
        resourceTypes: ["pulumi:providers:aws"],
        check(r, ctx) {
            const allowed = asArray<string>(asJson(r.props?.allowedAccountIds));
            if (allowed.length !== 1 || !/^\d{12}$/.test(String(allowed[0])))
                return [`allowedAccountIds is ${JSON.stringify(allowed)}; pin exactly one account`];
            const known = ctx.settings.accounts;
            return known && known.length > 0 && !known.includes(String(allowed[0]))
                ? [`pinned to ${allowed[0]}, which is not one of the known accounts`]
                : [];
        },
    },
    {
        name: "twine-explicit-provider",
        control: "twine",
        area: "structure",
        enforcementLevel: "mandatory",
        description:
            "Every AWS resource uses an explicit provider (this program's, pinned), never the default one. " +
            "Mandatory: the default provider reads ambient credentials and region and pins no account.",
        kind: "resource",
        resourceTypes: ["aws:*"],
        check(r) {
            if (!r.provider) return ["the resource has no provider; pass { provider } (or a parent that has one)"];
            return /::default(_\d+_\d+_\d+)?$/.test(r.provider.urn) || r.provider.name.startsWith("default")
                ? [`uses the default provider ${r.provider.name}`]
                : [];
        },
    },
];
