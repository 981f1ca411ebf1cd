import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { envSubzoneName } from "../components/dnsDelegation";
import { Network } from "../components/network";
import { VpcPeering } from "../components/vpcPeering";
import { EnvStackConfig } from "../config";
import { StackContext } from "./context";
import { BastionOutputs, DnsOutputs } from "./outputs";
import { accountProvider } from "./providers";
import { crossAccountProfile } from "./roleProfiles";

const SSH = { ipProtocol: "tcp", fromPort: 22, toPort: 22 } as const;

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
    /** Opens the bastion's egress on the given database ports to this VPC's data subnets (admin tunnels). */
    readonly allowDatabaseTunnels: (ports: readonly number[]) => void;
    /** Opens the bastion's egress on one port to a block of this VPC, for an engineer's tunnel. */
    readonly allowBastionTunnel: (purpose: string, port: number, cidr: pulumi.Input<string>) => aws.vpc.SecurityGroupEgressRule;
    /** Admits SSH (22) from the bastion host only; attach it to every host engineers log in to. */
    readonly sshFromBastionSecurityGroupId: pulumi.Output<string>;
}

/**
 * The environment's cross-account wiring: its subzone and the NS delegation in the apex (through the dns role);
 * the peering with the bastion VPC (accepted, routed and opened on the bastion side through the bastion's peering
 * role); and the security group that lets the bastion, and only the bastion, reach port 22 here.
 */
export function buildEnvAccess(ctx: StackContext<EnvStackConfig>, network: Network, dns: DnsOutputs, bastion: BastionOutputs): EnvAccess {
    const { config } = ctx;
    const env = config.accountRole;

    const dnsProvider = accountProvider(`${env}-dns`, {
        accountId: dns.accountId,
        region: config.region,
        tags: ctx.tags,
        roleProfile: crossAccountProfile(ctx, dns.delegationRoleArns[env], `twine-infra-${env}-dns`),
    });
    const subzone = new aws.route53.Zone(
        `${env}-subzone`,
        { name: envSubzoneName(env, dns.zoneName), comment: `Twine ${env} subzone, delegated from ${dns.zoneName} (twine-infra ${env} stack)` },
        // Every production name hangs off prod's subzone: protected there, like the apex.
        { provider: ctx.provider, protect: env === "prod" },
    );
    new aws.route53.Record(
        `${env}-subzone-delegation`,
        { zoneId: dns.zoneId, name: subzone.name, type: "NS", ttl: 3600, records: subzone.nameServers },
        { parent: subzone, provider: dnsProvider },
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
        roleProfile: crossAccountProfile(ctx, peeringRoleArn, `twine-infra-${env}-peering`),
    });
    const peering = new VpcPeering(
        `${env}-bastion`,
        {
            requesterVpcId: network.vpcId,
            requesterRegion: config.region,
            // Private (app) and data tables: hosts there are reached from the bastion, DB admin tunnels included.
            requester: { cidr: config.network.cidr, routeTableIds: [...network.private.routeTables, ...network.data.routeTables].map(t => t.id) },
            accepterVpcId: bastion.vpcId,
            accepterAccountId: bastion.accountId,
            accepterRegion: bastion.region,
            // The bastion host's own tier only.
            accepter: { cidr: bastion.vpcCidr, routeTableIds: bastion.publicRouteTableIds },
            accepterProvider: bastionProvider,
        },
        { provider: ctx.provider },
    );
    new aws.vpc.SecurityGroupEgressRule(
        `${env}-bastion-ssh-egress`,
        {
            securityGroupId: bastion.bastionSecurityGroupId,
            ...SSH,
            cidrIpv4: config.network.cidr,
            description: `SSH to the ${env} VPC`,
        },
        { parent: peering, provider: bastionProvider },
    );

    const sshFromBastion = new aws.ec2.SecurityGroup(
        `${env}-ssh-from-bastion`,
        { vpcId: network.vpcId, description: `SSH from the bastion ${bastion.bastionHostName} only`, tags: { Name: `${env}-ssh-from-bastion` } },
        { provider: ctx.provider },
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${env}-ssh-from-bastion`,
        {
            securityGroupId: sshFromBastion.id,
            ...SSH,
            cidrIpv4: `${bastion.bastionPrivateIp}/32`,
            description: `SSH from ${bastion.bastionHostName}`,
        },
        { parent: sshFromBastion, provider: ctx.provider },
    );

    /**
     * Opens the bastion's egress on one port to a block of this VPC, for a tunnel an engineer runs through the
     * bastion (a database, the Jenkins UI). The target's own security group must still admit the bastion host.
     */
    const allowBastionTunnel = (purpose: string, port: number, cidr: pulumi.Input<string>) =>
        new aws.vpc.SecurityGroupEgressRule(
            `${env}-bastion-${purpose}-${port}-egress`,
            { securityGroupId: bastion.bastionSecurityGroupId, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description: `${purpose} tunnels into the ${env} VPC` },
            { parent: peering, provider: bastionProvider },
        );
    const dataBlock = network.subnetPlan.tiers.find(t => t.name === "data")!.block;
    const allowDatabaseTunnels = (ports: readonly number[]) => {
        for (const port of [...new Set(ports)].sort((a, b) => a - b)) allowBastionTunnel("db", port, dataBlock);
    };

    return { subzone, dnsProvider, peering, sshFromBastionSecurityGroupId: sshFromBastion.id, allowDatabaseTunnels, allowBastionTunnel };
}
