import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ec2TrustPolicy, stableJson } from "../account/iamPolicy";
import {
    AUTOSCALING_GRANT_OPERATIONS,
    autoScalingServiceLinkedRoleArn,
    grantRetiringPrincipal,
    imageKeyPolicy,
} from "./imageSharingPolicy";
import { missingPackages, packagePoolPrefix, unpublishedMessage } from "./aptPoolConfig";
import { PackerImage } from "./packerImage";

export const APP_TEMPLATE_DIR = path.resolve(__dirname, "..", "..", "images", "twine-app");
export const APP_TEMPLATE_FILE = "twine-app.pkr.hcl";
export const APP_AMI_SOURCE = "amazon-ebs.twine-app";

/** The private apt repository the build installs Twine from. */
export interface AppImageAptRepo {
    readonly url: string;
    readonly distribution: string;
    readonly signingKey: string;
    readonly twineVersion: string;
}

export interface DevAppImageArgs {
    readonly accountId: string;
    readonly region: string;
    /** Stack name, in the key alias. */
    readonly stack: string;
    /** The account the image is shared with (launch permission and the use of the key). */
    readonly prodAccountId: string;
    /** Build with Packer in this VPC's first private subnet (with `aptRepo`), or run and share `amiId`. */
    readonly build?: {
        readonly vpcId: pulumi.Input<string>;
        readonly subnetId: pulumi.Input<string>;
        readonly aptRepo: AppImageAptRepo;
        /**
         * The apt repository's bucket, as an output of the resource that creates it: the bake starts only once the
         * bucket holds the pinned packages (and the lookup waits for the bucket on a first deploy). Required.
         */
        readonly aptBucket: pulumi.Input<string>;
        readonly instanceType: string;
        readonly rootVolumeGiB: number;
        /**
         * What the build instance's traffic needs in place first: the NAT route of its subnet (Ubuntu's archive, SSM)
         * and the S3 endpoint (the apt repository). IDs alone do not order them before the build. Defaults to none.
         */
        readonly networkReady?: readonly pulumi.Resource[];
    };
    /** A dev-owned AMI to run and share instead of building one. Required without `build`. */
    readonly amiId?: string;
}

/**
 * Dev's app image: the customer-managed key its snapshots are encrypted with (shared with prod), the Packer build
 * (unless an AMI is pinned) with its build instance's narrow identity, and prod's launch permission.
 */
export class DevAppImage extends pulumi.ComponentResource {
    public readonly amiId: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** What an Auto Scaling group launching this image must wait for: the grant that lets it use the key. */
    public readonly launchDependsOn: readonly pulumi.Resource[];
    /** When it bakes: the instance profile Packer's build instance runs with. */
    public readonly buildInstanceProfileName?: pulumi.Output<string>;

    constructor(name: string, args: DevAppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:DevAppImage", name, {}, opts);
        if (!args.build === !args.amiId) {
            throw new pulumi.ResourceError(`${name}: give either build or amiId, not ${args.build ? "both" : "neither"}`, this);
        }
        const parent = { parent: this };
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: "Encrypts the Twine app AMIs' snapshots; shared with the prod account",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: stableJson(imageKeyPolicy({ ownerAccountId: args.accountId, consumerAccountIds: [args.prodAccountId] })),
            },
            // Every image and every volume launched from one needs this key: removing it from code must not delete it.
            { parent: this, retainOnDelete: true },
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/twine/${args.stack}/app-image`, targetKeyId: key.keyId }, parent);

        if (args.build) {
            const build = args.build;
            const access = buildInstanceAccess(name, build.vpcId, this);
            this.buildInstanceProfileName = access.instanceProfileName;
            const repo = build.aptRepo;
            this.amiId = new PackerImage(
                name,
                {
                    templateDir: APP_TEMPLATE_DIR,
                    templateFile: APP_TEMPLATE_FILE,
                    source: APP_AMI_SOURCE,
                    region: args.region,
                    variables: {
                        region: args.region,
                        vpc_id: build.vpcId,
                        subnet_id: build.subnetId,
                        security_group_id: access.securityGroupId,
                        iam_instance_profile: access.instanceProfileName,
                        ssh_interface: "session_manager",
                        kms_key_id: key.arn,
                        ami_users: [args.prodAccountId],
                        instance_type: build.instanceType,
                        root_volume_size: build.rootVolumeGiB,
                        apt_repo_url: repo.url,
                        apt_distribution: repo.distribution,
                        apt_signing_key: repo.signingKey,
                        twine_version: repo.twineVersion,
                    },
                    notReady: publishedGate(build.aptBucket, repo.twineVersion, this),
                },
                { parent: this, dependsOn: [...(build.networkReady ?? []), ...access.egressRules] },
            ).amiId;
        } else {
            this.amiId = pulumi.output(args.amiId!);
        }

        // Packer already shares what it builds (ami_users, snapshot_users); this records the permission in the stack
        // and covers a pinned AMI too. A new AMI replaces it, and the replacement's delete would take prod's
        // permission off the AMI prod still runs (scale-out, replacement and rollback would fail until prod is
        // promoted): the old permission is kept, and goes with its AMI when that is deregistered.
        new aws.ec2.AmiLaunchPermission(
            `${name}-launch-prod`,
            { imageId: this.amiId, accountId: args.prodAccountId },
            { parent: this, retainOnDelete: true },
        );
        this.launchDependsOn = [autoScalingGrant(name, key.arn, args.accountId, this)];
        this.kmsKeyArn = key.arn;
        this.registerOutputs({ amiId: this.amiId, kmsKeyArn: this.kmsKeyArn });
    }
}

/**
 * What the Packer build instance runs with: an instance profile with SSM core only (Packer reaches it through
 * Session Manager, so it has no inbound rule and no public address), and egress for HTTPS (SSM, the apt repository
 * over the S3 endpoint) and HTTP (Ubuntu's archive, whose packages apt checks against signed indexes).
 */
function buildInstanceAccess(name: string, vpcId: pulumi.Input<string>, parent: pulumi.Resource) {
    const role = new aws.iam.Role(
        `${name}-build-role`,
        {
            description: "Packer build instance of the Twine app image: Session Manager access only",
            assumeRolePolicy: stableJson(ec2TrustPolicy()),
        },
        { parent },
    );
    new aws.iam.RolePolicyAttachment(
        `${name}-build-ssm`,
        { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
        { parent },
    );
    const profile = new aws.iam.InstanceProfile(`${name}-build-profile`, { role: role.name }, { parent });
    const group = new aws.ec2.SecurityGroup(
        `${name}-build-sg`,
        { vpcId, description: "Packer build instance of the Twine app image: no inbound, web egress only" },
        { parent },
    );
    const egressRules = [80, 443].map(
        port =>
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-build-egress-${port}`,
                {
                    securityGroupId: group.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                    description: `Build instance egress on ${port}`,
                },
                { parent },
            ),
    );
    return { instanceProfileName: profile.name, securityGroupId: group.id, egressRules };
}

/** The packages the image installs: the template's twine_packages default (images/twine-app/twine-app.pkr.hcl). */
export const APP_PACKAGES = ["twine"] as const;

/**
 * Why the bake must wait, from the repository's pool: "" once every package is there at the pinned version.
 * A first deploy of dev creates the bucket empty (the release pipeline publishes), so without this the build
 * instance would fail on `apt-get install` after minutes of Packer.
 */
function publishedGate(bucket: pulumi.Input<string>, version: string, parent: pulumi.Resource): pulumi.Output<string> {
    const listings = APP_PACKAGES.map(p => aws.s3.getObjectsOutput({ bucket, prefix: packagePoolPrefix(p, version) }, { parent }));
    return pulumi
        .all([pulumi.all(listings.map(l => l.keys)), pulumi.output(bucket)])
        .apply(([keys, name]) => unpublishedMessage(missingPackages(keys.flat(), APP_PACKAGES, version), version, name));
}

export interface ProdAppImageArgs {
    /** The prod account, whose Auto Scaling service-linked role gets the use of dev's key. */
    readonly accountId: string;
    /** The AMI dev tested (or one prod pins), and the key dev encrypted it with. */
    readonly amiId: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
}

/** Prod's promotion of the image dev tested: the grant that lets prod's Auto Scaling launch from dev's key. */
export class ProdAppImage extends pulumi.ComponentResource {
    public readonly amiId: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** What an Auto Scaling group launching this image must wait for: the grant that lets it use dev's key. */
    public readonly launchDependsOn: readonly pulumi.Resource[];

    constructor(name: string, args: ProdAppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:ProdAppImage", name, {}, opts);
        this.launchDependsOn = [autoScalingGrant(name, args.kmsKeyArn, args.accountId, this)];
        this.amiId = pulumi.output(args.amiId);
        this.kmsKeyArn = pulumi.output(args.kmsKeyArn);
        this.registerOutputs({ amiId: this.amiId, kmsKeyArn: this.kmsKeyArn });
    }
}

/**
 * The grant that lets the account's Auto Scaling service-linked role launch from volumes encrypted with the key:
 * the key policy names no role (see imageKeyPolicy), and a service-linked role takes no IAM policy. KMS checks
 * that the grantee exists, so the role must (runbook, bootstrapping); the groups depend on this grant.
 */
function autoScalingGrant(name: string, keyArn: pulumi.Input<string>, accountId: string, parent: pulumi.Resource): aws.kms.Grant {
    return new aws.kms.Grant(
        `${name}-autoscaling-grant`,
        {
            name: "twine-app-image-autoscaling",
            keyId: keyArn,
            granteePrincipal: autoScalingServiceLinkedRoleArn(accountId),
            operations: [...AUTOSCALING_GRANT_OPERATIONS],
            // Deleted by RetireGrant, which the grant itself lets this account call; the key policy gives it no
            // RevokeGrant (see grantRetiringPrincipal).
            retiringPrincipal: grantRetiringPrincipal(accountId),
            retireOnDelete: true,
        },
        { parent },
    );
}
