import * as pulumi from "@pulumi/pulumi";
import { AptRepo } from "../components/delivery/aptRepo";
import { Jenkins } from "../components/delivery/jenkins";
import { JENKINS_SECRET_PREFIX } from "../components/delivery/jenkinsHostConfig";
import { Network } from "../components/network/network";
import { DevStackConfig } from "../config";
import { StackContext } from "./context";
import { EnvAccess } from "./envAccess";
import { BastionOutputs } from "./outputs";
import { JENKINS_TARGET } from "../components/access/accessGrantsConfig";
import { hostAccess } from "../components/access/accessCloudConfig";

/**
 * The dev account's build tooling: Jenkins (which builds and publishes the packages) and the apt
 * repository it publishes to. Returns the dev-only outputs.
 */
export function buildTooling(
    ctx: StackContext<DevStackConfig>,
    /** buildTooling.jenkins.amiId, checked to be Canonical's (pinnedUbuntuAmiId). */
    jenkinsAmiId: string,
    network: Network,
    bastion: BastionOutputs,
    access: EnvAccess,
    accessLogBucket: pulumi.Input<string>,
) {
    const { config, stack } = ctx;
    const settings = config.buildTooling;
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
            // The people the bastion stack grants the jenkins target, from the bastion only.
            access: hostAccess({
                logins: bastion.access.dev?.[JENKINS_TARGET] ?? [],
                bastionIp: bastion.bastionPrivateIp,
                role: "the Jenkins host",
            }),
            ...settings.jenkins,
            amiId: jenkinsAmiId,
            publicSubnetIds: network.subnetIds("public"),
            networkReady: [network.s3Endpoint, ...network.natRoutes],
            aptBucketName: bucketName,
        },
        { provider: ctx.provider },
    );
    const apt = new AptRepo(
        `${stack}-apt`,
        {
            bucketName,
            region: config.region,
            writerRoleArns: [jenkins.buildRole.arn],
            readVpceIds: [network.s3Endpoint.id],
            signingKeySecretName: `${JENKINS_SECRET_PREFIX}apt-signing-key`,
            ...settings.aptRepo,
            accessLogBucket,
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
