/**
 * The app image an environment runs. Dev builds it (PackerImage, in its own VPC), encrypts it with a
 * customer-managed key and shares both with prod; prod runs exactly that image (dev's amiId output) unless its
 * config pins another, and grants its Auto Scaling role the use of dev's key.
 */
import * as pulumi from "@pulumi/pulumi";
import { DevAppImage, ProdAppImage } from "../components/delivery/appImage";
import { Network } from "../components/network/network";
import { DevStackConfig, EnvStackConfig, ProdStackConfig } from "../config";
import { StackContext } from "./context";
import { EnvOutputs } from "./outputs";

/** What the app tier launches: the AMI, and the key its snapshots are encrypted with. */
export interface AppImage {
    readonly amiId: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    /** What the groups that launch it wait for (the Auto Scaling grant on the key). */
    readonly launchDependsOn: readonly pulumi.Resource[];
    /** Dev, when it bakes: the instance profile Packer's build instance runs with. */
    readonly buildInstanceProfileName?: pulumi.Output<string>;
}

/** Dev: the key, the Packer build (unless pinned), and the prod account's launch permission. */
export function devAppImage(ctx: StackContext<DevStackConfig>, network: Network, aptBucket: pulumi.Input<string>): AppImage {
    const { config } = ctx;
    const image = config.image;
    return new DevAppImage(
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
}

/** Prod: the AMI dev tested (or the pinned one), and the grant that lets prod's Auto Scaling use dev's key. */
export function prodAppImage(ctx: StackContext<ProdStackConfig>, dev: EnvOutputs): AppImage {
    const { config } = ctx;
    return new ProdAppImage(
        "app-image",
        { accountId: config.accountId, amiId: config.image?.amiId ?? dev.amiId, kmsKeyArn: dev.amiKmsKeyArn },
        { provider: ctx.provider },
    );
}

/** The environment's app image, by account role. */
export function appImage(
    ctx: StackContext<EnvStackConfig>,
    network: Network,
    dev: EnvOutputs | undefined,
    aptBucket: pulumi.Input<string> | undefined,
): AppImage {
    const config = ctx.config;
    if (config.accountRole === "dev") {
        if (aptBucket === undefined) throw new Error("dev's image bakes from its own apt repository, which was not created");
        return devAppImage({ ...ctx, config }, network, aptBucket);
    }
    if (!dev) {
        throw new Error("prod reads its AMI from the dev stack's outputs, which were not read");
    }
    return prodAppImage({ ...ctx, config }, dev);
}
