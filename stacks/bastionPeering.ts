import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Bastion } from "../components/bastion";
import { PEERING_READ_ACTIONS, peeringRolePolicy } from "../components/bastionPeering";
import { accountTrustPolicy, policyDocument, stableJson } from "../components/iam";
import { readOnlyCounterpartRole } from "../components/readOnlyCounterpart";
import { Network } from "../components/network";
import { BastionStackConfig } from "../config";
import { StackContext } from "./context";

export type PeerRole = "dev" | "prod";

/**
 * One peering role per environment listed in bastionHost.peers: assumable by that account only, allowed to accept
 * its peering into this VPC, route its block in the bastion's (public) route tables and open the bastion's SSH
 * egress. Returns the role ARNs by environment.
 */
export function peeringRoles(ctx: StackContext<BastionStackConfig>, network: Network, bastion: Bastion): pulumi.Output<Partial<Record<PeerRole, string>>> {
    const { config } = ctx;
    const arns: Partial<Record<PeerRole, pulumi.Output<string>>> = {};
    for (const env of ["dev", "prod"] as const) {
        const peer = config.bastionHost.peers[env];
        if (!peer) continue;
        const role = new aws.iam.Role(
            `peering-${env}`,
            {
                name: `twine-bastion-peering-${env}`,
                description: `Lets the ${env} account (${peer.accountId}) peer its VPC ${peer.cidr} with the bastion VPC for SSH`,
                assumeRolePolicy: stableJson(accountTrustPolicy(peer.accountId)),
                maxSessionDuration: 3600,
            },
            { provider: ctx.provider },
        );
        const policy = pulumi
            .all([network.vpcId, network.routeTableIds("public"), bastion.securityGroup.id])
            .apply(([vpcId, routeTableIds, securityGroupId]) =>
                stableJson(peeringRolePolicy({ region: config.region, accountId: config.accountId, vpcId, peerAccountId: peer.accountId, routeTableIds, securityGroupId })),
            );
        new aws.iam.RolePolicy(`peering-${env}`, { role: role.id, name: "bastion-peering", policy }, { provider: ctx.provider, parent: role });
        readOnlyCounterpartRole(
            `peering-${env}-read`,
            {
                writeRoleName: `twine-bastion-peering-${env}`,
                consumerAccountId: peer.accountId,
                description: `Previews of the ${env} account (${peer.accountId}): describe the bastion VPC's peering, routes and groups`,
                policy: policyDocument({ Sid: "DescribePeeringSide", Effect: "Allow", Action: [...PEERING_READ_ACTIONS], Resource: "*" }),
            },
            { provider: ctx.provider },
        );
        arns[env] = role.arn;
    }
    return pulumi.all(arns) as pulumi.Output<Partial<Record<PeerRole, string>>>;
}
