import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { buildContextHash } from "./buildContextHash";
import { ec2TrustPolicy, policyDocument, stableJson } from "../account/iamPolicy";
import { aptlyConfig } from "./aptlyConfig";
import {
    JENKINS_PORT,
    JENKINS_SECRETS,
    JENKINS_SECRET_PREFIX,
    jenkinsBuildPolicy,
    jenkinsInstancePolicy,
    renderJenkinsUserData,
} from "./jenkinsHostConfig";
import { jenkinsWebhookEntrance } from "./jenkinsWebhook";
import { AccessCloudConfig } from "../access/accessCloudConfig";

/** The Jenkins image build context, in this repository. */
export const JENKINS_IMAGE_CONTEXT = path.resolve(__dirname, "..", "..", "images", "jenkins");

/** The host's settings; config/buildTooling.ts produces them with its defaults applied. */
export interface JenkinsSettings {
    /** EC2 instance type of the host (x86_64). */
    readonly instanceType: string;
    /** AMI to boot: Canonical's Ubuntu 24.04 amd64 (the stack checks the pin with pinnedUbuntuAmiId); a change replaces the host. */
    readonly amiId: string;
    /** Size of the JENKINS_HOME volume in GiB. */
    readonly homeVolumeGiB: number;
    /** UTC time of the daily snapshot, HH:MM. */
    readonly snapshotTime: string;
    /** Daily snapshots kept. */
    readonly snapshotRetainCount: number;
    /**
     * An HTTPS entrance for SCM webhooks from these ranges (never 0.0.0.0/0), forwarding only the hook paths.
     * @default - none: Jenkins is reachable from the VPC and the bastion only
     */
    readonly webhook?: { readonly cidrs: readonly string[]; readonly certificateArn: string };
}

export interface JenkinsArgs extends JenkinsSettings {
    /** Who may log in from the bastion (access/accessCloudConfig.ts hostAccess). @default - nobody */
    readonly access?: AccessCloudConfig;
    /**
     * What the host's first boot needs in place: its subnet's NAT route (Ubuntu's archive, ECR) and the S3 endpoint.
     * IDs alone do not order them before the instance, and its one-time package install runs at first boot.
     * Defaults to none.
     */
    readonly networkReady?: readonly pulumi.Resource[];
    readonly accountId: string;
    readonly region: string;
    /** Stack name: scopes secret names and the snapshot policy's target tag. */
    readonly stack: string;
    readonly vpcId: pulumi.Input<string>;
    /** The private subnet the host runs in. */
    readonly subnetId: pulumi.Input<string>;
    /** That subnet's availability zone, where JENKINS_HOME is created. */
    readonly availabilityZone: pulumi.Input<string>;
    /** The VPC's block: the web UI is open to it. */
    readonly vpcCidr: string;
    /** The bastion host's address as a /32: engineers reach the UI through the bastion (an SSH tunnel). */
    readonly bastionCidr: string;
    /** More groups for the host, e.g. SSH from the bastion. @default - none */
    readonly extraSecurityGroupIds?: readonly pulumi.Input<string>[];
    /** Public subnets for the webhook entrance's load balancer (used only with `webhook`). */
    readonly publicSubnetIds: pulumi.Input<string[]>;
    /** Name of the apt bucket the pipelines publish to (deterministic, so known before the bucket exists). */
    readonly aptBucketName: string;
    /** Docker build context of the image. @default images/jenkins in this repository */
    readonly imageContext?: string;
}

/**
 * Jenkins in Docker on a private host: an ECR repository, the image built from images/jenkins and pushed there,
 * a host with no public address that runs the image (pinned by digest) as a systemd service, JENKINS_HOME on
 * its own encrypted, protected and retained EBS volume snapshotted daily by DLM, and an instance role limited
 * to what Jenkins calls itself (no EC2 rights: the AMI is baked by the dev stack's update, not by Jenkins).
 */
export class Jenkins extends pulumi.ComponentResource {
    public readonly repository: aws.ecr.Repository;
    public readonly image: docker.Image;
    /** <repository>@sha256:<digest>: what the host runs. */
    public readonly imageRef: pulumi.Output<string>;
    public readonly instance: aws.ec2.Instance;
    public readonly homeVolume: aws.ebs.Volume;
    public readonly role: aws.iam.Role;
    /** The role the build agent's publish step runs as (through the controller's apt-publisher credential). */
    public readonly buildRole: aws.iam.Role;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: JenkinsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:Jenkins", name, args, opts);
        const parent = { parent: this };

        // Registry: immutable tags (a tag is a content hash, never reused), scanned on push, old images expired.
        this.repository = new aws.ecr.Repository(
            `${name}-image`,
            {
                name: `twine/jenkins-${args.stack}`,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                forceDelete: false,
            },
            parent,
        );
        new aws.ecr.LifecyclePolicy(
            `${name}-image`,
            {
                repository: this.repository.name,
                policy: stableJson({
                    rules: [
                        {
                            rulePriority: 1,
                            description: "Drop untagged layers after 7 days",
                            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                            action: { type: "expire" },
                        },
                        {
                            rulePriority: 2,
                            description: "Keep the 20 newest images",
                            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            { parent: this.repository },
        );

        const context = args.imageContext ?? JENKINS_IMAGE_CONTEXT;
        const tag = `ctx-${buildContextHash(context).slice(0, 16)}`;
        // Relative to the project folder, where `pulumi` runs: the same inputs on every machine.
        const relativeContext = path.relative(process.cwd(), context) || ".";
        this.image = new docker.Image(
            `${name}-image`,
            {
                imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${tag}`,
                build: { context: relativeContext, dockerfile: path.join(relativeContext, "Dockerfile"), platform: "linux/amd64" },
                // No username or password: the provider then asks the machine's Docker credential helper (ecr-login,
                // docs/build-and-delivery.md) for a login, which never lands in state (pulumi-docker provider/image.go,
                // getRegistryAuth). A login passed here is stored in state, where every preview can decrypt it.
                // The registry's host: Docker looks a credential helper up by host (config.json credHelpers), which
                // scripts/ecr-credential-helper.sh writes for Deployments runs and the cloud-init for the Jenkins host.
                registry: { server: this.repository.repositoryUrl.apply(url => url.split("/")[0]) },
            },
            parent,
        );
        this.imageRef = this.image.repoDigest;

        // Logs of the container, through Docker's awslogs driver.
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: `/twine/jenkins/${args.stack}`, retentionInDays: 90 }, parent);

        // The secrets Jenkins reads, created empty: values are put by hand (docs/runbook.md), never through this
        // stack's state, which every pull request's preview can decrypt. Jenkins holds no Pulumi token: the release
        // commit deploys dev (docs/build-and-delivery.md).
        for (const [key, description] of Object.entries(JENKINS_SECRETS)) {
            new aws.secretsmanager.Secret(
                `${name}-${key}`,
                { name: `${JENKINS_SECRET_PREFIX}${key}`, description, recoveryWindowInDays: 30 },
                parent,
            );
        }

        const ec2Trust = stableJson(ec2TrustPolicy());
        this.role = new aws.iam.Role(
            `${name}-host`,
            { assumeRolePolicy: ec2Trust, description: "Jenkins controller: its image, its logs, its secrets, the build role" },
            parent,
        );
        this.buildRole = new aws.iam.Role(
            `${name}-build`,
            {
                assumeRolePolicy: this.role.arn.apply(arn =>
                    stableJson(policyDocument({ Effect: "Allow", Principal: { AWS: arn }, Action: "sts:AssumeRole" })),
                ),
                description: "Jenkins builds: publish to the apt repository (the agent's only AWS identity)",
                maxSessionDuration: 3600,
            },
            parent,
        );
        new aws.iam.RolePolicy(
            `${name}-build`,
            { role: this.buildRole.id, policy: stableJson(jenkinsBuildPolicy(`arn:aws:s3:::${args.aptBucketName}`)) },
            { parent: this.buildRole },
        );
        new aws.iam.RolePolicy(
            `${name}-host`,
            {
                role: this.role.id,
                policy: pulumi.all([this.repository.arn, logGroup.arn, this.buildRole.arn]).apply(([ecrArn, logArn, buildRoleArn]) =>
                    stableJson(
                        jenkinsInstancePolicy({
                            buildRoleArn,
                            ecrRepositoryArn: ecrArn,
                            logGroupArn: logArn,
                            secretArns: [`arn:aws:secretsmanager:${args.region}:${args.accountId}:secret:${JENKINS_SECRET_PREFIX}*`],
                        }),
                    ),
                ),
            },
            { parent: this.role },
        );
        const profile = new aws.iam.InstanceProfile(`${name}-host`, { role: this.role.name }, { parent: this.role });

        // The UI port from the VPC and the bastion's VPC only, plus any configured webhook ranges.
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-host`,
            { vpcId: args.vpcId, description: `Jenkins ${args.stack}: UI from the VPC and the bastion` },
            parent,
        );
        const sources = [
            { key: "vpc", cidr: args.vpcCidr, why: "the VPC" },
            { key: "bastion", cidr: args.bastionCidr, why: "the bastion host (SSH tunnel)" },
        ];
        for (const s of sources) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-ui-${s.key}`,
                {
                    securityGroupId: this.securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: JENKINS_PORT,
                    toPort: JENKINS_PORT,
                    cidrIpv4: s.cidr,
                    description: `Jenkins UI from ${s.why}`,
                },
                { parent: this.securityGroup },
            );
        }
        // Out: HTTPS (ECR, S3, Secrets Manager, GitHub, update center) and HTTP (Ubuntu mirrors), through the NAT.
        for (const port of [443, 80]) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-egress-${port}`,
                {
                    securityGroupId: this.securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                    description: `Outbound ${port}`,
                },
                { parent: this.securityGroup },
            );
        }

        // JENKINS_HOME: its own volume, so replacing the host never loses builds; protected and kept on delete.
        const snapshotTag = `${name}-home`;
        this.homeVolume = new aws.ebs.Volume(
            `${name}-home`,
            {
                availabilityZone: args.availabilityZone,
                size: args.homeVolumeGiB,
                type: "gp3",
                encrypted: true,
                tags: { Name: `${name}-home`, DlmSnapshot: snapshotTag },
            },
            { parent: this, protect: true, retainOnDelete: true },
        );

        this.instance = new aws.ec2.Instance(
            `${name}-host`,
            {
                ami: args.amiId,
                instanceType: args.instanceType,
                subnetId: args.subnetId,
                associatePublicIpAddress: false,
                vpcSecurityGroupIds: [this.securityGroup.id, ...(args.extraSecurityGroupIds ?? [])],
                iamInstanceProfile: profile.name,
                ebsOptimized: true,
                monitoring: true,
                // IMDSv2 only. Hop limit 2: the controller's container (bridge network, one hop more) needs the instance
                // role for its secrets and the build role; the host drops the agent container's metadata traffic.
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 2,
                    instanceMetadataTags: "disabled",
                },
                rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 30, deleteOnTermination: true },
                userData: pulumi
                    .all([this.imageRef, this.homeVolume.id, logGroup.name, this.buildRole.arn])
                    .apply(([imageRef, volumeId, group, buildRoleArn]) =>
                        renderJenkinsUserData(
                            {
                                imageRef,
                                region: args.region,
                                homeVolumeId: volumeId,
                                logGroup: group,
                                javaHeap: "2g",
                                aptlyConf: JSON.stringify(aptlyConfig({ bucket: args.aptBucketName, region: args.region })),
                                buildRoleArn,
                            },
                            args.access,
                        ),
                    ),
                // A new image or script means a new host booting it; JENKINS_HOME moves over on its volume.
                userDataReplaceOnChange: true,
                tags: { Name: `${name}-jenkins` },
            },
            // The AMI is not ignored: ignoreChanges also holds on a replacement, which would relaunch the first deploy's AMI.
            { parent: this, deleteBeforeReplace: true, dependsOn: [...(args.networkReady ?? [])] },
        );
        new aws.ec2.VolumeAttachment(
            `${name}-home`,
            { instanceId: this.instance.id, volumeId: this.homeVolume.id, deviceName: "/dev/sdf", stopInstanceBeforeDetaching: true },
            { parent: this.homeVolume, deleteBeforeReplace: true },
        );

        // Daily snapshots of JENKINS_HOME, selected by tag, kept for snapshotRetainCount days.
        const dlmRole = new aws.iam.Role(
            `${name}-snapshots`,
            {
                assumeRolePolicy: stableJson(
                    policyDocument({ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }),
                ),
                description: "Data Lifecycle Manager: snapshots of JENKINS_HOME",
            },
            parent,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-snapshots`,
            { role: dlmRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole" },
            { parent: dlmRole },
        );
        new aws.dlm.LifecyclePolicy(
            `${name}-snapshots`,
            {
                description: `Daily snapshots of Jenkins ${args.stack} JENKINS_HOME`,
                executionRoleArn: dlmRole.arn,
                state: "ENABLED",
                policyDetails: {
                    policyType: "EBS_SNAPSHOT_MANAGEMENT",
                    resourceTypes: ["VOLUME"],
                    targetTags: { DlmSnapshot: snapshotTag },
                    schedules: [
                        {
                            name: "daily",
                            createRule: { interval: 24, intervalUnit: "HOURS", times: args.snapshotTime },
                            retainRule: { count: args.snapshotRetainCount },
                            copyTags: true,
                            tagsToAdd: { SnapshotCreator: "dlm" },
                        },
                    ],
                },
            },
            { parent: dlmRole },
        );

        if (args.webhook) {
            jenkinsWebhookEntrance(
                name,
                {
                    vpcId: args.vpcId,
                    subnetIds: args.publicSubnetIds,
                    cidrs: args.webhook.cidrs,
                    certificateArn: args.webhook.certificateArn,
                    instanceId: this.instance.id,
                    hostSecurityGroupId: this.securityGroup.id,
                },
                this,
            );
        }

        this.url = pulumi.interpolate`http://${this.instance.privateIp}:${JENKINS_PORT}/`;
        this.registerOutputs({ url: this.url, imageRef: this.imageRef, repositoryUrl: this.repository.repositoryUrl });
    }
}
