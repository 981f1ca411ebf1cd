/**
 * The building blocks every config section shares: the project and account roles, the message form, and the
 * schemas of account ids, CIDRs, domain names, stack names and log retentions. A leaf: it imports nothing from
 * config/, so every section can import it and config/schema.ts only composes the sections.
 *
 * Messages follow one form, so the loader can print them uniformly: "<why>. Fix: <what to do>".
 */
import { z } from "zod";
import { parseCidr } from "../components/network/cidr";

/** Stands in for a `secure:` config value in the offline plan, which never holds (or needs) its cleartext. */
export const SECRET_PLACEHOLDER = "[secret]";

export const PROJECT = "twine-infra";
export const ACCOUNT_ROLES = ["dns", "bastion", "dev", "prod"] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];
/** The account roles that host environments. */
export type EnvRole = "dev" | "prod";

/** Builds a message in the common "<why>. Fix: <fix>" form. */
export function problem(why: string, fix: string): string {
    return `${why}. Fix: ${fix}`;
}

/** "a digit is missing", "3 digits are missing", "one digit too many": how far a digit string is from 12. */
function lengthMismatch(length: number): string {
    if (length < 12) return `${12 - length === 1 ? "a digit is" : `${12 - length} digits are`} missing`;
    return `${length - 12 === 1 ? "one digit" : `${length - 12} digits`} too many`;
}

export const accountIdSchema = z
    .string()
    .superRefine((value, ctx) => {
        if (/^\d{12}$/.test(value)) return;
        const copy = "copy the id from the account (aws sts get-caller-identity --query Account), quoted";
        const digits = value.replace(/\D/g, "");
        const why = !/^\d+$/.test(value)
            ? `an AWS account id is exactly 12 digits, with nothing else${digits.length === 12 ? " (no dashes or spaces)" : ""}`
            : `an AWS account id is exactly 12 digits, and this has ${value.length}: ${lengthMismatch(value.length)}`;
        ctx.addIssue({ code: "custom", message: problem(why, digits.length === 12 ? `write the 12 digits alone, "${digits}"` : copy) });
    })
    .describe("12-digit AWS account id.");

export const cidrSchema = z.string().superRefine((value, ctx) => {
    const parsed = parseCidr(value);
    if (typeof parsed === "string") {
        ctx.addIssue({ code: "custom", message: problem(parsed, "write a network address such as 10.20.0.0/16") });
    }
});

/** A CIDR that admits SSH or another sensitive port: never the whole Internet. */
export const restrictedCidrSchema = cidrSchema.superRefine((value, ctx) => {
    const parsed = parseCidr(value);
    if (typeof parsed !== "string" && parsed.prefix === 0) {
        ctx.addIssue({
            code: "custom",
            message: problem(
                `${value} opens the port to the whole Internet`,
                "list the office or VPN ranges that need access, e.g. 203.0.113.0/24",
            ),
        });
    }
});

const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const domainSchema = z
    .string()
    .regex(hostnamePattern, problem("not a lower-case DNS name", "write a name such as twinehr.com, without a trailing dot"));

/** "org/project/stack", the fully qualified name a StackReference needs. */
export const stackNameSchema = z
    .string()
    .regex(
        /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
        problem("a stack reference must be fully qualified", "write organization/project/stack, e.g. acme/twine-infra/bastion"),
    );

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const logRetentionSchema = z
    .number()
    .int()
    .refine(
        (d: number) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        problem("CloudWatch Logs does not offer that retention", `use one of ${LOG_RETENTION_DAYS.join(", ")}`),
    );
