import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Canonical's AWS account, the publisher of the official Ubuntu AMIs. */
export const CANONICAL_OWNER_ID = "099720109477";

/** The current Ubuntu LTS (24.04 Noble), amd64, gp3-backed HVM images. The Packer template uses the same filter. */
export const UBUNTU_LTS_NAME_FILTER = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";

/**
 * The newest official Ubuntu LTS AMI in the provider's region. Instances that boot from it should ignore later
 * changes of `ami` (a new Canonical build would otherwise replace them on every `pulumi up`); app servers run
 * baked images instead.
 */
export function ubuntuLtsAmiId(opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    return aws.ec2
        .getAmiOutput(
            {
                owners: [CANONICAL_OWNER_ID],
                mostRecent: true,
                filters: [
                    { name: "name", values: [UBUNTU_LTS_NAME_FILTER] },
                    { name: "architecture", values: ["x86_64"] },
                    { name: "virtualization-type", values: ["hvm"] },
                    { name: "root-device-type", values: ["ebs"] },
                ],
            },
            opts,
        )
        .apply(ami => ami.id);
}
