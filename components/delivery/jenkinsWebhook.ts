import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrKey } from "../network/cidr";
import { JENKINS_PORT } from "./jenkinsHostConfig";

/** The only path the webhook entrance forwards: GitHub push hooks (the github plugin). Everything else gets a 404 at the edge. */
export const WEBHOOK_PATHS = ["/github-webhook/"] as const;

export interface JenkinsWebhookArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets the load balancer listens in. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** Sources allowed to call the hooks (e.g. GitHub's hook ranges); never 0.0.0.0/0. At least one. */
    readonly cidrs: readonly string[];
    /** ACM certificate for the HTTPS listener. */
    readonly certificateArn: string;
    readonly instanceId: pulumi.Input<string>;
    /** The Jenkins host's security group: admits the load balancer on the UI port. */
    readonly hostSecurityGroupId: pulumi.Input<string>;
}

/**
 * An optional, narrow way in for webhooks: an HTTPS-only load balancer in the public subnets, reachable only from
 * the configured CIDRs, forwarding POSTs on the hook paths and nothing else to the private host.
 */
export function jenkinsWebhookEntrance(name: string, args: JenkinsWebhookArgs, parent: pulumi.Resource): aws.lb.LoadBalancer {
    if (args.cidrs.length === 0 || args.cidrs.some(c => c.endsWith("/0"))) {
        throw new pulumi.ResourceError(
            `${name}: the webhook entrance needs at least one source range and never 0.0.0.0/0 (got ${JSON.stringify(args.cidrs)})`,
            parent,
        );
    }
    const sg = new aws.ec2.SecurityGroup(
        `${name}-webhook`,
        { vpcId: args.vpcId, description: "Jenkins webhook entrance: HTTPS from the configured ranges" },
        { parent },
    );
    args.cidrs.forEach(
        cidr =>
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-webhook-${cidrKey(cidr)}`,
                { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: cidr, description: "Webhook source" },
                { parent: sg },
            ),
    );
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-webhook-to-host`,
        {
            securityGroupId: sg.id,
            ipProtocol: "tcp",
            fromPort: JENKINS_PORT,
            toPort: JENKINS_PORT,
            referencedSecurityGroupId: args.hostSecurityGroupId,
            description: "To the Jenkins host",
        },
        { parent: sg },
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-ui-webhook`,
        {
            securityGroupId: args.hostSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: JENKINS_PORT,
            toPort: JENKINS_PORT,
            referencedSecurityGroupId: sg.id,
            description: "Webhooks from the entrance",
        },
        { parent: sg },
    );

    const lb = new aws.lb.LoadBalancer(
        `${name}-webhook`,
        {
            loadBalancerType: "application",
            internal: false,
            securityGroups: [sg.id],
            subnets: args.subnetIds,
            dropInvalidHeaderFields: true,
            idleTimeout: 30,
        },
        { parent },
    );
    const targets = new aws.lb.TargetGroup(
        `${name}-webhook`,
        {
            vpcId: args.vpcId,
            port: JENKINS_PORT,
            protocol: "HTTP",
            targetType: "instance",
            healthCheck: { path: "/login", matcher: "200", port: String(JENKINS_PORT) },
        },
        { parent: lb },
    );
    new aws.lb.TargetGroupAttachment(
        `${name}-webhook`,
        { targetGroupArn: targets.arn, targetId: args.instanceId, port: JENKINS_PORT },
        { parent: targets },
    );
    const listener = new aws.lb.Listener(
        `${name}-webhook`,
        {
            loadBalancerArn: lb.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
            certificateArn: args.certificateArn,
            defaultActions: [
                { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } },
            ],
        },
        { parent: lb },
    );
    new aws.lb.ListenerRule(
        `${name}-webhook`,
        {
            listenerArn: listener.arn,
            priority: 10,
            conditions: [{ pathPattern: { values: [...WEBHOOK_PATHS] } }, { httpRequestMethod: { values: ["POST"] } }],
            actions: [{ type: "forward", targetGroupArn: targets.arn }],
        },
        { parent: listener },
    );
    return lb;
}
