import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Canonical's AWS account, the publisher of the official Ubuntu AMIs. */
export const CANONICAL_OWNER_ID = "099720109477";

/** The current Ubuntu LTS (24.04 Noble), amd64, gp3-backed HVM images. The Packer template uses the same filter. */
export const UBUNTU_LTS_NAME_FILTER = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";

/**
 * The newest official Ubuntu LTS AMI in the provider's region: it changes when Canonical publishes a build, which
 * replaces an instance booting from it (the bastion: pin bastionHost.amiId to choose when). App servers run baked
 * images instead.
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

/** Canonical's public SSM parameter naming its current Ubuntu 24.04 amd64 gp3 AMI in each region. */
export const UBUNTU_LTS_SSM_PARAMETER = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";

/**
 * The DescribeImages query that finds a pin only if it is Canonical's Ubuntu 24.04 amd64 image. Deprecated images
 * count: every public AMI is deprecated two years after its creation, and DescribeImages leaves deprecated images
 * out unless asked (includeDeprecated; EC2 User Guide, "Deprecate an AMI"), so an old pin would fail every deploy
 * of its stack, including the bastion deploy that revokes someone's access.
 */
export function pinnedAmiQuery(amiId: string): aws.ec2.GetAmiArgs {
    return {
        owners: [CANONICAL_OWNER_ID],
        includeDeprecated: true,
        filters: [
            { name: "image-id", values: [amiId] },
            { name: "name", values: [UBUNTU_LTS_NAME_FILTER] },
            { name: "architecture", values: ["x86_64"] },
            { name: "virtualization-type", values: ["hvm"] },
            { name: "root-device-type", values: ["ebs"] },
        ],
    };
}

/** The AWS documentation's example AMI id: the committed stack files carry it as a placeholder for the pins. */
export const PLACEHOLDER_AMI_ID = "ami-0123456789abcdef0";

/** Why a pinned AMI cannot be booted, naming the config key and the fix. Pure, for the resolver and the tests. */
export function pinnedAmiProblem(key: string, amiId: string, region: string, cause?: string): string {
    const found = cause ? ` (DescribeImages: ${cause})` : "";
    const placeholder =
        amiId === PLACEHOLDER_AMI_ID ? " It is still the committed placeholder (the AWS documentation's example id): replace it." : "";
    return (
        `${key} = ${amiId}: not an Ubuntu 24.04 amd64 image published by Canonical (${CANONICAL_OWNER_ID}) ` +
        `in ${region}${found}.${placeholder} ` +
        `Fix: set it to Canonical's current image (docs/runbook.md, "Moving a pinned Ubuntu AMI"): aws ssm get-parameter ` +
        `--region ${region} --name ${UBUNTU_LTS_SSM_PARAMETER} --query Parameter.Value --output text`
    );
}

/**
 * A pinned AMI id, checked to be Canonical's Ubuntu 24.04 amd64 image in the provider's region: a pin that is
 * someone else's image (however it is named), another release, or no image at all fails the preview with
 * pinnedAmiProblem instead of booting it or failing RunInstances. DescribeImages with owner 099720109477 and the
 * filters image-id and name (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html); the
 * provider's data source fails with "Your query returned no results" when nothing matches. A promise: the stacks
 * await it before declaring anything, so a bad pin creates nothing on `pulumi up`.
 */
export function pinnedUbuntuAmiId(key: string, amiId: string, region: string, opts: pulumi.InvokeOptions): Promise<string> {
    return aws.ec2.getAmi(pinnedAmiQuery(amiId), opts).then(
        ami => {
            if (ami.id !== amiId || ami.ownerId !== CANONICAL_OWNER_ID) throw new Error(pinnedAmiProblem(key, amiId, region));
            return ami.id;
        },
        (err: unknown) => {
            throw new Error(pinnedAmiProblem(key, amiId, region, err instanceof Error ? err.message.trim().split("\n")[0] : String(err)));
        },
    );
}
