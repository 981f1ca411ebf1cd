import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { VpcPeering } from "../network/vpcPeering";

const SSH = { ipProtocol: "tcp", fromPort: 22, toPort: 22 } as const;

/** The bastion side, as the bastion stack exports it. */
export interface BastionSide {
    readonly accountId: string;
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    readonly vpcCidr: string;
    /** The bastion host's own tier: the only tables that route to this environment. */
    readonly publicRouteTableIds: readonly pulumi.Input<string>[];
    readonly securityGroupId: pulumi.Input<string>;
    readonly privateIp: string;
    readonly hostName: string;
}

export interface BastionAccessArgs {
    /** The account role of this side, "dev" or "prod"; names and describes the pieces. */
    readonly environment: string;
    readonly vpcId: pulumi.Input<string>;
    readonly vpcCidr: string;
    readonly region: string;
    /** This VPC's tables that route to the bastion: the private (app) and data tiers. */
    readonly routeTableIds: readonly pulumi.Input<string>[];
    readonly bastion: BastionSide;
    /** Provider for the bastion account that assumes the bastion's peering role for this account. */
    readonly bastionProvider: aws.Provider;
}

/**
 * An environment's way in from the bastion: the peering with the bastion VPC (accepted and tagged on the bastion
 * side through its peering role, routed from this side), and the security group that lets the bastion host, and
 * only it, reach port 22 here. The bastion's own routes and egress toward this VPC are the bastion stack's.
 */
export class BastionAccess extends pulumi.ComponentResource {
    public readonly peering: VpcPeering;
    /** Admits SSH (22) from the bastion host only; attach it to every host engineers log in to. */
    public readonly sshFromBastion: aws.ec2.SecurityGroup;

    constructor(name: string, args: BastionAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:BastionAccess", name, {}, opts);
        const env = args.environment;
        const bastion = args.bastion;
        this.peering = new VpcPeering(
            name,
            {
                requesterVpcId: args.vpcId,
                requesterRegion: args.region,
                requester: { cidr: args.vpcCidr, routeTableIds: args.routeTableIds },
                accepterVpcId: bastion.vpcId,
                accepterAccountId: bastion.accountId,
                accepterRegion: bastion.region,
                // The bastion stack routes its side (it reads this stack's peeringConnectionId output): no role here may.
                accepter: { cidr: bastion.vpcCidr, routeTableIds: [] },
                accepterProvider: args.bastionProvider,
            },
            { parent: this },
        );
        this.sshFromBastion = new aws.ec2.SecurityGroup(
            `${env}-ssh-from-bastion`,
            { vpcId: args.vpcId, description: `SSH from the bastion ${bastion.hostName} only`, tags: { Name: `${env}-ssh-from-bastion` } },
            { parent: this },
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${env}-ssh-from-bastion`,
            {
                securityGroupId: this.sshFromBastion.id,
                ...SSH,
                cidrIpv4: `${bastion.privateIp}/32`,
                description: `SSH from ${bastion.hostName}`,
            },
            { parent: this.sshFromBastion },
        );
        this.registerOutputs({
            peeringConnectionId: this.peering.peeringConnectionId,
            sshFromBastionSecurityGroupId: this.sshFromBastion.id,
        });
    }
}
