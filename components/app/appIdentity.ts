import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ec2TrustPolicy, stableJson } from "../account/iamPolicy";

export interface AppIdentityArgs {
    /** Environment name, e.g. "integration"; names the group and the role, and tags them. */
    readonly environment: string;
    readonly vpcId: pulumi.Input<string>;
}

/** A port on another group or a block, which the app hosts may reach or be reached from. */
export type Peer = { readonly securityGroupId: pulumi.Input<string> } | { readonly cidrIpv4: pulumi.Input<string> };

const EC2_TRUST = stableJson(ec2TrustPolicy());

/**
 * Who an environment's app hosts are: their security group (the data tier admits it) and their IAM role (the
 * search domain's policy names it). This component is the one owner of both: every rule on the group and every
 * policy on the role is created here, through the methods below (as CDK's `connections.allowFrom`), keyed by
 * what it admits or grants, never by list position.
 */
export class AppIdentity extends pulumi.ComponentResource {
    /** `<env>-app`: the app hosts' security group. */
    public readonly securityGroup: aws.ec2.SecurityGroup;
    /** `<env>-app`: the app hosts' role (EC2 trust). */
    public readonly role: aws.iam.Role;
    private readonly prefix: string;

    constructor(name: string, args: AppIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AppIdentity", name, {}, opts);
        this.prefix = `${name}-app`;
        const env = args.environment;
        this.securityGroup = new aws.ec2.SecurityGroup(
            this.prefix,
            { vpcId: args.vpcId, description: `${env} app hosts`, tags: { Name: `${env}-app`, TwineEnvironment: env } },
            { parent: this },
        );
        this.role = new aws.iam.Role(
            this.prefix,
            { assumeRolePolicy: EC2_TRUST, description: `${env} app hosts`, tags: { TwineEnvironment: env } },
            { parent: this },
        );
        this.registerOutputs({ securityGroupId: this.securityGroup.id, roleArn: this.role.arn });
    }

    /** Admits `port` from a peer; `key` names the rule (`<env>-app-<key>`), e.g. "from-alb". */
    allowFrom(key: string, peer: Peer, port: number, description: string): aws.vpc.SecurityGroupIngressRule {
        return new aws.vpc.SecurityGroupIngressRule(
            `${this.prefix}-${key}`,
            { securityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, ...peerArgs(peer), description },
            { parent: this.securityGroup },
        );
    }

    /** Lets the hosts open connections on `port` to a peer; `key` names the rule, e.g. "to-database". */
    allowTo(key: string, peer: Peer, port: number, description: string): aws.vpc.SecurityGroupEgressRule {
        return new aws.vpc.SecurityGroupEgressRule(
            `${this.prefix}-${key}`,
            { securityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, ...peerArgs(peer), description },
            { parent: this.securityGroup },
        );
    }

    /** An inline policy on the role; `key` names it (`<env>-app-<key>`), e.g. "search". */
    grant(key: string, policy: pulumi.Input<string>): aws.iam.RolePolicy {
        return new aws.iam.RolePolicy(`${this.prefix}-${key}`, { role: this.role.id, policy }, { parent: this.role });
    }

    /** An AWS managed policy on the role, e.g. AmazonSSMManagedInstanceCore. */
    attachManagedPolicy(key: string, policyName: string): aws.iam.RolePolicyAttachment {
        return new aws.iam.RolePolicyAttachment(
            `${this.prefix}-${key}`,
            { role: this.role.name, policyArn: `arn:aws:iam::aws:policy/${policyName}` },
            { parent: this.role },
        );
    }
}

function peerArgs(peer: Peer): { referencedSecurityGroupId?: pulumi.Input<string>; cidrIpv4?: pulumi.Input<string> } {
    return "securityGroupId" in peer ? { referencedSecurityGroupId: peer.securityGroupId } : { cidrIpv4: peer.cidrIpv4 };
}
