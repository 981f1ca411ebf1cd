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
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/);

const accountOutputs = {
    accountId: z
        .string()
        .regex(/^\d{12}$/)
        .describe("The AWS account this stack deployed into."),
    region: z.string().min(1).describe("The region of the stack's resources."),
};

const networkOutputs = {
    vpcId: id.describe("The VPC id."),
    vpcCidr: cidr.describe("The VPC's primary IPv4 block."),
    availabilityZones: z
        .array(z.string())
        .describe("Availability zones the subnets span, in subnet order, by this account's names (e.g. eu-west-1a)."),
    availabilityZoneIds: z
        .array(z.string())
        .optional()
        .describe(
            "The same zones by AZ id (e.g. euw1-az1), in the same order: ids name the same zone in every account, names do not. " +
                "Absent from outputs of a deploy that predates it.",
        ),
    publicSubnetIds: idList.describe("Public subnet ids, one per AZ."),
    privateSubnetIds: idList.describe("Private (app) subnet ids, one per AZ."),
    dataSubnetIds: idList.describe("Data subnet ids (RDS, OpenSearch), one per AZ; no Internet route."),
    dataSubnetCidrs: z
        .array(cidr)
        .describe(
            "Blocks of the data subnets, in subnet order: the bastion's database tunnels reach these only (bastionHost.peers.<env>).",
        ),
    publicRouteTableIds: idList.describe("Route table ids of the public subnets."),
    privateRouteTableIds: idList.describe("Route table ids of the private subnets, one per AZ."),
    dataRouteTableIds: idList.describe("Route table ids of the data subnets, one per AZ."),
};

export const dnsOutputsSchema = z.object({
    ...accountOutputs,
    zoneName: z.string().min(1).describe("The apex zone's domain name, e.g. twinehr.com."),
    zoneId: id.describe("Route53 hosted zone id of the apex zone."),
    nameServers: z.array(z.string()).describe("The apex zone's name servers, to set at the registrar."),
    prodPublicNames: z
        .array(z.string())
        .describe(
            "Names in the apex the prod account may point at its load balancer (delegation.prod.publicNames); prod checks its " +
                "app.publicNames against it.",
        ),
    delegationRoleArns: z
        .object({ bastion: roleArn, dev: roleArn, prod: roleArn })
        .describe(
            "Per consumer account, the role it assumes to write the apex records it owns (bastion.<apex>; the dev./prod. NS " +
                "delegation; prod's public names).",
        ),
});

const peer = z.object({ accountId: z.string().regex(/^\d{12}$/), cidr });
const login = z.object({ name: z.string().min(1), publicKeys: z.array(z.string().min(1)), sudo: z.boolean() });

export const bastionOutputsSchema = z.object({
    ...accountOutputs,
    ...networkOutputs,
    bastionHostName: z.string().min(1).describe("The bastion's DNS name, bastion.<apex>: the ssh -J jump host."),
    bastionPublicIp: z.string().min(1).describe("The bastion's Elastic IP."),
    bastionPrivateIp: z.string().min(1).describe("The bastion's private address; env stacks admit SSH from it (/32)."),
    bastionSecurityGroupId: id.describe("The bastion host's security group; it owns its egress toward each environment."),
    peeringRoleArns: z
        .object({ dev: roleArn.optional(), prod: roleArn.optional() })
        .describe("Per peered environment account, the role it assumes to accept its peering into the bastion VPC and tag it."),
    peers: z
        .object({ dev: peer.optional(), prod: peer.optional() })
        .describe("The environment accounts and VPC blocks the bastion peers with, as its config lists them; env stacks must match."),
    access: z
        .object({ dev: z.record(z.string(), z.array(login)).optional(), prod: z.record(z.string(), z.array(login)).optional() })
        .describe("Per peered account and target (an environment, or jenkins), the people who may log in there: name, public keys, sudo."),
    tunnelTargets: z
        .object({ dev: z.array(z.string()).optional(), prod: z.array(z.string()).optional() })
        .describe("Per peered account, the environments someone may tunnel to: only their databases admit the bastion."),
});

const imageOutputs = {
    amiId: z
        .string()
        .regex(/^ami-[0-9a-f]+$/)
        .describe("The app AMI this environment runs: in dev the one it built (or pinned) and tested, in prod dev's unless pinned."),
    amiKmsKeyArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:kms:/)
        .describe("ARN of the customer-managed KMS key (in dev's account) that encrypts the app AMI's snapshots."),
    amiRootVolumeGiB: z
        .number()
        .int()
        .positive()
        .describe("Root volume size of the app AMI in GiB (dev's image.rootVolumeGiB): the app servers' root volume is never smaller."),
};
/** One environment: its data tier (as its app tier and admins reach it) and its app tier. */
export const environmentOutputsSchema = z.object({
    databaseEndpoint: z
        .string()
        .min(1)
        .describe("Host name of the environment's RDS instance; private, reach it from the app hosts or through the bastion."),
    databasePort: z.number().int().describe("Port of the database (5432 for PostgreSQL)."),
    databaseSecretArn: z
        .string()
        .startsWith("arn:")
        .describe(
            "ARN of the Secrets Manager secret where RDS keeps the master credentials (the ARN only; read the secret with " +
                "Secrets Manager).",
        ),
    searchEndpoint: z
        .string()
        .min(1)
        .describe("Host name of the environment's OpenSearch VPC endpoint; HTTPS, requests signed by the environment's app role."),
    searchSnapshotBucket: id
        .optional()
        .describe(
            "S3 bucket of the search domain's manual snapshots (kept on destroy: a rebuild gets a new one, so read it here). " +
                "Optional: outputs of a deploy that predates it have none.",
        ),
    searchSnapshotRoleArn: z
        .string()
        .startsWith("arn:")
        .optional()
        .describe("ARN of the role OpenSearch assumes to write those snapshots (search-snapshots --role-arn)."),
    searchSnapshotOperatorPolicyArn: z
        .string()
        .startsWith("arn:")
        .optional()
        .describe("ARN of the managed policy whoever runs search-snapshots needs; the stack attaches it to nobody."),
    url: z.string().startsWith("https://").describe("The environment's address: https:// and its first host name."),
    albDnsName: z.string().min(1).describe("DNS name of the environment's load balancer, for alias records elsewhere."),
    albZoneId: z.string().min(1).describe("Route53 hosted zone id of the load balancer (for alias records)."),
    asgName: z.string().min(1).describe("Name of the environment's Auto Scaling group: watch instance refreshes and scaling with it."),
    targetGroupArn: z.string().startsWith("arn:").describe("ARN of the target group the app servers register in."),
});

/** Dev only: the build tooling (absent from prod). */
const buildToolingOutputs = {
    jenkinsUrl: z
        .string()
        .url()
        .optional()
        .describe("Dev only. Jenkins web UI on its private address; reach it from the VPC or through the bastion."),
    jenkinsImageRepositoryUrl: z.string().min(1).optional().describe("Dev only. ECR repository of the Jenkins image."),
    jenkinsImageDigest: z
        .string()
        .regex(/@sha256:[0-9a-f]{64}$/)
        .optional()
        .describe("Dev only. The Jenkins image the host runs, <repository>@sha256:<digest>."),
    packerInstanceProfileName: id
        .optional()
        .describe("Dev only. Instance profile Packer build instances run with (reads the apt repository)."),
    aptBucketName: id.optional().describe("Dev only. S3 bucket holding the apt repository."),
    aptRepoUrl: z
        .string()
        .url()
        .optional()
        .describe("Dev only. Base URL of the apt repository, readable from inside the VPC through its S3 endpoint."),
    aptSigningKeySecretArn: id.optional().describe("Dev only. Secrets Manager secret holding the repository's GnuPG signing key."),
};

export const envOutputsSchema = z.object({
    ...accountOutputs,
    ...networkOutputs,
    ...imageOutputs,
    environments: z
        .record(z.string(), environmentOutputsSchema)
        .describe(
            "Per environment (integration, test, production...): its database and search endpoints; environments that share a " +
                "data tier show the same values.",
        ),
    subzoneId: id.describe("Route53 zone id of the environment's subzone (dev.<apex> / prod.<apex>), in this account."),
    subzoneName: z.string().min(1).describe("The environment's subzone name, e.g. dev.twinehr.com."),
    peeringConnectionId: id.describe("The VPC peering connection to the bastion VPC (pcx-...)."),
    sshFromBastionSecurityGroupId: id.describe(
        "Security group admitting SSH (22) from the bastion only; attach it to every host engineers log in to.",
    ),
    ...buildToolingOutputs,
});

/** Which contract a stack exports, by its account role (twine-infra:accountRole). */
export const OUTPUT_CONTRACTS = {
    dns: dnsOutputsSchema,
    bastion: bastionOutputsSchema,
    dev: envOutputsSchema,
    prod: envOutputsSchema,
} as const;
export type StackRole = keyof typeof OUTPUT_CONTRACTS;
/** The outputs of a stack of each role. */
export type OutputsOf<R extends StackRole> = z.infer<(typeof OUTPUT_CONTRACTS)[R]>;

/** The contract's outputs a stack of the role exports: all of them, less the build tooling's outside dev. */
export function exportedOutputNames(role: StackRole): string[] {
    const names = Object.keys(OUTPUT_CONTRACTS[role].shape);
    return role === "prod" ? names.filter(name => !(name in buildToolingOutputs)) : names;
}

export type DnsOutputs = z.infer<typeof dnsOutputsSchema>;
export type BastionOutputs = z.infer<typeof bastionOutputsSchema>;
export type EnvOutputs = z.infer<typeof envOutputsSchema>;
export type EnvironmentOutputs = z.infer<typeof environmentOutputsSchema>;
/** The data-tier half of an environment's outputs (stacks/environments.ts builds it). */
export type DataTierOutputs = Pick<
    EnvironmentOutputs,
    | "databaseEndpoint"
    | "databasePort"
    | "databaseSecretArn"
    | "searchEndpoint"
    | "searchSnapshotBucket"
    | "searchSnapshotRoleArn"
    | "searchSnapshotOperatorPolicyArn"
>;

/** What a stack's program returns: each contract field as an Input, so outputs are checked against the contract. */
export type Exported<T> = { [K in keyof T]: pulumi.Input<T[K]> };
