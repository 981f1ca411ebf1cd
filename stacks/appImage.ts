/**
 * The app image an environment runs. Dev builds it (PackerImage, in its own VPC), encrypts it with a
 * customer-managed key and shares both with prod; prod runs exactly that image (dev's amiId output) unless its
 * config pins another, and grants its Auto Scaling role the use of dev's key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { Network } from "../components/network";
import { ec2TrustPolicy, stableJson } from "../components/iam";
import { AUTOSCALING_GRANT_OPERATIONS, autoScalingServiceLinkedRoleArn, imageKeyPolicy } from "../components/imageSharing";
import { PackerImage } from "../components/packerImage";
import { DevStackConfig, EnvStackConfig, ProdStackConfig } from "../config";
import { StackContext } from "./context";
import { EnvOutputs } from "./outputs";

/** What the app tier launches: the AMI, and the key its snapshots are encrypted with. */
export interface AppImage {
    readonly amiId: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
}

export const APP_TEMPLATE_DIR = path.resolve(__dirname, "..", "images", "twine-app");
export const APP_TEMPLATE_FILE = "twine-app.pkr.hcl";
export const APP_AMI_SOURCE = "amazon-ebs.twine-app";

/** Dev: the key, the Packer build (unless pinned), and the prod account's launch permission. */
export function devAppImage(ctx: StackContext<DevStackConfig>, network: Network): AppImage {
    const { config, provider } = ctx;
    const image = config.image;
    const key = new aws.kms.Key(
        "app-image-key",
        {
            description: "Encrypts the Twine app AMIs' snapshots; shared with the prod account",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: stableJson(imageKeyPolicy({ ownerAccountId: config.accountId, consumerAccountIds: [image.prodAccountId] })),
        },
        // Every image and every volume launched from one needs this key: removing it from code must not delete it.
        { provider, retainOnDelete: true },
    );
    new aws.kms.Alias("app-image-key-alias", { name: `alias/twine/${ctx.stack}/app-image`, targetKeyId: key.keyId }, { provider });

    let amiId: pulumi.Output<string>;
    if (image.build) {
        const build = buildInstanceAccess(ctx, network);
        const repo = image.aptRepo!; // the schema requires it when build is on
        amiId = new PackerImage(
            "app-image",
            {
                templateDir: APP_TEMPLATE_DIR,
                templateFile: APP_TEMPLATE_FILE,
                source: APP_AMI_SOURCE,
                region: config.region,
                variables: {
                    region: config.region,
                    vpc_id: network.vpcId,
                    subnet_id: network.subnetIds("private").apply(ids => ids[0]),
                    security_group_id: build.securityGroupId,
                    iam_instance_profile: build.instanceProfileName,
                    ssh_interface: "session_manager",
                    kms_key_id: key.arn,
                    ami_users: [image.prodAccountId],
                    instance_type: image.instanceType,
                    root_volume_size: image.rootVolumeGiB,
                    apt_repo_url: repo.url,
                    apt_distribution: repo.distribution,
                    apt_signing_key: repo.signingKey,
                    twine_version: repo.twineVersion,
                },
            },
            { provider },
        ).amiId;
    } else {
        amiId = pulumi.output(image.amiId!); // the schema requires it when build is off
    }

    // Packer already shares what it builds (ami_users, snapshot_users); this records the permission in the stack
    // and covers a pinned AMI too.
    new aws.ec2.AmiLaunchPermission("app-image-launch-prod", { imageId: amiId, accountId: image.prodAccountId }, { provider });
    return { amiId, kmsKeyArn: key.arn };
}

/**
 * What the Packer build instance runs with: an instance profile with SSM core only (Packer reaches it through
 * Session Manager, so it has no inbound rule and no public address), and egress for HTTPS (SSM, the apt repository
 * over the S3 endpoint) and HTTP (Ubuntu's archive, whose packages apt checks against signed indexes).
 */
function buildInstanceAccess(ctx: StackContext<DevStackConfig>, network: Network) {
    const { provider } = ctx;
    const role = new aws.iam.Role(
        "app-image-build-role",
        {
            description: "Packer build instance of the Twine app image: Session Manager access only",
            assumeRolePolicy: stableJson(ec2TrustPolicy()),
        },
        { provider },
    );
    new aws.iam.RolePolicyAttachment("app-image-build-ssm", { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, { provider });
    const profile = new aws.iam.InstanceProfile("app-image-build-profile", { role: role.name }, { provider });
    const group = new aws.ec2.SecurityGroup(
        "app-image-build-sg",
        { vpcId: network.vpcId, description: "Packer build instance of the Twine app image: no inbound, web egress only" },
        { provider },
    );
    for (const port of [80, 443]) {
        new aws.vpc.SecurityGroupEgressRule(
            `app-image-build-egress-${port}`,
            { securityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0", description: `Build instance egress on ${port}` },
            { provider },
        );
    }
    return { instanceProfileName: profile.name, securityGroupId: group.id };
}

/** Prod: the AMI dev tested (or the pinned one), and the grant that lets prod's Auto Scaling use dev's key. */
export function prodAppImage(ctx: StackContext<ProdStackConfig>, dev: EnvOutputs): AppImage {
    const { config, provider } = ctx;
    new aws.kms.Grant(
        "app-image-autoscaling-grant",
        {
            name: "twine-app-image-autoscaling",
            keyId: dev.amiKmsKeyArn,
            granteePrincipal: autoScalingServiceLinkedRoleArn(config.accountId),
            operations: [...AUTOSCALING_GRANT_OPERATIONS],
        },
        { provider },
    );
    return { amiId: pulumi.output(config.image?.amiId ?? dev.amiId), kmsKeyArn: pulumi.output(dev.amiKmsKeyArn) };
}

/** The environment's app image, by account role. */
export function appImage(ctx: StackContext<EnvStackConfig>, network: Network, dev: EnvOutputs | undefined): AppImage {
    const config = ctx.config;
    if (config.accountRole === "dev") {
        return devAppImage({ ...ctx, config }, network);
    }
    if (!dev) {
        throw new Error("prod reads its AMI from the dev stack's outputs, which were not read");
    }
    return prodAppImage({ ...ctx, config }, dev);
}
