import {
    bastionEgressRules,
    forwardsByUser,
    hostEnforcedPeers,
    hostLogins,
    peerAccessList,
    tunnelTargets,
} from "../components/access/accessGrantsConfig";
import { Bastion } from "../components/access/bastion";
import { bastionHostName } from "../components/dns/delegationPolicy";
import { pinnedUbuntuAmiId, ubuntuLtsAmiId } from "../components/access/ubuntuAmi";
import { BastionStackConfig } from "../config";
import { BastionPeeringRoles } from "../components/access/bastionPeeringRoles";
import { accountBaseline, stackContext, networkOutputs, newNetwork } from "./context";
import { BastionOutputs, Exported, dnsOutputsSchema } from "./outputs";
import { accountProvider } from "../components/account/accountProvider";
import { delegationRoleName } from "../components/account/roleProfileConfig";
import { readUpstream } from "./upstream";
import { readPeerRoutings } from "./peerOutputs";
import { deploymentPreviews } from "./deployments";
import { accountAlerts } from "./operations";

/** The bastion account: a small VPC holding the one SSH entry point to dev and prod. */
export async function buildBastionStack(config: BastionStackConfig, stack: string): Promise<Exported<BastionOutputs>> {
    const dns = await readUpstream("dns", config.stacks.dns, dnsOutputsSchema);
    // Each environment's peering and data subnets, from its own stack's outputs (why not copied or looked up: peerOutputs.ts).
    const routings = await readPeerRoutings(config.bastionHost.peers);
    const ctx = stackContext(config, stack);
    // A pin that is not Canonical's Ubuntu 24.04 amd64 fails here, before anything else is declared.
    const pinnedAmi = config.bastionHost.amiId
        ? await pinnedUbuntuAmiId("bastionHost.amiId", config.bastionHost.amiId, config.region, { provider: ctx.provider })
        : undefined;
    accountBaseline(ctx);
    accountAlerts(ctx);
    const network = newNetwork(ctx);

    // Writes bastion.<apex> into the apex zone, as the dns account's role for this account and nothing more.
    const dnsProvider = accountProvider("bastion-dns", {
        accountId: dns.accountId,
        region: config.region,
        tags: ctx.tags,
        roleProfile: delegationRoleName("bastion"),
    });
    const hostName = bastionHostName(dns.zoneName);
    const { bastionHost } = config;
    // The grants' peers, with the data subnets each environment exports (none before its first deploy: no tunnel).
    const peerAccess = peerAccessList(
        Object.fromEntries(
            Object.entries(bastionHost.peers).flatMap(([role, p]) => {
                const routing = routings[role as "dev" | "prod"];
                return p ? [[role, { ...p, dataSubnetCidrs: routing?.ready ? routing.dataSubnetCidrs : [] }]] : [];
            }),
        ),
    );
    const bastion = new Bastion(
        "bastion",
        {
            vpcId: network.vpcId,
            subnetId: network.public.subnets[0].id,
            subnetCidr: network.subnetPlan.tiers[0].subnets[0],
            amiId: pinnedAmi ?? ubuntuLtsAmiId({ provider: ctx.provider }),
            instanceType: bastionHost.instanceType,
            sshAllowedCidrs: bastionHost.sshAllowedCidrs,
            users: bastionHost.users,
            // The host's own layer admits tunnels to each VPC block, known at the first deploy; the security group
            // narrows them to the data subnets the environments export, so their outputs never change the user data.
            forwards: forwardsByUser(bastionHost.users, hostEnforcedPeers(peerAccess)),
            egress: bastionEgressRules(bastionHost.users, peerAccess),
            routeTableIds: [...new Set(network.public.routeTables)].map(t => t.id),
            peerRoutes: Object.entries(bastionHost.peers).flatMap(([peer, p]) => {
                const routing = routings[peer as "dev" | "prod"];
                return p && routing?.ready ? [{ peer, cidr: p.cidr, peeringConnectionId: routing.peeringConnectionId }] : [];
            }),
            hostName,
            logRetentionDays: bastionHost.logRetentionDays,
            region: config.region,
            accountId: config.accountId,
            dnsRecord: { zoneId: dns.zoneId, provider: dnsProvider },
        },
        // The Elastic IP needs the VPC's Internet gateway attached first; waiting for the whole Network ensures it.
        { provider: ctx.provider, dependsOn: [network] },
    );

    deploymentPreviews(ctx, [dns.delegationRoleArns.bastion]);
    return {
        accountId: config.accountId,
        region: config.region,
        ...networkOutputs(network),
        bastionHostName: hostName,
        bastionPublicIp: bastion.publicIp,
        bastionPrivateIp: bastion.privateIp,
        bastionSecurityGroupId: bastion.securityGroup.id,
        peeringRoleArns: new BastionPeeringRoles(
            "peering",
            {
                region: config.region,
                accountId: config.accountId,
                vpcId: network.vpcId,
                peers: bastionHost.peers,
            },
            { provider: ctx.provider },
        ).arns,
        // Who may log in on each target's boxes, with their keys (public); the boxes' user data renders them.
        access: Object.fromEntries(
            peerAccessList(bastionHost.peers).map(peer => [
                peer.name,
                Object.fromEntries(Object.entries(peer.targets).map(([target, grant]) => [target, hostLogins(bastionHost.users, grant)])),
            ]),
        ),
        // Each environment stack admits the bastion on these environments' databases only.
        tunnelTargets: tunnelTargets(peerAccessList(bastionHost.peers)),
        // The contract's peers are accounts and blocks.
        peers: Object.fromEntries(
            Object.entries(bastionHost.peers).flatMap(([role, p]) => (p ? [[role, { accountId: p.accountId, cidr: p.cidr }]] : [])),
        ),
    };
}
