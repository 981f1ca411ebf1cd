import { AptRepo } from "../components/aptRepo";
import { Jenkins } from "../components/jenkins";
import { JENKINS_PORT, JENKINS_SECRET_PREFIX } from "../components/jenkinsHost";
import { Network } from "../components/network";
import { DevStackConfig } from "../config";
import { withBuildToolingDefaults } from "../config/buildTooling";
import * as pulumi from "@pulumi/pulumi";
import { StackContext } from "./context";
import { EnvAccess } from "./envAccess";
import { BastionOutputs } from "./outputs";

/**
 * The dev account's build tooling: Jenkins (which builds and publishes the packages) and the apt
 * repository it publishes to. Returns the dev-only outputs.
 */
export function buildTooling(
    ctx: StackContext<DevStackConfig>,
    network: Network,
    bastion: BastionOutputs,
    access: EnvAccess,
    pulumiAccessToken?: pulumi.Output<string>,
) {
    const { config, stack } = ctx;
    const settings = withBuildToolingDefaults(config.buildTooling);
    // Deterministic, globally unique name: the URL and ARN are known before the bucket exists, so the Jenkins
    // role can be granted the bucket and the bucket can name the Jenkins role without a cycle.
    const bucketName = `twine-apt-${stack}-${config.accountId}-${config.region}`;
    const jenkins = new Jenkins(
        `${stack}-jenkins`,
        {
            accountId: config.accountId,
            region: config.region,
            stack,
            vpcId: network.vpcId,
            subnetId: network.private.subnets[0].id,
            availabilityZone: network.private.subnets[0].availabilityZone,
            vpcCidr: config.network.cidr,
            bastionCidr: `${bastion.bastionPrivateIp}/32`,
            extraSecurityGroupIds: [access.sshFromBastionSecurityGroupId],
            webhook: settings.jenkins.webhook && { ...settings.jenkins.webhook, publicSubnetIds: network.subnetIds("public") },
            instanceType: settings.jenkins.instanceType,
            homeVolumeGiB: settings.jenkins.homeVolumeGiB,
            snapshotTime: settings.jenkins.snapshotTime,
            snapshotRetainCount: settings.jenkins.snapshotRetainCount,
            aptBucketName: bucketName,
            pulumiAccessToken,
        },
        { provider: ctx.provider },
    );
    // The UI tunnel (ssh -L 8080:<jenkins>:8080 via the bastion) needs the bastion's egress to the host.
    access.allowBastionTunnel("jenkins-ui", JENKINS_PORT, pulumi.interpolate`${jenkins.instance.privateIp}/32`);
    const apt = new AptRepo(
        `${stack}-apt`,
        {
            bucketName,
            region: config.region,
            writerRoleArns: [jenkins.buildRole.arn],
            readVpceIds: [network.s3Endpoint.id],
            signingKeySecretName: `${JENKINS_SECRET_PREFIX}apt-signing-key`,
            noncurrentVersionDays: settings.aptRepo.noncurrentVersionDays,
        },
        { provider: ctx.provider },
    );
    return {
        jenkinsUrl: jenkins.url,
        jenkinsImageRepositoryUrl: jenkins.repository.repositoryUrl,
        jenkinsImageDigest: jenkins.imageRef,
        aptBucketName: apt.bucket.bucket,
        aptRepoUrl: apt.url,
        aptSigningKeySecretArn: apt.signingKeySecret.arn,
    };
}
