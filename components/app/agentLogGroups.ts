import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AgentLogGroupsArgs {
    /** The log groups the image's CloudWatch agent writes to (see agentLogGroupNames). */
    readonly names: readonly string[];
    /** Days CloudWatch keeps their events. */
    readonly retentionInDays: number;
}

/**
 * The CloudWatch agent's log groups, created before any server boots and with a retention: an agent that finds no
 * group creates one itself, without a retention (kept forever). The image's agent config names them, the same for
 * every environment of the account, so the stack has them once.
 */
export class AgentLogGroups extends pulumi.ComponentResource {
    public readonly logGroups: aws.cloudwatch.LogGroup[];

    constructor(name: string, args: AgentLogGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:AgentLogGroups", name, {}, opts);
        this.logGroups = args.names.map(
            logGroupName =>
                new aws.cloudwatch.LogGroup(
                    `${name}${logGroupName.replace(/\//g, "-")}`,
                    { name: logGroupName, retentionInDays: args.retentionInDays },
                    { parent: this },
                ),
        );
        this.registerOutputs({ names: args.names });
    }
}
