import { AptRepo } from "../components/build/aptRepo";
import { Jenkins } from "../components/build/jenkins";
import { JENKINS_PORT, JENKINS_SECRET_PREFIX } from "../components/build/jenkinsHostConfig";
import { Network } from "../components/network/network";
import { DevStackConfig } from "../config";
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
    accessLogBucket: pulumi.Input<string>,
    pulumiAccessToken?: pulumi.Output<string>,
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
            ...settings.jenkins,
            publicSubnetIds: network.subnetIds("public"),
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
