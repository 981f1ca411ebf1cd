import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** One side of the peering: its VPC block and the route tables that should reach the other side. */
export interface PeeringSide {
    /** The VPC's block; the other side routes it through the peering. */
    readonly cidr: string;
    /** Route tables of this side that get a route to the other side's block. Their count must be known at plan time. */
    readonly routeTableIds: readonly pulumi.Input<string>[];
}

export interface VpcPeeringArgs {
    /** The requesting VPC (in the account of the component's provider). */
    readonly requesterVpcId: pulumi.Input<string>;
    readonly requester: PeeringSide;
    /** The accepting VPC, its account and region, and a provider that may accept and route there. */
    readonly accepterVpcId: pulumi.Input<string>;
    readonly accepterAccountId: string;
    readonly accepterRegion: string;
    readonly accepter: PeeringSide;
    /** Provider for the accepter's account (usually one that assumes a narrow role there). */
    readonly accepterProvider: aws.Provider;
    /** Region of the requester. Inter-region peering is refused: its DNS and security-group limits are not handled. */
    readonly requesterRegion: string;
}

/**
 * A VPC peering between two accounts in one region: the request here, the acceptance on the other side (through
 * `accepterProvider`), and routes both ways limited to the route tables each side names. Routes wait for the
 * acceptance, so none points at a connection that is still pending.
 */
export class VpcPeering extends pulumi.ComponentResource {
    public readonly connection: aws.ec2.VpcPeeringConnection;
    public readonly accepterConnection: aws.ec2.VpcPeeringConnectionAccepter;
    public readonly peeringConnectionId: pulumi.Output<string>;

    constructor(name: string, args: VpcPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:VpcPeering", name, args, opts);
        if (args.accepterRegion !== args.requesterRegion) {
            throw new pulumi.ResourceError(
                `${name}: the accepter is in ${args.accepterRegion} and the requester in ` +
                    `${args.requesterRegion}; only same-region peering is supported`,
                this,
            );
        }
        this.connection = new aws.ec2.VpcPeeringConnection(
            `${name}-requester`,
            {
                vpcId: args.requesterVpcId,
                peerVpcId: args.accepterVpcId,
                peerOwnerId: args.accepterAccountId,
                autoAccept: false,
                tags: { Name: name, Side: "requester" },
            },
            { parent: this },
        );
        this.accepterConnection = new aws.ec2.VpcPeeringConnectionAccepter(
            `${name}-accepter`,
            { vpcPeeringConnectionId: this.connection.id, autoAccept: true, tags: { Name: name, Side: "accepter" } },
            { parent: this.connection, provider: args.accepterProvider },
        );
        this.peeringConnectionId = this.accepterConnection.vpcPeeringConnectionId;

        const active = { dependsOn: [this.accepterConnection] };
        args.requester.routeTableIds.forEach(
            (routeTableId, i) =>
                new aws.ec2.Route(
                    `${name}-requester-${i}`,
                    { routeTableId, destinationCidrBlock: args.accepter.cidr, vpcPeeringConnectionId: this.peeringConnectionId },
                    { parent: this.connection, ...active },
                ),
        );
        args.accepter.routeTableIds.forEach(
            (routeTableId, i) =>
                new aws.ec2.Route(
                    `${name}-accepter-${i}`,
                    { routeTableId, destinationCidrBlock: args.requester.cidr, vpcPeeringConnectionId: this.peeringConnectionId },
                    { parent: this.accepterConnection, provider: args.accepterProvider, ...active },
                ),
        );
        this.registerOutputs({ peeringConnectionId: this.peeringConnectionId });
    }
}
