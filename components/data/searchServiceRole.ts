import * as aws from "@pulumi/aws";
import * as local from "@pulumi/command/local";
import * as pulumi from "@pulumi/pulumi";

/**
 * Seconds the domains wait after the role is created. IAM is eventually consistent: a role just created may not
 * be visible to the service for a while (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html
 * #troubleshoot_general_eventual-consistency), and OpenSearch then refuses a VPC domain with "Before you can proceed,
 * you must enable a service-linked role", which the AWS provider (5.100, internal/service/opensearch/domain.go)
 * does not retry: it retries only on the older Elasticsearch wording.
 */
export const ROLE_PROPAGATION_SECONDS = 60;

/**
 * OpenSearch's service-linked role, which VPC domains need to place their network interfaces. IAM keeps one per
 * account, so an account that hosts several domains creates it once, here, and every domain depends on `ready`.
 */
export class SearchServiceRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.ServiceLinkedRole;
    /** What a domain depends on: the role, and the wait for it to propagate (on its creation only). */
    public readonly ready: pulumi.Resource;

    constructor(name: string, args: Record<string, never> = {}, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:SearchServiceRole", name, args, opts);
        this.role = new aws.iam.ServiceLinkedRole(name, { awsServiceName: "opensearchservice.amazonaws.com" }, { parent: this });
        // Runs when the role is created (or replaced), never on later updates.
        this.ready = new local.Command(
            `${name}-propagation`,
            { create: `sleep ${ROLE_PROPAGATION_SECONDS}`, triggers: [this.role.arn], logging: "none" },
            { parent: this, dependsOn: [this.role] },
        );
        this.registerOutputs({ arn: this.role.arn });
    }
}
