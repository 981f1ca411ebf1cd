import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONSUMER_ROLES, ConsumerRole, consumerGrants, delegationPolicy } from "../components/dnsDelegation";
import { accountTrustPolicy, policyDocument, stableJson } from "../components/iam";
import { readOnlyCounterpartRole } from "../components/readOnlyCounterpart";
import { DnsStackConfig } from "../config";
import { StackContext } from "./context";

/**
 * One role per consumer account in the dns account: assumable by that account only, allowed to change only the
 * apex records it owns. Returns the role ARNs by consumer.
 */
export function delegationRoles(ctx: StackContext<DnsStackConfig>, zone: aws.route53.Zone): pulumi.Output<Record<ConsumerRole, string>> {
    const { config } = ctx;
    const arns = {} as Record<ConsumerRole, pulumi.Output<string>>;
    for (const role of CONSUMER_ROLES) {
        const consumer = config.delegation[role];
        const grants = consumerGrants(role, config.dns.apexDomain, role === "prod" ? config.delegation.prod.publicNames : []);
        const iamRole = new aws.iam.Role(
            `delegation-${role}`,
            {
                name: `twine-dns-delegation-${role}`,
                description: `Lets the ${role} account (${consumer.accountId}) write the ${config.dns.apexDomain} records it owns`,
                assumeRolePolicy: stableJson(accountTrustPolicy(consumer.accountId)),
                maxSessionDuration: 3600,
            },
            // Not parented to the zone: that would inherit its protection, and a role must go when its consumer does.
            { provider: ctx.provider },
        );
        new aws.iam.RolePolicy(
            `delegation-${role}`,
            { role: iamRole.id, name: "apex-records", policy: zone.zoneId.apply(id => stableJson(delegationPolicy(id, grants))) },
            { provider: ctx.provider, parent: iamRole },
        );
        // Previews of the consumer's stack assume this instead: it reads the zone and writes nothing.
        readOnlyCounterpartRole(
            `delegation-${role}-read`,
            {
                writeRoleName: `twine-dns-delegation-${role}`,
                consumerAccountId: consumer.accountId,
                description: `Previews of the ${role} account (${consumer.accountId}): read the ${config.dns.apexDomain} zone`,
                policy: zone.arn.apply(zoneArn =>
                    policyDocument({ Sid: "ReadApexZone", Effect: "Allow", Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"], Resource: zoneArn }),
                ),
            },
            { provider: ctx.provider },
        );
        arns[role] = iamRole.arn;
    }
    return pulumi.all(arns) as pulumi.Output<Record<ConsumerRole, string>>;
}
