/**
 * The bastion's peering role policy, as plain data: what an environment account may do in the bastion account to
 * connect its VPC. Pure, unit-tested without Pulumi, and decided by the policy simulator in test/accessIam.test.ts.
 *
 * Only accepting the peering and tagging it: the accepter must be the bastion VPC and the requester a VPC of that
 * environment's account in the bastion's region (ec2:AccepterVpc, ec2:RequesterVpc), and Describe reads for
 * Pulumi's waits. No routes and no security-group rules: EC2 has no condition key for a route's destination or a
 * rule's port and peer, so a role allowed to change them could change the other environment's access too. The
 * bastion stack owns its routes and egress rules toward each environment instead (components/access/bastion.ts).
 */
import { PolicyDocument, policyDocument } from "../account/iamPolicy";

export interface PeeringRolePolicyArgs {
    /** Region and account of the bastion VPC. */
    readonly region: string;
    readonly accountId: string;
    /** The bastion VPC id: the only accepter allowed. */
    readonly vpcId: string;
    /** The environment account whose VPCs may request. */
    readonly peerAccountId: string;
}

/** Describe calls EC2 does not scope to resources (they only read); Pulumi's refresh and waits need them. */
export const PEERING_READ_ACTIONS = ["ec2:DescribeVpcPeeringConnections", "ec2:DescribeVpcs"] as const;

export function peeringRolePolicy(args: PeeringRolePolicyArgs): PolicyDocument {
    const arn = (kind: string, id: string) => `arn:aws:ec2:${args.region}:${args.accountId}:${kind}/${id}`;
    const vpcArn = arn("vpc", args.vpcId);
    const thisPeering = {
        ArnEquals: { "ec2:AccepterVpc": vpcArn },
        ArnLike: { "ec2:RequesterVpc": `arn:aws:ec2:${args.region}:${args.peerAccountId}:vpc/*` },
    };
    return policyDocument(
        {
            Sid: "AcceptPeeringFromEnvVpc",
            Effect: "Allow",
            Action: "ec2:AcceptVpcPeeringConnection",
            Resource: arn("vpc-peering-connection", "*"),
            Condition: thisPeering,
        },
        { Sid: "AcceptIntoBastionVpc", Effect: "Allow", Action: "ec2:AcceptVpcPeeringConnection", Resource: vpcArn },
        {
            Sid: "TagThatPeering",
            Effect: "Allow",
            Action: ["ec2:CreateTags", "ec2:DeleteTags"],
            Resource: arn("vpc-peering-connection", "*"),
            Condition: thisPeering,
        },
        { Sid: "Read", Effect: "Allow", Action: [...PEERING_READ_ACTIONS], Resource: "*" },
    );
}
