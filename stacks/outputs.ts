/**
 * The outputs contract: what each stack exports, typed once and used on both sides — by the stack that exports
 * it, and by the readers in downstream stacks (see upstream.ts). Other teams read the same names with
 * `pulumi stack output --json`. Renaming or removing a field here is a breaking change for them.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

const id = z.string().min(1);
const cidr = z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
const idList = z.array(id);

const accountOutputs = {
    accountId: z.string().regex(/^\d{12}$/).describe("The AWS account this stack deployed into."),
    region: z.string().min(1).describe("The region of the stack's resources."),
};

const networkOutputs = {
    vpcId: id.describe("The VPC id."),
    vpcCidr: cidr.describe("The VPC's primary IPv4 block."),
    availabilityZones: z.array(z.string()).describe("Availability zones the subnets span, in subnet order."),
    publicSubnetIds: idList.describe("Public subnet ids, one per AZ."),
    privateSubnetIds: idList.describe("Private (app) subnet ids, one per AZ."),
    dataSubnetIds: idList.describe("Data subnet ids (RDS, OpenSearch), one per AZ; no Internet route."),
    publicRouteTableIds: idList.describe("Route table ids of the public subnets."),
    privateRouteTableIds: idList.describe("Route table ids of the private subnets, one per AZ."),
    dataRouteTableIds: idList.describe("Route table ids of the data subnets, one per AZ."),
};

export const dnsOutputsSchema = z.object({
    ...accountOutputs,
    zoneName: z.string().min(1).describe("The apex zone's domain name, e.g. twinehr.com."),
    zoneId: id.describe("Route53 hosted zone id of the apex zone."),
    nameServers: z.array(z.string()).describe("The apex zone's name servers, to set at the registrar."),
});

export const bastionOutputsSchema = z.object({
    ...accountOutputs,
    ...networkOutputs,
});

/** Dev only: the build tooling (absent from prod). */
const buildToolingOutputs = {
    jenkinsUrl: z.string().url().optional().describe("Dev only. Jenkins web UI on its private address; reach it from the VPC or through the bastion."),
    jenkinsImageRepositoryUrl: z.string().min(1).optional().describe("Dev only. ECR repository of the Jenkins image."),
    jenkinsImageDigest: z.string().regex(/@sha256:[0-9a-f]{64}$/).optional().describe("Dev only. The Jenkins image the host runs, <repository>@sha256:<digest>."),
    packerInstanceProfileName: id.optional().describe("Dev only. Instance profile Packer build instances run with (reads the apt repository)."),
    aptBucketName: id.optional().describe("Dev only. S3 bucket holding the apt repository."),
    aptRepoUrl: z.string().url().optional().describe("Dev only. Base URL of the apt repository, readable from inside the VPC through its S3 endpoint."),
    aptSigningKeySecretArn: id.optional().describe("Dev only. Secrets Manager secret holding the repository's GnuPG signing key."),
};

export const envOutputsSchema = z.object({
    ...accountOutputs,
    ...networkOutputs,
    ...buildToolingOutputs,
});

export type DnsOutputs = z.infer<typeof dnsOutputsSchema>;
export type BastionOutputs = z.infer<typeof bastionOutputsSchema>;
export type EnvOutputs = z.infer<typeof envOutputsSchema>;

/** What a stack's program returns: each contract field as an Input, so outputs are checked against the contract. */
export type Exported<T> = { [K in keyof T]: pulumi.Input<T[K]> };
