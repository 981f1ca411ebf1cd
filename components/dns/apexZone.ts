import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONSUMER_ROLES, ConsumerRole, consumerGrants, delegationPolicy } from "./delegationPolicy";
import { accountTrustPolicy, policyDocument, stableJson } from "../account/iamPolicy";
import { readOnlyCounterpartRole } from "../account/readOnlyCounterpart";

export interface ApexZoneArgs {
    /** The apex domain, e.g. twinehr.com. */
    readonly apexDomain: string;
    /** The accounts that write into the zone, each through its own role; prod also names its public names. */
    readonly consumers: Readonly<Record<ConsumerRole, { readonly accountId: string; readonly publicNames?: readonly string[] }>>;
}

/**
 * The apex public zone and, per consumer account, the one role that may write the records it owns there
 * (assumable by that account only), with its read-only counterpart for that account's previews. The zone is
 * protected and kept if removed from code: deleting it would take
 * every Twine name off the Internet.
 */
export class ApexZone extends pulumi.ComponentResource {
    public readonly zone: aws.route53.Zone;
    /** The delegation role ARN per consumer account. */
    public readonly delegationRoleArns: pulumi.Output<Record<ConsumerRole, string>>;

    constructor(name: string, args: ApexZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:ApexZone", name, {}, opts);
        this.zone = new aws.route53.Zone(
            name,
            { name: args.apexDomain, comment: "Twine apex zone, managed by twine-infra (dns stack)", forceDestroy: false },
            { parent: this, protect: true, retainOnDelete: true },
        );
        const arns = {} as Record<ConsumerRole, pulumi.Output<string>>;
        for (const role of CONSUMER_ROLES) {
            const consumer = args.consumers[role];
            const grants = consumerGrants(role, args.apexDomain, consumer.publicNames ?? []);
            const iamRole = new aws.iam.Role(
                `${name}-delegation-${role}`,
                {
                    name: `twine-dns-delegation-${role}`,
                    description: `Lets the ${role} account (${consumer.accountId}) write the ${args.apexDomain} records it owns`,
                    assumeRolePolicy: stableJson(accountTrustPolicy(consumer.accountId)),
                    maxSessionDuration: 3600,
                },
                // Not parented to the zone: that would inherit its protection, and a role must go when its consumer does.
                { parent: this },
            );
            new aws.iam.RolePolicy(
                `${name}-delegation-${role}`,
                { role: iamRole.id, name: "apex-records", policy: this.zone.zoneId.apply(id => stableJson(delegationPolicy(id, grants))) },
                { parent: iamRole },
            );
            // Previews of the consumer's stack assume this instead: it reads the zone and writes nothing.
            readOnlyCounterpartRole(
                `${name}-delegation-${role}-read`,
                {
                    writeRoleName: `twine-dns-delegation-${role}`,
                    consumerAccountId: consumer.accountId,
                    description: `Previews of the ${role} account (${consumer.accountId}): read the ${args.apexDomain} zone`,
                    policy: this.zone.arn.apply(zoneArn =>
                        policyDocument({
                            Sid: "ReadApexZone",
                            Effect: "Allow",
                            Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
                            Resource: zoneArn,
                        }),
                    ),
                },
                { parent: this },
            );
            arns[role] = iamRole.arn;
        }
        this.delegationRoleArns = pulumi.all(arns) as pulumi.Output<Record<ConsumerRole, string>>;
        this.registerOutputs({ zoneId: this.zone.zoneId, delegationRoleArns: this.delegationRoleArns });
    }
}
