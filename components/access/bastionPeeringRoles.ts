import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PEERING_READ_ACTIONS, peeringRolePolicy } from "./bastionPeeringPolicy";
import { accountTrustPolicy, policyDocument, stableJson } from "../account/iamPolicy";
import { readOnlyCounterpartRole } from "../account/readOnlyCounterpart";

export type PeerRole = "dev" | "prod";

export interface BastionPeeringRolesArgs {
    readonly region: string;
    /** The bastion account. */
    readonly accountId: string;
    readonly vpcId: pulumi.Input<string>;
    /** The environments that peer, with their accounts and VPC blocks (bastionHost.peers). */
    readonly peers: Readonly<Partial<Record<PeerRole, { readonly accountId: string; readonly cidr: string }>>>;
}

/**
 * One role per peering environment in the bastion account: assumable by that account only, allowed to accept its
 * peering into this VPC and tag it; and its read-only counterpart, which that account's previews assume instead.
 * Routes and egress rules toward it are the bastion stack's (components/access/bastion.ts).
 */
export class BastionPeeringRoles extends pulumi.ComponentResource {
    /** The role ARNs by environment. */
    public readonly arns: pulumi.Output<Partial<Record<PeerRole, string>>>;

    constructor(name: string, args: BastionPeeringRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:BastionPeeringRoles", name, {}, opts);
        const arns: Partial<Record<PeerRole, pulumi.Output<string>>> = {};
        for (const env of ["dev", "prod"] as const) {
            const peer = args.peers[env];
            if (!peer) continue;
            const role = new aws.iam.Role(
                `${name}-${env}`,
                {
                    name: `twine-bastion-peering-${env}`,
                    description: `Lets the ${env} account (${peer.accountId}) peer its VPC ${peer.cidr} with the bastion VPC for SSH`,
                    assumeRolePolicy: stableJson(accountTrustPolicy(peer.accountId)),
                    maxSessionDuration: 3600,
                },
                { parent: this },
            );
            const policy = pulumi
                .output(args.vpcId)
                .apply(vpcId =>
                    stableJson(peeringRolePolicy({ region: args.region, accountId: args.accountId, vpcId, peerAccountId: peer.accountId })),
                );
            new aws.iam.RolePolicy(`${name}-${env}`, { role: role.id, name: "bastion-peering", policy }, { parent: role });
            readOnlyCounterpartRole(
                `${name}-${env}-read`,
                {
                    writeRoleName: `twine-bastion-peering-${env}`,
                    consumerAccountId: peer.accountId,
                    description: `Previews of the ${env} account (${peer.accountId}): describe the bastion's peering, routes, groups`,
                    policy: policyDocument({
                        Sid: "DescribePeeringSide",
                        Effect: "Allow",
                        Action: [...PEERING_READ_ACTIONS],
                        Resource: "*",
                    }),
                },
                { parent: this },
            );
            arns[env] = role.arn;
        }
        this.arns = pulumi.all(arns) as pulumi.Output<Partial<Record<PeerRole, string>>>;
        this.registerOutputs({ arns: this.arns });
    }
}
