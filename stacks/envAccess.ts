import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountProvider } from "../components/account/accountProvider";
import { BastionAccess } from "../components/access/bastionAccess";
import { DelegatedSubzone } from "../components/dns/delegatedSubzone";
import { envSubzoneName } from "../components/dns/delegationPolicy";
import { Network } from "../components/network/network";
import { VpcPeering } from "../components/network/vpcPeering";
import { EnvStackConfig } from "../config";
import { StackContext } from "./context";
import { BastionOutputs, DnsOutputs } from "./outputs";
import { delegationRoleName, peeringRoleName } from "../components/account/roleProfileConfig";

/** What the rest of an environment stack builds on to be reachable by name and over SSH. */
export interface EnvAccess {
    /** The environment's subzone (dev.<apex> / prod.<apex>) in this account; app names go here. */
    readonly subzone: aws.route53.Zone;
    /**
     * Provider for the dns account that assumes this account's delegation role: it may write only the apex records
     * this account owns (the subzone's NS; for prod its public names and their ACM validation CNAMEs).
     */
    readonly dnsProvider: aws.Provider;
    /** The peering with the bastion VPC. */
    readonly peering: VpcPeering;
    /** Admits SSH (22) from the bastion host only; attach it to every host engineers log in to. */
    readonly sshFromBastionSecurityGroupId: pulumi.Output<string>;
}

/**
 * The environment's cross-account wiring: its subzone and the NS delegation in the apex (through the dns role),
 * and its access from the bastion (through the bastion's peering role).
 */
export function buildEnvAccess(ctx: StackContext<EnvStackConfig>, network: Network, dns: DnsOutputs, bastion: BastionOutputs): EnvAccess {
    const { config } = ctx;
    const env = config.accountRole;

    const dnsProvider = accountProvider(`${env}-dns`, {
        accountId: dns.accountId,
        region: config.region,
        tags: ctx.tags,
        roleProfile: delegationRoleName(env),
    });
    const subzone = new DelegatedSubzone(
        `${env}-subzone`,
        {
            name: envSubzoneName(env, dns.zoneName),
            comment: `Twine ${env} subzone, delegated from ${dns.zoneName} (twine-infra ${env} stack)`,
            apexZoneId: dns.zoneId,
            apexProvider: dnsProvider,
            // Every production name hangs off prod's subzone: protected there, like the apex.
            protect: env === "prod",
        },
        { provider: ctx.provider },
    );

    const peeringRoleArn = bastion.peeringRoleArns[env];
    if (!peeringRoleArn) {
        // The cross-stack check refuses this earlier with the config fix; this guards the types.
        throw new Error(`the bastion stack exports no peering role for ${env}`);
    }
    const bastionProvider = accountProvider(`${env}-bastion-peering`, {
        accountId: bastion.accountId,
        region: bastion.region,
        tags: ctx.tags,
        roleProfile: peeringRoleName(env),
    });
    const access = new BastionAccess(
        `${env}-bastion`,
        {
            environment: env,
            vpcId: network.vpcId,
            vpcCidr: config.network.cidr,
            region: config.region,
            // Private (app) and data tables: hosts there are reached from the bastion, DB admin tunnels included.
            routeTableIds: [...network.private.routeTables, ...network.data.routeTables].map(t => t.id),
            bastion: {
                accountId: bastion.accountId,
                region: bastion.region,
                vpcId: bastion.vpcId,
                vpcCidr: bastion.vpcCidr,
                publicRouteTableIds: bastion.publicRouteTableIds,
                securityGroupId: bastion.bastionSecurityGroupId,
                privateIp: bastion.bastionPrivateIp,
                hostName: bastion.bastionHostName,
            },
            bastionProvider,
        },
        { provider: ctx.provider },
    );

    return {
        subzone: subzone.zone,
        dnsProvider,
        peering: access.peering,
        sshFromBastionSecurityGroupId: access.sshFromBastion.id,
    };
}
