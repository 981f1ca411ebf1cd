/**
 * Pure helpers of the Jenkins host: the cloud-init user data that makes it boot ready, and its instance role's
 * policy. No Pulumi here, so they are unit-tested directly.
 */
import { PolicyDocument, policyDocument } from "../account/iamPolicy";

/** Where JENKINS_HOME lives on the host; the container mounts it at /var/jenkins_home. */
export const JENKINS_HOME_MOUNT = "/srv/jenkins_home";
/** The uid/gid of the `jenkins` user in the official image. */
export const JENKINS_UID = 1000;
export const JENKINS_PORT = 8080;
/** Tag every Packer build instance carries (run_tags), so the Jenkins role may stop and terminate only those. */
export const PACKER_BUILD_TAG = { key: "TwineBuild", value: "packer" } as const;

export interface JenkinsUserDataArgs {
    /** The image, pinned by digest: <registry>/<repo>@sha256:<digest>. */
    readonly imageRef: string;
    readonly region: string;
    /** The JENKINS_HOME volume id (vol-...), found on the host by its NVMe serial. */
    readonly homeVolumeId: string;
    /** CloudWatch Logs group the container logs to. */
    readonly logGroup: string;
    /** Java heap for the controller, e.g. "4g". */
    readonly javaHeap: string;
    /** aptly.conf (JSON), mounted read-only into the container as /etc/aptly.conf, where aptly looks for it. */
    readonly aptlyConf: string;
}

/**
 * cloud-init user data: install Docker and the ECR credential helper, wait for the JENKINS_HOME volume, format
 * it only if it is blank (never an existing home), mount it, and run the pinned image as a systemd service.
 */
export function renderJenkinsUserData(args: JenkinsUserDataArgs): string {
    if (!/@sha256:[0-9a-f]{64}$/.test(args.imageRef)) {
        throw new Error(`renderJenkinsUserData: the image must be pinned by digest (<repo>@sha256:<64 hex>), got "${args.imageRef}"`);
    }
    if (!/^vol-[0-9a-f]{8,17}$/.test(args.homeVolumeId)) {
        throw new Error(`renderJenkinsUserData: "${args.homeVolumeId}" is not an EBS volume id`);
    }
    const registry = args.imageRef.split("/")[0];
    const serial = args.homeVolumeId.replace("-", "");
    const device = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${serial}`;
    return `#cloud-config
package_update: true
packages:
  - docker.io
  - amazon-ecr-credential-helper
write_files:
  - path: /root/.docker/config.json
    permissions: "0600"
    content: |
      {"credHelpers": {"${registry}": "ecr-login"}}
  - path: /etc/twine/aptly.conf
    permissions: "0644"
    content: |
      ${args.aptlyConf}
  - path: /usr/local/sbin/jenkins-home-mount
    permissions: "0755"
    content: |
      #!/bin/bash
      # Waits for the JENKINS_HOME volume (attached after boot), formats it only when blank, mounts it.
      set -euo pipefail
      device=${device}
      for _ in $(seq 1 120); do [ -e "$device" ] && break; sleep 5; done
      [ -e "$device" ] || { echo "JENKINS_HOME volume ${args.homeVolumeId} never attached" >&2; exit 1; }
      if ! blkid "$device" >/dev/null 2>&1; then mkfs.ext4 -L jenkins_home "$device"; fi
      mkdir -p ${JENKINS_HOME_MOUNT}
      grep -q "${JENKINS_HOME_MOUNT}" /etc/fstab || echo "$device ${JENKINS_HOME_MOUNT} ext4 defaults,nofail,noatime 0 2" >> /etc/fstab
      mountpoint -q ${JENKINS_HOME_MOUNT} || mount ${JENKINS_HOME_MOUNT}
      chown ${JENKINS_UID}:${JENKINS_UID} ${JENKINS_HOME_MOUNT}
  - path: /etc/systemd/system/jenkins.service
    content: |
      [Unit]
      Description=Jenkins controller (container)
      After=docker.service network-online.target
      Requires=docker.service
      Wants=network-online.target

      [Service]
      Restart=always
      RestartSec=10
      TimeoutStartSec=900
      ExecStartPre=/usr/local/sbin/jenkins-home-mount
      ExecStartPre=-/usr/bin/docker rm -f jenkins
      ExecStartPre=/usr/bin/docker pull ${args.imageRef}
      ExecStart=/usr/bin/docker run --rm --name jenkins \\
        --publish ${JENKINS_PORT}:${JENKINS_PORT} \\
        --volume ${JENKINS_HOME_MOUNT}:/var/jenkins_home \\
        --volume /etc/twine/aptly.conf:/etc/aptly.conf:ro \\
        --env AWS_REGION=${args.region} \\
        --env JENKINS_JAVA_OPTS=-Xmx${args.javaHeap} \\
        --log-driver awslogs --log-opt awslogs-region=${args.region} --log-opt awslogs-group=${args.logGroup} \\
        ${args.imageRef}
      ExecStop=/usr/bin/docker stop --time 60 jenkins

      [Install]
      WantedBy=multi-user.target
runcmd:
  - [systemctl, daemon-reload]
  - [systemctl, enable, --now, docker.service]
  - [systemctl, enable, --now, jenkins.service]
`;
}

export interface JenkinsPolicyArgs {
    readonly accountId: string;
    readonly region: string;
    readonly aptBucketArn: string;
    readonly ecrRepositoryArn: string;
    readonly logGroupArn: string;
    /** Secrets Jenkins reads: its own (by name prefix) and the apt signing key. */
    readonly secretArns: readonly string[];
    /** The role Packer's build instances run as; the only role Jenkins may pass. */
    readonly packerBuildRoleArn: string;
    /** Its instance profile, which Packer reads before launching (iam_instance_profile). */
    readonly packerInstanceProfileArn: string;
}

/**
 * What the pipelines need and nothing more: run Packer EBS builds in this account and region (the documented
 * minimal Packer permissions; instance-level actions only on instances tagged as Packer builds), publish to the
 * apt bucket, push to the Jenkins ECR repository, read its secrets, and write its container logs.
 * No wildcard actions; `Resource: "*"` only where EC2 offers no resource-level permission (Describe*, Create*).
 */
export function jenkinsInstancePolicy(args: JenkinsPolicyArgs): PolicyDocument {
    const inRegion = { StringEquals: { "aws:RequestedRegion": args.region } };
    const ec2 = (kind: string) => `arn:aws:ec2:${args.region}:${args.accountId}:${kind}/*`;
    return policyDocument(
        {
            Sid: "PackerEc2Build",
            Effect: "Allow",
            Action: [
                "ec2:AttachVolume",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CopyImage",
                "ec2:CreateImage",
                "ec2:CreateKeyPair",
                "ec2:CreateSecurityGroup",
                "ec2:CreateSnapshot",
                "ec2:CreateTags",
                "ec2:CreateVolume",
                "ec2:DeleteKeyPair",
                "ec2:DeleteSecurityGroup",
                "ec2:DeleteSnapshot",
                "ec2:DeleteVolume",
                "ec2:DeregisterImage",
                "ec2:DescribeImageAttribute",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeRegions",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSnapshots",
                "ec2:DescribeSubnets",
                "ec2:DescribeTags",
                "ec2:DescribeVolumes",
                "ec2:DetachVolume",
                "ec2:GetPasswordData",
                "ec2:ModifyImageAttribute",
                "ec2:ModifySnapshotAttribute",
                "ec2:RegisterImage",
                "ec2:RunInstances",
            ],
            Resource: "*",
            Condition: inRegion,
        },
        {
            Sid: "PackerManageOwnBuildInstances",
            Effect: "Allow",
            Action: ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:TerminateInstances"],
            Resource: ec2("instance"),
            Condition: { StringEquals: { [`ec2:ResourceTag/${PACKER_BUILD_TAG.key}`]: PACKER_BUILD_TAG.value } },
        },
        {
            Sid: "PackerPassBuildRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: args.packerBuildRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        },
        {
            Sid: "PackerReadBuildProfile",
            Effect: "Allow",
            Action: "iam:GetInstanceProfile",
            Resource: args.packerInstanceProfileArn,
        },
        {
            Sid: "AptPublish",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            Resource: [args.aptBucketArn, `${args.aptBucketArn}/*`],
        },
        {
            Sid: "EcrLogin",
            Effect: "Allow",
            Action: "ecr:GetAuthorizationToken",
            Resource: "*",
        },
        {
            Sid: "EcrPushPull",
            Effect: "Allow",
            Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:DescribeImages",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            Resource: args.ecrRepositoryArn,
        },
        {
            Sid: "ReadOwnSecrets",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: [...args.secretArns],
        },
        {
            // The credentials provider lists secrets to find those tagged for Jenkins; ListSecrets has no resource scope.
            Sid: "ListSecretsForCredentialsProvider",
            Effect: "Allow",
            Action: "secretsmanager:ListSecrets",
            Resource: "*",
        },
        {
            Sid: "ContainerLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${args.logGroupArn}:*`,
        },
    );
}

/**
 * The prefix of every Secrets Manager name Jenkins may read. Fixed (one Jenkins per account), because the
 * image's casc.yaml names its secrets under it.
 */
export const JENKINS_SECRET_PREFIX = "twine/jenkins/";

/** Secrets the image's configuration and pipeline read, created empty by the stack; values are put by hand. */
export const JENKINS_SECRETS = {
    "admin-password": "Password of the Jenkins admin user (casc.yaml).",
    "pulumi-access-token": "Pulumi Cloud token the pipeline's deploy stage uses to start a dev deployment.",
} as const;
