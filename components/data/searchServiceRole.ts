import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * OpenSearch's service-linked role, which VPC domains need to place their network interfaces. IAM keeps one per
 * account, so an account that hosts several domains creates it once, here, and every domain depends on it.
 */
export class SearchServiceRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.ServiceLinkedRole;

    constructor(name: string, args: Record<string, never> = {}, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:SearchServiceRole", name, args, opts);
        this.role = new aws.iam.ServiceLinkedRole(name, { awsServiceName: "opensearchservice.amazonaws.com" }, { parent: this });
        this.registerOutputs({ arn: this.role.arn });
    }
}
