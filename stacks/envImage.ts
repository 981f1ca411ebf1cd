/**
 * The app image an environment runs. Dev builds it (PackerImage, in its own VPC), encrypts it with a
 * customer-managed key and shares both with prod; prod runs exactly that image (dev's amiId output) unless its
 * config pins another, and grants its Auto Scaling role the use of dev's key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { imageRootVolumeGiB } from "../components/app/rootVolumeConfig";
import { DevAppImage, ProdAppImage } from "../components/delivery/appImage";
import { Network } from "../components/network/network";
import { DevStackConfig, EnvStackConfig, ProdStackConfig } from "../config";
import { StackContext } from "./context";
import { EnvOutputs } from "./outputs";

/** What the app tier launches: the AMI, and the key its snapshots are encrypted with. */
export interface AppImage {
    readonly amiId: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The AMI's root volume in GiB: the app servers' may not be smaller (components/app/rootVolumeConfig.ts). */
    readonly rootVolumeGiB: number;
    /** What the groups that launch it wait for (the Auto Scaling grant on the key). */
    readonly launchDependsOn: readonly pulumi.Resource[];
    /** Dev, when it bakes: the instance profile Packer's build instance runs with. */
    readonly buildInstanceProfileName?: pulumi.Output<string>;
}

/** Dev: the key, the Packer build (unless pinned), and the prod account's launch permission. */
export function devAppImage(ctx: StackContext<DevStackConfig>, network: Network, aptBucket: pulumi.Input<string>): AppImage {
    const { config } = ctx;
    const image = config.image;
    // Built here with image.rootVolumeGiB; a pinned AMI (build: false) is taken to be of that size too.
    const built = new DevAppImage(
        "app-image",
        {
            accountId: config.accountId,
            region: config.region,
            stack: ctx.stack,
            prodAccountId: image.prodAccountId,
            // The schema requires aptRepo with the build on, and amiId with it off.
            build: image.build
                ? {
                      vpcId: network.vpcId,
                      subnetId: network.subnetIds("private").apply(ids => ids[0]),
                      aptRepo: image.aptRepo!,
                      aptBucket,
                      instanceType: image.instanceType,
                      rootVolumeGiB: image.rootVolumeGiB,
                      networkReady: [network.s3Endpoint, ...network.natRoutes],
                  }
                : undefined,
            amiId: image.build ? undefined : image.amiId,
        },
        { provider: ctx.provider },
    );
    return {
        amiId: built.amiId,
        kmsKeyArn: built.kmsKeyArn,
        launchDependsOn: built.launchDependsOn,
        buildInstanceProfileName: built.buildInstanceProfileName,
        rootVolumeGiB: image.rootVolumeGiB,
    };
}

/** The AMI prod runs: the one dev tested (its amiId output), or the one prod's config pins. */
export const prodAmiId = (config: ProdStackConfig, dev: EnvOutputs): string => config.image?.amiId ?? dev.amiId;

/**
 * The root volume of the AMI prod runs, as DescribeImages reports it (its root device's mapping): a pinned AMI may
 * be an older build of another size than dev's current one. Dev's account owns and shares it.
 */
export async function prodImageRootVolumeGiB(ctx: StackContext<ProdStackConfig>, dev: EnvOutputs): Promise<number> {
    const amiId = prodAmiId(ctx.config, dev);
    const key = ctx.config.image?.amiId ? "image.amiId" : "the dev stack's amiId output";
    const image = await aws.ec2
        .getAmi(
            { owners: [dev.accountId], includeDeprecated: true, filters: [{ name: "image-id", values: [amiId] }] },
            { provider: ctx.provider },
        )
        .catch((err: unknown) => {
            const cause = err instanceof Error ? err.message.trim().split("\n")[0] : String(err);
            throw new Error(
                `Pulumi.${ctx.stack}.yaml: ${key} = ${amiId}: prod cannot read this image (${cause}); prod boots only an image the ` +
                    `dev account (${dev.accountId}) built and shares with it. Fix: pin an AMI id from dev's image history ` +
                    `(docs/operations.md, rolling back), or remove image.amiId to take dev's current image`,
            );
        });
    return imageRootVolumeGiB(image);
}

/** Prod: the AMI dev tested (or the pinned one), and the grant that lets prod's Auto Scaling use dev's key. */
export function prodAppImage(ctx: StackContext<ProdStackConfig>, dev: EnvOutputs, rootVolumeGiB: number): AppImage {
    const { config } = ctx;
    const image = new ProdAppImage(
        "app-image",
        { accountId: config.accountId, amiId: prodAmiId(config, dev), kmsKeyArn: dev.amiKmsKeyArn },
        { provider: ctx.provider },
    );
    return { amiId: image.amiId, kmsKeyArn: image.kmsKeyArn, launchDependsOn: image.launchDependsOn, rootVolumeGiB };
}

/**
 * The environment's app image, by account role. Prod's image is read (DescribeImages) before anything is declared:
 * `prodRootVolumeGiB` comes from prodImageRootVolumeGiB.
 */
export function appImage(
    ctx: StackContext<EnvStackConfig>,
    network: Network,
    dev: EnvOutputs | undefined,
    aptBucket: pulumi.Input<string> | undefined,
    prodRootVolumeGiB: number | undefined,
): AppImage {
    const config = ctx.config;
    if (config.accountRole === "dev") {
        if (aptBucket === undefined) throw new Error("dev's image bakes from its own apt repository, which was not created");
        return devAppImage({ ...ctx, config }, network, aptBucket);
    }
    if (!dev || prodRootVolumeGiB === undefined) {
        throw new Error("prod reads its AMI from the dev stack's outputs, which were not read");
    }
    return prodAppImage({ ...ctx, config }, dev, prodRootVolumeGiB);
}
