/**
 * The dns account's `delegation` section: which accounts may write into the apex zone, and which names each owns.
 * The names themselves follow fixed rules (see components/dns/delegationPolicy.ts): the bastion owns `bastion.<apex>`,
 * each environment its subzone `<env>.<apex>`; prod also owns the public names listed here.
 */
import { z } from "zod";
import { reservedNames } from "../components/dns/delegationPolicy";
import { accountIdSchema, domainSchema, problem } from "./primitives";

export const dnsSchema = z
    .strictObject({
        apexDomain: domainSchema.describe("The apex public zone this account owns, e.g. twinehr.com. Required."),
    })
    .describe("The apex zone (dns account only).");

const consumerSchema = z.strictObject({
    accountId: accountIdSchema.describe("The consumer account; only it may assume its delegation role. Required."),
});

export const dnsDelegationSchema = z
    .strictObject({
        bastion: consumerSchema.describe("The bastion account, which writes bastion.<apex> (A). Required."),
        dev: consumerSchema.describe("The dev account, which writes the NS delegation of dev.<apex>. Required."),
        prod: consumerSchema
            .extend({
                publicNames: z
                    .array(domainSchema)
                    .default([])
                    .describe(
                        "Names in the apex zone that prod serves (A/AAAA alias records, e.g. app.twinehr.com), each with its " +
                            "ACM validation records (_*.<name>, CNAME). Defaults to none.",
                    ),
            })
            .describe("The prod account, which writes the NS delegation of prod.<apex> and its public names. Required."),
    })
    .describe("Accounts that write records into the apex zone, each through its own narrow role (dns account only).");

export type DnsDelegationConfig = z.output<typeof dnsDelegationSchema>;

/** Prod's public names must sit in the apex zone, outside the names the bastion and the subzones own, once each. */
export function checkDnsDelegation(value: { dns: { apexDomain: string }; delegation: DnsDelegationConfig }, ctx: z.RefinementCtx): void {
    const apex = value.dns.apexDomain;
    const reserved = Object.entries(reservedNames(apex));
    value.delegation.prod.publicNames.forEach((name, i) => {
        const path = ["delegation", "prod", "publicNames", i];
        const owner = reserved.find(([, r]) => name === r || name.endsWith(`.${r}`));
        if (name === apex) {
            // Its validation grant would be _*.<apex>: a CNAME under every underscore label of the zone (_dmarc, the
            // other accounts' ACM validations), and A/AAAA on the apex itself.
            ctx.addIssue({
                code: "custom",
                path,
                input: name,
                message: problem(
                    `the apex ${apex} itself cannot be a prod public name: its validation records _*.${apex} would let prod ` +
                        `write any _-name of the zone`,
                    `serve prod from a name under the apex, e.g. app.${apex}`,
                ),
            });
        } else if (!name.endsWith(`.${apex}`)) {
            ctx.addIssue({
                code: "custom",
                path,
                input: name,
                message: problem(`not in the apex zone ${apex}`, `use a name ending in .${apex}`),
            });
        } else if (owner) {
            ctx.addIssue({
                code: "custom",
                path,
                input: name,
                message: problem(
                    `${owner[1]} belongs to the ${owner[0]} account`,
                    `serve ${owner[0]} names from its own ${owner[0] === "bastion" ? "record" : "subzone"}, or pick another name`,
                ),
            });
        } else if (value.delegation.prod.publicNames.indexOf(name) !== i) {
            ctx.addIssue({ code: "custom", path, input: name, message: problem("listed twice", "remove the duplicate") });
        }
    });
}
