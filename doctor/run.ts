/**
 * The AWS side of `twine-infra doctor <stack>`: read-only calls with the AWS SDK for JavaScript v3 and the
 * credentials in the environment (AWS_PROFILE, SSO, or exported keys), one verdict per check (doctor/checks.ts).
 * AWS_ENDPOINT_URL, when set, sends every call there (an emulator on loopback, in the tests).
 */
import { AccessAnalyzerClient, GetAnalyzerCommand, ListArchiveRulesCommand } from "@aws-sdk/client-accessanalyzer";
import { CloudTrailClient, DescribeTrailsCommand, ListTagsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { DescribeAvailabilityZonesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { GetOpenIDConnectProviderCommand, GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from "@aws-sdk/client-iam";
import { GetHostedZoneCommand, ListHostedZonesByNameCommand, Route53Client } from "@aws-sdk/client-route-53";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as dns from "node:dns";
import { EnvStackConfig, PROJECT, StackConfig, parseStackConfig } from "../config";
import { OUTPUT_CONTRACTS, StackRole } from "../stacks/outputs";
import { PeerConfig, peerRouting, peerRoutingSchema } from "../stacks/peerOutputs";
import { UpstreamError } from "../stacks/upstream";
import { readStackSettings } from "../plan/stackFile";
import { checkEscDefaultPermission } from "../components/account/escAccessPolicy";
import { baselineNames } from "../components/account/accountBaseline";
import { expectedAccessArchiveRules } from "../components/account/expectedAccessConfig";
import { accessAnalyzerFindingPattern } from "../components/operations/monitoring";
import { expectedAccess } from "../stacks/context";
import { importLines, openSearchRoleImport, retainedImportFile, trailImport } from "./imports";
import { StateReading, contractReading, pulumiApiUrl, readStackState } from "./pulumiState";
import {
    Check,
    DOCTOR_EXIT,
    exitStatus,
    externalAccessCheck,
    fleetPeak,
    formatCheck,
    headBucketExistence,
    quotaCheck,
    registrarNsBeforeZone,
    registrarNsCheck,
    retainedBucketCheck,
    unknownFrom,
} from "./checks";

export interface DoctorOptions {
    readonly projectDir: string;
    /** Another stack file than Pulumi.<stack>.yaml. */
    readonly configFile?: string;
    /** The environment to read credentials and AWS_ENDPOINT_URL from. @default process.env */
    readonly env?: NodeJS.ProcessEnv;
    /** DNS servers for the registrar-NS lookup, "address:port". @default the system's resolvers (a public lookup) */
    readonly dnsServers?: readonly string[];
}

export interface DoctorResult {
    readonly checks: readonly Check[];
    readonly status: number;
}

type Tags = Readonly<Record<string, string>>;

/** Whether the stack's own deploy made it: the provider's default tags (components/account/accountProvider.ts). */
function madeByStack(tags: Tags, stack: string): boolean {
    return tags.Stack === stack && tags.ManagedBy === "pulumi";
}

function tagMap(list: readonly { Key?: string; Value?: string }[] | undefined): Tags {
    return Object.fromEntries((list ?? []).map(t => [t.Key ?? "", t.Value ?? ""]));
}

function isNotFound(err: unknown): boolean {
    return /NoSuchEntity|NotFound/.test((err as { name?: string })?.name ?? "");
}

export async function runDoctor(stack: string, options: DoctorOptions): Promise<DoctorResult> {
    const env = options.env ?? process.env;
    const settings = readStackSettings(options.projectDir, stack, options.configFile);
    const config = parseStackConfig(stack, settings.config);
    const endpoint = env.AWS_ENDPOINT_URL;
    const client = { region: config.region, ...(endpoint ? { endpoint } : {}) };

    let account: string | undefined;
    try {
        account = (await new STSClient(client).send(new GetCallerIdentityCommand({}))).Account;
    } catch (err) {
        const check: Check = {
            name: "credentials",
            verdict: "fail",
            detail: `no usable AWS credentials (${(err as Error).message}).`,
            fix: `sign in to the ${stack} account (aws sso login --profile <profile>; export AWS_PROFILE=<profile>)`,
        };
        return { checks: [check], status: DOCTOR_EXIT.noCredentials };
    }
    if (account !== config.accountId) {
        const check: Check = {
            name: "account",
            verdict: "fail",
            detail: `the credentials are for account ${account}, but Pulumi.${stack}.yaml's accountId is ${config.accountId}.`,
            fix: `use credentials of ${config.accountId}, or correct twine-infra:accountId`,
        };
        return { checks: [check], status: DOCTOR_EXIT.wrongAccount };
    }
    const checks: Check[] = [{ name: "account", verdict: "ok", detail: `credentials for ${account}, as the stack file says.` }];
    const iam = new IAMClient(client);
    const role = async (name: string) => {
        try {
            return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
        } catch (err) {
            if (isNotFound(err)) return undefined;
            throw err;
        }
    };

    if (config.accountRole === "dev" || config.accountRole === "prod") {
        checks.push(await serviceLinkedRoles(stack, role));
        checks.push(await openSearchRole(stack, config.accountId, role));
        checks.push(await vcpuQuota(new ServiceQuotasClient(client), config));
    }
    if (config.accountRole === "dns") checks.push(await registrarNs(config.dns.apexDomain, new Route53Client(client), options.dnsServers));
    if ("network" in config) checks.push(await zones(config.network.zoneIds, config.region, new EC2Client(client)));
    checks.push(await guardDuty(stack, config, new GuardDutyClient(client)));
    checks.push(await trails(stack, config, new CloudTrailClient(client)));
    checks.push(await oidcProviders(stack, config, iam));
    checks.push(await externalAccess(stack, config, new AccessAnalyzerClient(client), new EventBridgeClient(client)));
    const pulumiCheck = await pulumiDefaults(config, env);
    if (pulumiCheck) checks.push(pulumiCheck);
    checks.push(...(await upstreamOutputs(config, env)));
    if (config.accountRole === "bastion") checks.push(...(await peerOutputs(config.bastionHost.peers, env)));
    checks.push(await retainedBuckets(stack, config, new S3Client({ ...client, forcePathStyle: true }), env));
    return { checks, status: exitStatus(checks) };
}

/**
 * With a Pulumi token in the environment (PULUMI_ACCESS_TOKEN, an organization admin's), the organization's default
 * environment permission must be none: otherwise every member may open <stack>-aws, a deploy session. Without a
 * token the check is not made (the line says so nowhere: the runbook's checklist sets it before the first stack).
 */
async function pulumiDefaults(config: StackConfig, env: NodeJS.ProcessEnv): Promise<Check | undefined> {
    const token = env.PULUMI_ACCESS_TOKEN;
    const organization = config.deployments?.organization;
    if (!token || !organization) return undefined;
    const backend = env.PULUMI_BACKEND_URL;
    const apiUrl = backend && /^https?:\/\//.test(backend) ? backend : undefined;
    const name = "pulumi cloud defaults";
    const result = await checkEscDefaultPermission({ organization, token, ...(apiUrl ? { apiUrl } : {}) });
    if (result.status === "ok") return { name, verdict: "ok", detail: `${result.message}.` };
    if (result.status === "problem") return { name, verdict: "fail", detail: `${result.message}.`, fix: "docs/runbook.md, step 1" };
    return { name, verdict: "unknown", detail: `${result.message}.` };
}

/**
 * The registrar's delegation (step 6, before anything validates a certificate): the apex zone's name servers from
 * Route 53 (ListHostedZonesByName, GetHostedZone's DelegationSet) against a public NS lookup of the domain (node:dns,
 * the system's recursive resolvers: cached answers up to their TTL, registrarNsCheck). Before the dns stack's first
 * `up` there is no zone: "not yet", which leaves the exit status to the other checks (that up creates the zone).
 */
async function registrarNs(apex: string, route53: Route53Client, servers: readonly string[] | undefined): Promise<Check> {
    const name = "registrar NS";
    let zoneServers: string[];
    try {
        const listed = await route53.send(new ListHostedZonesByNameCommand({ DNSName: apex, MaxItems: 10 }));
        const zones = (listed.HostedZones ?? []).filter(z => z.Name === `${apex}.` && !z.Config?.PrivateZone);
        if (zones.length === 0) return registrarNsBeforeZone(apex);
        if (zones.length > 1) {
            return {
                name,
                verdict: "fail",
                detail: `${zones.length} public zones named ${apex} (${zones.map(z => z.Id).join(", ")}): a registrar delegates to one.`,
                fix: "keep the zone the dns stack holds (its zoneId output) and delete the others",
            };
        }
        const zone = await route53.send(new GetHostedZoneCommand({ Id: zones[0].Id }));
        zoneServers = zone.DelegationSet?.NameServers ?? [];
    } catch (err) {
        return unknownFrom(name, err, "route53:ListHostedZonesByName and route53:GetHostedZone");
    }
    const resolver = new dns.promises.Resolver({ timeout: 3_000, tries: 2 });
    if (servers) resolver.setServers([...servers]);
    const lookup = await resolver.resolveNs(apex).catch((err: NodeJS.ErrnoException) => ({ code: err.code ?? String(err) }));
    return registrarNsCheck(apex, zoneServers, lookup);
}

/** Why a check that needs Pulumi Cloud could not be made without a token, and the fix. */
const NO_PULUMI_TOKEN = "PULUMI_ACCESS_TOKEN is not set, so Pulumi Cloud cannot be asked";

/** A check of a stack's outputs without a token: unknown, naming the stack to grant. */
const withoutToken = (name: string, stackName: string): Check => ({
    name,
    verdict: "unknown",
    detail: `${NO_PULUMI_TOKEN} for ${stackName}'s outputs.`,
    fix: `export PULUMI_ACCESS_TOKEN=<a token that may read ${stackName}>`,
});

/**
 * Every upstream stack (twine-infra:stacks) has the outputs this stack's StackReferences read, checked against the
 * outputs contract as the program checks them (stacks/upstream.ts), from the state Pulumi Cloud holds
 * (doctor/pulumiState.ts). Without a token: unknown, with the reason.
 */
async function upstreamOutputs(config: StackConfig, env: NodeJS.ProcessEnv): Promise<Check[]> {
    const upstream = "stacks" in config ? (Object.entries(config.stacks) as [StackRole, string | undefined][]) : [];
    return Promise.all(
        upstream
            .filter((e): e is [StackRole, string] => typeof e[1] === "string")
            .map(async ([role, stackName]): Promise<Check> => {
                const name = `upstream ${role} outputs`;
                const token = env.PULUMI_ACCESS_TOKEN;
                if (!token) return withoutToken(name, stackName);
                const reading = await readStackState({ stack: stackName, token, apiUrl: pulumiApiUrl(env) });
                if (reading.status === "no-stack") {
                    return {
                        name,
                        verdict: "fail",
                        detail: `${reading.message}.`,
                        fix: `pulumi stack init ${stackName} and deploy it, or correct twine-infra:stacks.${role}`,
                    };
                }
                if (reading.status === "unknown")
                    return { name, verdict: "unknown", detail: `${reading.message}.`, fix: `use a token that may read ${stackName}` };
                const outputs = await contractReading(reading.state.outputs, OUTPUT_CONTRACTS[role]);
                if (outputs.ok) return { name, verdict: "ok", detail: `${stackName} exports every output the contract names.` };
                return outputs.missing.length > 0
                    ? {
                          name,
                          verdict: "fail",
                          detail:
                              Object.keys(reading.state.outputs).length === 0
                                  ? `${stackName} has no outputs yet (not deployed): this stack's up would stop reading it.`
                                  : `${stackName} has no ${outputs.missing.join(", ")} yet: this stack's up would stop reading it.`,
                          fix: `pulumi up --stack ${stackName} first`,
                      }
                    : {
                          name,
                          verdict: "fail",
                          detail: `${stackName}'s outputs do not match the contract: ${outputs.problems.join("; ")}.`,
                          fix: `redeploy ${stackName} from this revision`,
                      };
            }),
    );
}

/**
 * What the bastion's next `up` reads from each environment stack (bastionHost.peers.<env>.stack), decided as the
 * program decides it (stacks/peerOutputs.ts peerRouting): ok with the peering and data subnets; "not yet" before that
 * stack's first deploy (the up deploys without its routes); a stack of another account or VPC fails.
 */
async function peerOutputs(peers: Readonly<Partial<Record<"dev" | "prod", PeerConfig>>>, env: NodeJS.ProcessEnv): Promise<Check[]> {
    return Promise.all(
        (["dev", "prod"] as const).flatMap(role => {
            const peer = peers[role];
            if (!peer) return [];
            return [
                (async (): Promise<Check> => {
                    const name = `peer ${role} outputs`;
                    const token = env.PULUMI_ACCESS_TOKEN;
                    if (!token) return withoutToken(name, peer.stack);
                    const reading = await readStackState({ stack: peer.stack, token, apiUrl: pulumiApiUrl(env) });
                    if (reading.status === "no-stack") {
                        return {
                            name,
                            verdict: "fail",
                            detail: `${reading.message}.`,
                            fix: `pulumi stack init ${peer.stack}, or correct twine-infra:bastionHost.peers.${role}.stack`,
                        };
                    }
                    if (reading.status === "unknown")
                        return { name, verdict: "unknown", detail: `${reading.message}.`, fix: `use a token that may read ${peer.stack}` };
                    try {
                        const routing = peerRouting(role, peer, await contractReading(reading.state.outputs, peerRoutingSchema));
                        return routing.ready
                            ? {
                                  name,
                                  verdict: "ok",
                                  detail:
                                      `routes ${peer.cidr} through ${routing.peeringConnectionId}; ` +
                                      `database tunnels to ${routing.dataSubnetCidrs.join(", ")}.`,
                              }
                            : { name, verdict: "pending", detail: routing.message };
                    } catch (err) {
                        if (!(err instanceof UpstreamError)) throw err;
                        const [detail, fix] = err.message.split(" Fix: ");
                        return { name, verdict: "fail", detail, ...(fix ? { fix } : {}) };
                    }
                })(),
            ];
        }),
    );
}

/** This stack's own qualified name: its organization from an upstream stack's name or the deployments section. */
function qualifiedName(stack: string, config: StackConfig): string | undefined {
    const upstream = "stacks" in config ? Object.values(config.stacks).find((n): n is string => typeof n === "string") : undefined;
    const organization = upstream?.split("/")[0] ?? config.deployments?.organization;
    return organization ? `${organization}/${PROJECT}/${stack}` : undefined;
}

/**
 * A retry after a failed first deploy: the baseline's buckets are retained and have fixed names, so after a deploy
 * whose stack was destroyed (or lost its state) they are still in the account, and the next `up` fails with
 * BucketAlreadyOwnedByYou. The buckets are those of the retained import file (doctor/imports.ts; a test keeps it equal
 * to the plans' retained, fixed-name buckets). Each is looked up with HeadBucket (200: it exists and is this
 * account's; 404: absent; 403: unknown, no s3:ListBucket or another account's: headBucketExistence) and, with a
 * Pulumi token, against the ids the stack's state holds; one the state does not hold gets its import line, under the
 * parent and provider the plan gives it.
 */
async function retainedBuckets(stack: string, config: StackConfig, s3: S3Client, env: NodeJS.ProcessEnv): Promise<Check> {
    const name = "retained buckets";
    const imports = importLines(stack, retainedImportFile(stack, config.accountId, config.region)).filter(
        i => i.type === "aws:s3/bucket:Bucket",
    );
    const found: { bucket: string; exists: boolean | "forbidden"; importLine: string }[] = [];
    try {
        for (const { id: bucket, line } of imports) {
            let exists: boolean | "forbidden" | undefined = true;
            try {
                await s3.send(new HeadBucketCommand({ Bucket: bucket }));
            } catch (err) {
                exists = headBucketExistence((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode);
                if (exists === undefined) throw err;
            }
            found.push({ bucket, exists, importLine: line });
        }
    } catch (err) {
        return unknownFrom(name, err, "s3:ListBucket (HeadBucket)");
    }
    let state: StateReading;
    const qualified = qualifiedName(stack, config);
    if (!found.some(f => f.exists === true)) state = { status: "unknown", message: "not needed" };
    else if (!env.PULUMI_ACCESS_TOKEN || !qualified) state = { status: "unknown", message: NO_PULUMI_TOKEN };
    else state = await readStackState({ stack: qualified, token: env.PULUMI_ACCESS_TOKEN, apiUrl: pulumiApiUrl(env) });
    return retainedBucketCheck(found, state);
}

/**
 * The pinned zone ids exist in the stack's region for this account (every account sees every zone id of a region,
 * but an id of another region, or a mistyped one, fails the first subnet). Unpinned, the program takes the zones
 * listed as available at each run, which shift during an incident: the fix gives the ids to pin.
 */
async function zones(zoneIds: readonly string[] | undefined, region: string, ec2: EC2Client): Promise<Check> {
    const name = "availability zones";
    try {
        const listed = (await ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: false }))).AvailabilityZones ?? [];
        const ids = listed
            .filter(z => z.ZoneType === undefined || z.ZoneType === "availability-zone")
            .map(z => z.ZoneId ?? "")
            .sort();
        if (!zoneIds) {
            return {
                name,
                verdict: "fail",
                detail: "network.zoneIds is not set: each run would take the zones listed as available, which shift during an incident.",
                fix: `set twine-infra:network.zoneIds to ${region}'s ids in the order to use, e.g. [${ids.join(", ")}] (configuration.md)`,
            };
        }
        const missing = zoneIds.filter(id => !ids.includes(id));
        return missing.length === 0
            ? { name, verdict: "ok", detail: `${zoneIds.join(", ")} exist in ${region}.` }
            : {
                  name,
                  verdict: "fail",
                  detail: `network.zoneIds names ${missing.join(", ")}, which ${region} does not have here (it has ${ids.join(", ")}).`,
                  fix: "set network.zoneIds to ids `aws ec2 describe-availability-zones` lists (docs/configuration.md)",
              };
    } catch (err) {
        return unknownFrom(name, err, "ec2:DescribeAvailabilityZones");
    }
}

async function serviceLinkedRoles(stack: string, role: (name: string) => Promise<unknown>): Promise<Check> {
    const name = "Auto Scaling service-linked role";
    try {
        return (await role("AWSServiceRoleForAutoScaling"))
            ? { name, verdict: "ok", detail: "AWSServiceRoleForAutoScaling exists." }
            : {
                  name,
                  verdict: "fail",
                  detail:
                      `missing: the ${stack} stack grants it the use of dev's image key, ` +
                      "and KMS refuses a grant to a role that does not exist.",
                  fix: "aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com",
              };
    } catch (err) {
        return unknownFrom(name, err, "iam:GetRole");
    }
}

async function openSearchRole(
    stack: string,
    accountId: string,
    role: (name: string) => Promise<{ Tags?: { Key?: string; Value?: string }[] } | undefined>,
): Promise<Check> {
    const name = "OpenSearch service-linked role";
    try {
        const found = await role("AWSServiceRoleForAmazonOpenSearchService");
        if (!found) return { name, verdict: "ok", detail: "absent: the stack creates it (and waits for it to propagate)." };
        if (madeByStack(tagMap(found.Tags), stack)) return { name, verdict: "ok", detail: "made by this stack." };
        return {
            name,
            verdict: "fail",
            detail: "exists, made outside this stack: the stack's create of it would fail.",
            fix: `${openSearchRoleImport(stack, accountId)} (docs/runbook.md, service-linked roles)`,
        };
    } catch (err) {
        return unknownFrom(name, err, "iam:GetRole");
    }
}

async function vcpuQuota(quotas: ServiceQuotasClient, config: EnvStackConfig): Promise<Check> {
    try {
        const found = await quotas.send(new GetServiceQuotaCommand({ ServiceCode: "ec2", QuotaCode: "L-1216C47A" }));
        const value = found.Quota?.Value;
        if (value === undefined) throw new Error("GetServiceQuota returned no value");
        return quotaCheck(value, fleetPeak(config));
    } catch (err) {
        return unknownFrom("EC2 On-Demand vCPU quota (L-1216C47A)", err, "servicequotas:GetServiceQuota");
    }
}

async function guardDuty(stack: string, config: StackConfig, client: GuardDutyClient): Promise<Check> {
    const name = "GuardDuty detector";
    const { guardDuty: wanted, guardDutyDetectorId: adopted } = config.baseline;
    try {
        const ids = (await client.send(new ListDetectorsCommand({}))).DetectorIds ?? [];
        if (adopted) {
            return ids.includes(adopted)
                ? { name, verdict: "ok", detail: `adopts ${adopted}, which exists.` }
                : {
                      name,
                      verdict: "fail",
                      detail: `baseline.guardDutyDetectorId is ${adopted}, but the detectors here are [${ids.join(", ")}].`,
                      fix: "set it to the detector `aws guardduty list-detectors` shows",
                  };
        }
        if (ids.length === 0) {
            return {
                name,
                verdict: "ok",
                detail: wanted ? "none yet: the stack creates one, every optional plan stated." : "none, and the stack creates none.",
            };
        }
        const tags = (await client.send(new GetDetectorCommand({ DetectorId: ids[0] }))).Tags ?? {};
        // One the stack made is kept when the stack deletes it (retainOnDelete), and doctor cannot see the stack's
        // state: after a destroy (a retry after a failed first deploy) the stack's create of another would fail.
        // Adopting it is safe either way: the stack then leaves its own detector resource, which is retained.
        if (madeByStack(tags, stack)) {
            return {
                name,
                verdict: "fail",
                detail: `${ids[0]} was made by this stack and outlives it: once the stack no longer holds it, its create fails.`,
                fix: `set twine-infra:baseline.guardDutyDetectorId: ${ids[0]}`,
            };
        }
        return wanted
            ? {
                  name,
                  verdict: "fail",
                  detail: `${ids[0]} exists (one per account and Region, often the organization's): the stack's create would fail.`,
                  fix: `set twine-infra:baseline.guardDutyDetectorId: ${ids[0]}`,
              }
            : { name, verdict: "ok", detail: `${ids[0]} exists, made outside the stack, which creates none.` };
    } catch (err) {
        return unknownFrom(name, err, "guardduty:ListDetectors and guardduty:GetDetector");
    }
}

async function trails(stack: string, config: StackConfig, client: CloudTrailClient): Promise<Check> {
    const name = "CloudTrail trail";
    const { organizationTrailArn } = config.baseline;
    try {
        const list = (await client.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
        if (organizationTrailArn) {
            return list.some(t => t.TrailARN === organizationTrailArn)
                ? { name, verdict: "ok", detail: `the organization trail ${organizationTrailArn} logs this account.` }
                : {
                      name,
                      verdict: "fail",
                      detail: `baseline.organizationTrailArn names ${organizationTrailArn}, which does not log this account.`,
                      fix: "name a trail `aws cloudtrail describe-trails` lists, or remove the key",
                  };
        }
        const organization = list.find(t => t.IsOrganizationTrail && t.IsMultiRegionTrail);
        if (organization) {
            return {
                name,
                verdict: "fail",
                detail:
                    `the organization trail ${organization.TrailARN} already logs this account: ` +
                    "the stack's own trail would be a paid copy.",
                fix: `set twine-infra:baseline.organizationTrailArn: ${organization.TrailARN}`,
            };
        }
        const own = `twine-${config.accountRole}`;
        const same = list.find(t => t.Name === own);
        if (!same) return { name, verdict: "ok", detail: `no trail named ${own}: the stack creates it.` };
        const tagged = (await client.send(new ListTagsCommand({ ResourceIdList: [same.TrailARN!] }))).ResourceTagList?.[0]?.TagsList;
        return madeByStack(tagMap(tagged), stack)
            ? {
                  name,
                  verdict: "ok",
                  detail: `${own}, made by this stack (kept through a destroy: a stack that no longer holds it imports it; runbook).`,
              }
            : {
                  name,
                  verdict: "fail",
                  detail: `a trail named ${own} exists, made outside this stack: the create would fail.`,
                  fix: `delete or rename it, or import it: ${trailImport(stack, same.TrailARN ?? own)}`,
              };
    } catch (err) {
        return unknownFrom(name, err, "cloudtrail:DescribeTrails and cloudtrail:ListTags");
    }
}

async function oidcProviders(stack: string, config: StackConfig, iam: IAMClient): Promise<Check> {
    const name = "OIDC providers";
    const deployments = config.deployments;
    if (!deployments) return { name, verdict: "ok", detail: "deployments are off: the stack creates none." };
    try {
        const arns = ((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).map(p => p.Arn ?? "");
        const problems: string[] = [];
        const wanted: [string, string | undefined, string][] = [
            ["api.pulumi.com/oidc", deployments.existingPulumiOidcProviderArn, "existingPulumiOidcProviderArn"],
            ["token.actions.githubusercontent.com", deployments.existingGithubOidcProviderArn, "existingGithubOidcProviderArn"],
        ];
        for (const [host, existing, key] of wanted) {
            const arn = arns.find(a => a.endsWith(`:oidc-provider/${host}`));
            if (existing) {
                if (arn !== existing) problems.push(`deployments.${key} names ${existing}, which does not exist`);
                continue;
            }
            if (!arn) continue;
            const tags = tagMap((await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).Tags);
            if (!madeByStack(tags, stack))
                problems.push(`${arn} exists (one per URL per account): set twine-infra:deployments.${key}: ${arn}`);
        }
        return problems.length === 0
            ? { name, verdict: "ok", detail: "none that the stack would collide with." }
            : { name, verdict: "fail", detail: `${problems.join("; ")}.`, fix: "docs/runbook.md, credentials" };
    } catch (err) {
        return unknownFrom(name, err, "iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider");
    }
}

/** The analyzer, its archive rules, and the rule that routes its findings to the account topic (AccountAlerts). */
async function externalAccess(
    stack: string,
    config: StackConfig,
    analyzer: AccessAnalyzerClient,
    events: EventBridgeClient,
): Promise<Check> {
    const name = "external-access alert";
    const analyzerName = baselineNames({ accountId: config.accountId, region: config.region, label: config.accountRole }).analyzer;
    const rule = `twine-${config.accountRole}-external-access`;
    try {
        // The rule first: without it (before the next up) there is nothing to compare yet.
        const described = await events.send(new DescribeRuleCommand({ Name: rule })).then(
            r => r,
            err => (isNotFound(err) ? undefined : Promise.reject(err)),
        );
        const found = described
            ? await analyzer.send(new GetAnalyzerCommand({ analyzerName })).then(
                  r => r.analyzer,
                  err => (isNotFound(err) ? undefined : Promise.reject(err)),
              )
            : undefined;
        const archiveRules = found
            ? ((await analyzer.send(new ListArchiveRulesCommand({ analyzerName }))).archiveRules ?? []).map(r => ({
                  key: r.ruleName ?? "",
                  ruleName: r.ruleName ?? "",
                  filter: Object.fromEntries(Object.entries(r.filter ?? {}).map(([k, c]) => [k, { eq: c.eq ?? [] }])),
              }))
            : [];
        const targets = described ? ((await events.send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets ?? []) : [];
        return externalAccessCheck(
            {
                analyzerStatus: found?.status,
                archiveRules,
                rule: described && { state: described.State ?? "", pattern: JSON.parse(described.EventPattern ?? "null") },
                targetArns: targets.map(t => t.Arn ?? ""),
            },
            {
                analyzer: analyzerName,
                archiveRules: expectedAccessArchiveRules(expectedAccess(config, stack)),
                rule,
                pattern: accessAnalyzerFindingPattern(),
                topicArn: `arn:aws:sns:${config.region}:${config.accountId}:twine-${config.accountRole}-account`,
            },
        );
    } catch (err) {
        return unknownFrom(
            name,
            err,
            "access-analyzer:GetAnalyzer, access-analyzer:ListArchiveRules, events:DescribeRule and events:ListTargetsByRule",
        );
    }
}

/** The command: prints one line per check and returns the exit status. */
export async function doctorCommand(stack: string, options: DoctorOptions, write: (line: string) => void): Promise<number> {
    const result = await runDoctor(stack, options);
    for (const check of result.checks) write(formatCheck(check));
    return result.status;
}
