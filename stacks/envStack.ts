import { ConfigError, EnvStackConfig, cidrSchema, envCrossStackProblems, publicNameProblems, stackNameSchema } from "../config";
import { accountBaseline, networkOutputs, newNetwork, stackContext } from "./context";
import * as pulumi from "@pulumi/pulumi";
import { buildAppTier } from "./appTier";
import { buildEnvironments } from "./environments";
import { buildEnvAccess } from "./envAccess";
import { EnvOutputs, Exported, bastionOutputsSchema, dnsOutputsSchema, envOutputsSchema } from "./outputs";
import { readUpstream } from "./upstream";
import { appImage, prodImageRootVolumeGiB } from "./envImage";
import { buildTooling } from "./buildTooling";
import { pinnedUbuntuAmiId } from "../components/access/ubuntuAmi";
import { deploymentPreviews } from "./deployments";
import { buildOperations } from "./operations";

/** Upstream outputs an environment stack builds on, read and checked before anything is declared. */
export async function readEnvUpstreams(config: EnvStackConfig) {
    // Independent reads (one backend fetch each under `pulumi up`): run them together, not one after another,
    // and report a failure in deploy order whichever finished first.
    const reads = [
        readUpstream("dns", config.stacks.dns, dnsOutputsSchema),
        readUpstream("bastion", config.stacks.bastion, bastionOutputsSchema),
        config.accountRole === "prod" && config.stacks.dev ? readUpstream("dev", config.stacks.dev, envOutputsSchema) : undefined,
    ] as const;
    const failed = (await Promise.allSettled(reads)).find(r => r.status === "rejected");
    if (failed) throw failed.reason;
    const [dns, bastion, dev] = await Promise.all(reads);
    return { dns, bastion, dev };
}

/**
 * The VPC and region rules between stacks, from config the schema refused: run when the parts they need (the
 * upstream stack names, network.cidr, region) are usable, so they report in the same round as the schema's
 * problems. Nothing when those parts are broken themselves, or an upstream cannot be read (reported once fixed).
 */
export async function crossStackProblemsOfRaw(values: Readonly<Record<string, unknown>>): Promise<string[]> {
    const role = values.accountRole;
    const stacks = values.stacks as { dns?: unknown; bastion?: unknown; dev?: unknown } | undefined;
    const cidr = (values.network as { cidr?: unknown } | undefined)?.cidr;
    const region = values.region;
    const named = (v: unknown): v is string => typeof v === "string" && stackNameSchema.safeParse(v).success;
    if ((role !== "dev" && role !== "prod") || !named(stacks?.dns) || !named(stacks?.bastion) || typeof region !== "string") return [];
    if (typeof cidr !== "string" || !cidrSchema.safeParse(cidr).success) return [];
    if (role === "prod" && !named(stacks?.dev)) return [];
    let upstream: Awaited<ReturnType<typeof readEnvUpstreams>>;
    try {
        upstream = await readEnvUpstreams({
            accountRole: role,
            stacks: { dns: stacks.dns, bastion: stacks.bastion, dev: stacks.dev },
        } as EnvStackConfig);
    } catch {
        return [];
    }
    return envCrossStackProblems({
        role,
        cidr,
        region,
        bastion: { stack: "bastion", cidr: upstream.bastion.vpcCidr, region: upstream.bastion.region },
        otherEnv: upstream.dev && { stack: "dev", cidr: upstream.dev.vpcCidr, region: upstream.dev.region },
    });
}

/** Resources declared later in the program, as a promise a resource's dependsOn can wait for. */
function laterResources() {
    let resolve!: (resources: readonly pulumi.Resource[]) => void;
    const promise = new Promise<readonly pulumi.Resource[]>(r => (resolve = r));
    return { promise, resolve };
}

/** A dev or prod account: the environment's VPC and everything that runs in it. */
export async function buildEnvStack(config: EnvStackConfig, stack: string): Promise<Exported<EnvOutputs>> {
    // StackReferences only read; the cross-stack rules run before the first real resource (the provider).
    const upstream = await readEnvUpstreams(config);
    const problems = envCrossStackProblems({
        role: config.accountRole,
        cidr: config.network.cidr,
        region: config.region,
        bastion: { stack: "bastion", cidr: upstream.bastion.vpcCidr, region: upstream.bastion.region },
        otherEnv: upstream.dev && { stack: "dev", cidr: upstream.dev.vpcCidr, region: upstream.dev.region },
        accountId: config.accountId,
        bastionPeers: upstream.bastion.peers,
        grantTargets: Object.keys(upstream.bastion.access[config.accountRole] ?? {}),
        environments: config.environments.map(e => e.name),
    });
    problems.push(
        ...publicNameProblems(
            upstream.dns.zoneName,
            upstream.dns.prodPublicNames,
            config.environments.map(e => ({ name: e.name, publicNames: e.app.publicNames })),
        ),
    );
    if (problems.length > 0) {
        throw new ConfigError(stack, problems);
    }

    const ctx = stackContext(config, stack);
    // Dev's Jenkins host boots a pinned AMI: one that is not Canonical's Ubuntu 24.04 amd64 fails here, before anything else.
    const jenkinsAmiId =
        config.accountRole === "dev"
            ? await pinnedUbuntuAmiId("buildTooling.jenkins.amiId", config.buildTooling.jenkins.amiId, config.region, {
                  provider: ctx.provider,
              })
            : undefined;
    // Prod's AMI is read before anything is declared: its root volume sizes the app servers'.
    const prodRootVolumeGiB =
        config.accountRole === "prod" && upstream.dev ? await prodImageRootVolumeGiB({ ...ctx, config }, upstream.dev) : undefined;
    const baseline = accountBaseline(ctx);
    const network = newNetwork(ctx);
    const environments = buildEnvironments(
        ctx,
        network,
        { cidr: `${upstream.bastion.bastionPrivateIp}/32`, tunnelTargets: upstream.bastion.tunnelTargets[config.accountRole] ?? [] },
        baseline.accessLogBucket,
    );
    const access = buildEnvAccess(ctx, network, upstream.dns, upstream.bastion);
    const env = config.accountRole;
    // The cross-account roles this stack's providers assume: its previews may assume their read-only counterparts.
    const peeringRoleArn = upstream.bastion.peeringRoleArns[env];
    deploymentPreviews(ctx, [upstream.dns.delegationRoleArns[env], ...(peeringRoleArn ? [peeringRoleArn] : [])]);
    const logs = baseline.accessLogBucket;
    const tooling = env === "dev" ? buildTooling({ ...ctx, config }, jenkinsAmiId!, network, upstream.bastion, access, logs) : {};
    // Dev bakes from its own apt repository: the image's gate reads the bucket the tooling creates.
    const image = appImage(
        ctx,
        network,
        upstream.dev,
        "aptBucketName" in tooling ? (tooling.aptBucketName as pulumi.Output<string>) : undefined,
        prodRootVolumeGiB,
    );
    // Each group waits for the alarms its refresh watches, which operations declares from the cluster's load balancer
    // and target group below: a promise per environment, settled once they exist (or the program failed).
    const refreshAlarms = environments.environments.map(() => laterResources());
    let apps: ReturnType<typeof buildAppTier>;
    try {
        apps = buildAppTier(
            ctx,
            network,
            environments.environments,
            access,
            image,
            upstream.dns,
            upstream.bastion,
            baseline.accessLogBucket,
            refreshAlarms.map(r => r.promise),
        );
        const operations = buildOperations(ctx, network, environments.environments, apps.clusters);
        operations.environments.forEach((o, i) => refreshAlarms[i].resolve(o.refreshAlarms));
    } catch (e) {
        // Settled either way, so no group waits for ever on alarms a failed program will never declare.
        refreshAlarms.forEach(r => r.resolve([]));
        throw e;
    }
    return {
        accountId: config.accountId,
        region: config.region,
        ...networkOutputs(network),
        amiId: image.amiId,
        amiKmsKeyArn: image.kmsKeyArn,
        amiRootVolumeGiB: image.rootVolumeGiB,
        // The app image's Packer build profile (dev, when it bakes); Jenkins runs no Packer build of its own.
        ...(image.buildInstanceProfileName ? { packerInstanceProfileName: image.buildInstanceProfileName } : {}),
        // One object per environment: its data tier and its app tier.
        environments: pulumi
            .all([environments.outputs, apps.outputs])
            .apply(([data, app]) => Object.fromEntries(Object.keys(data).map(name => [name, { ...data[name], ...app[name] }]))),
        subzoneId: access.subzone.zoneId,
        subzoneName: access.subzone.name,
        peeringConnectionId: access.peering.peeringConnectionId,
        sshFromBastionSecurityGroupId: access.sshFromBastionSecurityGroupId,
        ...tooling,
    };
}
