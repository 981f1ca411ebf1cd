/**
 * The app servers' root volume, derived from the image's: EC2 refuses a launch whose root volume is smaller than
 * the AMI's snapshot ("Volume of size N is smaller than snapshot", RunInstances; the launch template's VolumeSize
 * "must be equal to or larger than the snapshot size",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateEbsBlockDeviceRequest.html), so a fixed
 * size made every launch fail once image.rootVolumeGiB went above it. Pure, unit-tested.
 */

/** The least root volume an app server gets (room for logs and releases beyond the image). */
export const APP_ROOT_VOLUME_MIN_GIB = 20;

/** The app servers' root volume in GiB: the image's own root volume, and never less than APP_ROOT_VOLUME_MIN_GIB. */
export function appRootVolumeGiB(imageRootVolumeGiB: number): number {
    if (!Number.isInteger(imageRootVolumeGiB) || imageRootVolumeGiB < 1) {
        throw new Error(`appRootVolumeGiB: the image's root volume must be a whole number of GiB, got ${imageRootVolumeGiB}`);
    }
    return Math.max(APP_ROOT_VOLUME_MIN_GIB, imageRootVolumeGiB);
}

/** What DescribeImages says of an image's devices (aws.ec2.getAmi's result, the fields read here). */
export interface ImageDevices {
    readonly id: string;
    readonly rootDeviceName: string;
    readonly blockDeviceMappings: readonly { readonly deviceName: string; readonly ebs: Readonly<Record<string, string>> }[];
}

/** The image's root volume in GiB: its root device's EBS volume_size. Pure; throws naming the image if there is none. */
export function imageRootVolumeGiB(image: ImageDevices): number {
    const root = image.blockDeviceMappings.find(m => m.deviceName === image.rootDeviceName);
    const size = Number(root?.ebs?.volume_size);
    if (!Number.isInteger(size) || size < 1) {
        throw new Error(
            `${image.id}: no EBS root volume size for its root device ${image.rootDeviceName} in DescribeImages ` +
                `(${JSON.stringify(image.blockDeviceMappings)}). Fix: run an EBS-backed image, e.g. the one the dev stack built`,
        );
    }
    return size;
}
