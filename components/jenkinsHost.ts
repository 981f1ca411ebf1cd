/**
 * Pure helpers of the Jenkins host: the cloud-init user data that makes it boot ready, and its instance role's
 * policy. No Pulumi here, so they are unit-tested directly.
 */
import { PolicyDocument, policyDocument } from "./iam";

/** Where JENKINS_HOME lives on the host; the container mounts it at /var/jenkins_home. */
export const JENKINS_HOME_MOUNT = "/srv/jenkins_home";
/** The uid/gid of the `jenkins` user in the official image. */
export const JENKINS_UID = 1000;
export const JENKINS_PORT = 8080;

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
    readonly aptBucketArn: string;
    readonly ecrRepositoryArn: string;
    readonly logGroupArn: string;
    /** Secrets Jenkins reads: its own (by name prefix) and the apt signing key. */
    readonly secretArns: readonly string[];
}

/**
 * What Jenkins itself calls, and nothing more (each call named where it is made):
 * - the host's Docker pulls the controller image from its ECR repository (amazon-ecr-credential-helper):
 *   ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer; the image is pushed by the dev
 *   stack's update (components/jenkins.ts), never by Jenkins;
 * - Docker's awslogs driver writes the container's logs: logs:CreateLogStream, logs:PutLogEvents;
 * - configuration as code and the credentials provider read Jenkins's secrets: secretsmanager:ListSecrets (which
 *   takes no resource), DescribeSecret and GetSecretValue under twine/jenkins/;
 * - the pipeline publishes with Aptly to the apt bucket: list, read, write and delete objects there.
 * Jenkins never runs Packer (the AMI is baked by the dev stack's update in Pulumi Deployments), so it has no EC2
 * rights and passes no role.
 */
export function jenkinsInstancePolicy(args: JenkinsPolicyArgs): PolicyDocument {
    return policyDocument(
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
            Sid: "EcrPull",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
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
    "pulumi-access-token": "Token of the twine-infra-jenkins Pulumi Cloud team (Write on the dev stack only): starts the dev deployment.",
} as const;
