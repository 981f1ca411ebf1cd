/**
 * Pure helpers of the Jenkins host: the cloud-init user data that makes it boot ready, and its instance role's
 * policy. No Pulumi here, so they are unit-tested directly.
 */
import { parse } from "yaml";
import { AccessCloudConfig, accessCloudConfigDocument } from "../access/accessCloudConfig";
import { PolicyDocument, policyDocument } from "../account/iamPolicy";

/** Where JENKINS_HOME lives on the host; the container mounts it at /var/jenkins_home. */
export const JENKINS_HOME_MOUNT = "/srv/jenkins_home";
/** The uid/gid of the `jenkins` user in the official image. */
export const JENKINS_UID = 1000;
export const JENKINS_PORT = 8080;
/**
 * The Docker network the controller and the agents share, with fixed addresses: the host drops the agents'
 * traffic to the instance metadata service by source address, and the controller reaches each agent's sshd by it.
 */
export const JENKINS_NETWORK = {
    name: "jenkins",
    subnet: "172.30.0.0/24",
    controllerIp: "172.30.0.2",
    agentIp: "172.30.0.3",
    publishIp: "172.30.0.4",
} as const;
/** Where the build agent's workspace lives on the host: beside JENKINS_HOME, never inside it. */
export const JENKINS_AGENT_DIR = "/srv/jenkins_agent";

/**
 * The two agent containers, both the controller's image started as an sshd (agent-sshd.sh), each with its own
 * workspace and host key. `build` runs the app's build code; `publish` never does: it only signs and publishes the
 * packages the build stashed, so a process a build leaves behind never shares a machine with the signing key or the
 * build role's session (docs/build-and-delivery.md). The label is the node's name in casc.yaml.
 */
export const JENKINS_AGENTS = [
    { label: "build", unit: "jenkins-agent", ip: JENKINS_NETWORK.agentIp, dir: JENKINS_AGENT_DIR, keys: "agent", aptly: false },
    { label: "publish", unit: "jenkins-publish", ip: JENKINS_NETWORK.publishIp, dir: "/srv/jenkins_publish", keys: "publish", aptly: true },
] as const;
export type JenkinsAgent = (typeof JENKINS_AGENTS)[number];
/** Jenkins credential (aws-credentials, assuming the build role) the pipeline binds to publish. */
export const APT_PUBLISHER_CREDENTIAL = "apt-publisher";
/**
 * Tag that makes the Secrets Manager credentials provider offer a secret to pipelines as a secret file (the value is
 * the file's content: put it with --secret-binary), for multi-line secrets a pipeline must never hold in a variable
 * (aws-secrets-manager-credentials-provider, docs/README.md, "Secret File").
 */
export const JENKINS_FILE_CREDENTIAL_TAG = { "jenkins:credentials:type": "file" } as const;

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
    /** aptly.conf (JSON), mounted read-only into the publish agent's container as /etc/aptly.conf, where aptly looks for it. */
    readonly aptlyConf: string;
    /** The build role the controller's apt-publisher credential assumes for the agent's publish step. */
    readonly buildRoleArn: string;
}

/**
 * cloud-init user data: install Docker and the ECR credential helper, wait for the JENKINS_HOME volume, format
 * it only if it is blank (never an existing home), mount it, and run the pinned image as three services: the
 * controller (JENKINS_HOME, the instance role through IMDSv2) and the two agents (JENKINS_AGENTS), the same image
 * started as an sshd the controller launches each agent through. No agent mounts JENKINS_HOME or any secret, and the
 * host drops their packets to the instance metadata service, so a build reads neither the controller's files nor
 * the instance role; the publish step, on the publish agent, gets only what it binds (the build role's session, one secret).
 * Given the Jenkins target's access (access/accessCloudConfig.ts hostAccess), also the people who may log in from the
 * bastion, their keys, sshd's settings and the firewall, applied before Jenkins starts (nftables is installed for it).
 */
export function renderJenkinsUserData(args: JenkinsUserDataArgs, access?: AccessCloudConfig): string {
    const base = jenkinsCloudConfig(args);
    if (!access) return base;
    const doc = parse(base);
    return accessCloudConfigDocument(
        { ...access, write_files: [...access.write_files, ...doc.write_files], runcmd: [...access.runcmd, ...doc.runcmd] },
        { package_update: doc.package_update, packages: [...doc.packages, "nftables"] },
    );
}

/** What the host installs from Ubuntu's archive, through the NAT gateway. */
export const JENKINS_PACKAGES = ["docker.io", "amazon-ecr-credential-helper"] as const;

/** The boot step that makes sure the packages are there (see ensurePackagesScript). */
export const ENSURE_PACKAGES = "/usr/local/sbin/twine-ensure-packages";

/**
 * Installs the packages if cloud-init's package step could not, retrying while the network comes up (10 minutes by
 * default), and exits non-zero with the reason when they are still missing.
 */
export function ensurePackagesScript(packages: readonly string[], attempts = 60, pauseSeconds = 10): string {
    const list = packages.join(" ");
    return `#!/bin/sh
for attempt in $(seq ${attempts}); do
  dpkg-query -W ${list} >/dev/null 2>&1 && exit 0
  apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q -y install ${list} && exit 0
  echo "twine boot: installing ${list} failed (attempt $attempt of ${attempts}); retrying" >&2
  sleep ${pauseSeconds}
done
echo "twine boot: could not install ${list}: no route to Ubuntu's archive (the subnet's NAT route?). Jenkins is not started" >&2
exit 1`;
}

function jenkinsCloudConfig(args: JenkinsUserDataArgs): string {
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
${JENKINS_PACKAGES.map(p => `  - ${p}`).join("\n")}
write_files:
  - path: ${ENSURE_PACKAGES}
    permissions: "0755"
    content: |
${ensurePackagesScript(JENKINS_PACKAGES)
    .split("\n")
    .map(line => `      ${line}`)
    .join("\n")}
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
  - path: /usr/local/sbin/jenkins-agent-setup
    permissions: "0755"
    content: |
      #!/bin/bash
      # The network the controller and the agent share; the agent's SSH keys (made once, kept on the host); and
      # no instance metadata for the agent (DOCKER-USER sees container traffic the host forwards).
      set -euo pipefail
      docker network inspect ${JENKINS_NETWORK.name} >/dev/null 2>&1 \\
        || docker network create --subnet ${JENKINS_NETWORK.subnet} \\
          -o com.docker.network.bridge.name=${JENKINS_NETWORK.name}0 ${JENKINS_NETWORK.name}
      keys=/etc/twine/agent-ssh
      mkdir -p "$keys/controller"
      [ -f "$keys/controller/id_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -C jenkins-controller -f "$keys/controller/id_ed25519"
      : > "$keys/controller/known_hosts.new"
${JENKINS_AGENTS.map(agentSetup).join("\n")}
      mv "$keys/controller/known_hosts.new" "$keys/controller/known_hosts"
      chown -R ${JENKINS_UID}:${JENKINS_UID} "$keys/controller" && chmod 0600 "$keys/controller/id_ed25519"
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
      ExecStartPre=/usr/local/sbin/jenkins-agent-setup
      ExecStartPre=-/usr/bin/docker rm -f jenkins
      ExecStartPre=/usr/bin/docker pull ${args.imageRef}
      ExecStart=/usr/bin/docker run --rm --name jenkins \\
        --network ${JENKINS_NETWORK.name} --ip ${JENKINS_NETWORK.controllerIp} \\
        --publish ${JENKINS_PORT}:${JENKINS_PORT} \\
        --volume ${JENKINS_HOME_MOUNT}:/var/jenkins_home \\
        --volume /etc/twine/agent-ssh/controller:/run/twine/agent-ssh:ro \\
        --env AWS_REGION=${args.region} \\
        --env TWINE_BUILD_ROLE_ARN=${args.buildRoleArn} \\
        --env JENKINS_JAVA_OPTS=-Xmx${args.javaHeap} \\
        --log-driver awslogs --log-opt awslogs-region=${args.region} --log-opt awslogs-group=${args.logGroup} \\
        ${args.imageRef}
      ExecStop=/usr/bin/docker stop --time 60 jenkins

      [Install]
      WantedBy=multi-user.target
${JENKINS_AGENTS.map(a => agentUnit(a, args)).join("\n")}
runcmd:
  # cloud-init's package step fails once and moves on when the subnet's NAT route is not there yet. runcmd is one
  # sh script: stop it here, before enabling services that cannot start, with the reason on the console.
  - ${ENSURE_PACKAGES} || exit 1
  - [systemctl, daemon-reload]
  - [systemctl, enable, --now, docker.service]
  - [systemctl, enable, --now, jenkins.service]
${JENKINS_AGENTS.map(a => `  - [systemctl, enable, --now, ${a.unit}.service]`).join("\n")}
`;
}

/** The host side of one agent: its host key (made once, kept), the controller's key it admits, its workspace. */
function agentSetup(agent: JenkinsAgent): string {
    const dir = `"$keys/${agent.keys}"`;
    return `      mkdir -p ${dir}
      [ -f ${dir}/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N "" -C jenkins-${agent.label} -f ${dir}/ssh_host_ed25519_key
      cp "$keys/controller/id_ed25519.pub" ${dir}/authorized_keys
      echo "${agent.ip} $(cat ${dir}/ssh_host_ed25519_key.pub)" >> "$keys/controller/known_hosts.new"
      mkdir -p ${agent.dir} && chown ${JENKINS_UID}:${JENKINS_UID} ${agent.dir}
      iptables -C DOCKER-USER -s ${agent.ip} -d 169.254.169.254 -j DROP 2>/dev/null \\
        || iptables -I DOCKER-USER -s ${agent.ip} -d 169.254.169.254 -j DROP`;
}

/** One agent's container: no JENKINS_HOME, no secret, no instance metadata; only the publish agent reads aptly.conf. */
function agentUnit(agent: JenkinsAgent, args: JenkinsUserDataArgs): string {
    const aptly = agent.aptly ? "\n        --volume /etc/twine/aptly.conf:/etc/aptly.conf:ro \\" : "";
    return `  - path: /etc/systemd/system/${agent.unit}.service
    content: |
      [Unit]
      Description=Jenkins ${agent.label} agent (container): no JENKINS_HOME, no secrets, no instance metadata
      After=jenkins.service
      Requires=docker.service

      [Service]
      Restart=always
      RestartSec=10
      ExecStartPre=-/usr/bin/docker rm -f ${agent.unit}
      ExecStart=/usr/bin/docker run --rm --name ${agent.unit} \\
        --network ${JENKINS_NETWORK.name} --ip ${agent.ip} \\
        --volume ${agent.dir}:/srv/agent \\
        --volume /etc/twine/agent-ssh/${agent.keys}:/run/twine/agent-ssh:ro \\${aptly}
        --env AWS_REGION=${args.region} \\
        --user 0 --entrypoint /usr/local/bin/twine-agent-sshd \\
        --log-driver awslogs --log-opt awslogs-region=${args.region} --log-opt awslogs-group=${args.logGroup} \\
        ${args.imageRef}
      ExecStop=/usr/bin/docker stop --time 60 ${agent.unit}

      [Install]
      WantedBy=multi-user.target`;
}

export interface JenkinsPolicyArgs {
    /** The role the apt-publisher credential assumes, the only one the controller may. */
    readonly buildRoleArn: string;
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
 * - the aws-credentials plugin assumes the build role for the pipeline's publish step (jenkinsBuildPolicy), whose
 *   short-lived session is all the agent ever holds.
 * Jenkins never runs Packer (the AMI is baked by the dev stack's update in Pulumi Deployments), so it has no EC2
 * rights and passes no role.
 */
export function jenkinsInstancePolicy(args: JenkinsPolicyArgs): PolicyDocument {
    return policyDocument(
        {
            Sid: "AssumeBuildRole",
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: args.buildRoleArn,
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

/** The build role's policy: Aptly's publish to the apt bucket (list, read, write and delete objects), nothing else. */
export function jenkinsBuildPolicy(aptBucketArn: string): PolicyDocument {
    return policyDocument({
        Sid: "AptPublish",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: [aptBucketArn, `${aptBucketArn}/*`],
    });
}

/**
 * The prefix of every Secrets Manager name Jenkins may read. Fixed (one Jenkins per account), because the
 * image's casc.yaml names its secrets under it.
 */
export const JENKINS_SECRET_PREFIX = "twine/jenkins/";

/** Secrets the image's configuration and pipeline read, created empty by the stack; values are put by hand. */
export const JENKINS_SECRETS = {
    "admin-password": "Password of the Jenkins admin user (casc.yaml).",
} as const;
