/**
 * The bastion's peering role policy, as plain data: what an environment account may do in the bastion account to
 * connect its VPC for SSH. Pure, unit-tested without Pulumi.
 *
 * What IAM can scope, and how:
 * - accepting a peering: only connections whose accepter is the bastion VPC and whose requester is a VPC of that
 *   environment's account, in the bastion's region (ec2:AccepterVpc, ec2:RequesterVpc);
 * - routes: only in the bastion route tables listed (route-table ARNs). ec2:CreateRoute and ec2:ReplaceRoute
 *   authorize the route table alone (the IAM service reference lists no other resource type), so a statement on the
 *   peering connection would never apply: the route's target cannot be scoped;
 * - security-group rules: only on the bastion host's security group (security-group ARN).
 * What EC2 cannot scope: it has no condition key for a route's target or destination CIDR, nor for a security-group rule's
 * port, protocol or peer CIDR. So the role could add a route to any destination through any target in those tables, or a
 * different egress rule on the bastion group. The environment stacks only ever add their own VPC block on port 22,
 * and every call is in the bastion account's CloudTrail under the role's session name (twine-infra-<env>-...).
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
    /** Bastion route tables the environment may route its block in. */
    readonly routeTableIds: readonly string[];
    /** The bastion host's security group, whose egress the environment opens on 22 to its block. */
    readonly securityGroupId: string;
}

/** Describe calls EC2 does not scope to resources (they only read); Pulumi's refresh and waits need them. */
export const PEERING_READ_ACTIONS = [
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeVpcs",
] as const;

export function peeringRolePolicy(args: PeeringRolePolicyArgs): PolicyDocument {
    const arn = (kind: string, id: string) => `arn:aws:ec2:${args.region}:${args.accountId}:${kind}/${id}`;
    const vpcArn = arn("vpc", args.vpcId);
    const thisPeering = {
        ArnEquals: { "ec2:AccepterVpc": vpcArn },
        ArnLike: { "ec2:RequesterVpc": `arn:aws:ec2:${args.region}:${args.peerAccountId}:vpc/*` },
    };
    return policyDocument(
        { Sid: "AcceptPeeringFromEnvVpc", Effect: "Allow", Action: "ec2:AcceptVpcPeeringConnection", Resource: arn("vpc-peering-connection", "*"), Condition: thisPeering },
        { Sid: "AcceptIntoBastionVpc", Effect: "Allow", Action: "ec2:AcceptVpcPeeringConnection", Resource: vpcArn },
        { Sid: "TagThatPeering", Effect: "Allow", Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: arn("vpc-peering-connection", "*"), Condition: thisPeering },
        {
            Sid: "RoutesInBastionTables",
            Effect: "Allow",
            Action: ["ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"],
            Resource: [...args.routeTableIds].sort().map(id => arn("route-table", id)),
        },
        {
            Sid: "SshEgressOnBastionGroup",
            Effect: "Allow",
            Action: ["ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress"],
            Resource: [arn("security-group", args.securityGroupId), arn("security-group-rule", "*")],
        },
        {
            Sid: "TagNewEgressRules",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: arn("security-group-rule", "*"),
            Condition: { StringEquals: { "ec2:CreateAction": "AuthorizeSecurityGroupEgress" } },
        },
        { Sid: "Read", Effect: "Allow", Action: [...PEERING_READ_ACTIONS], Resource: "*" },
    );
}
