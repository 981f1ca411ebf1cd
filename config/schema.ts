/**
 * The stack configuration schema: every key a `Pulumi.<stack>.yaml` may carry, with its type, default, and the
 * rules that tie keys together. One schema per account role; a key that the role does not use is an error, so a
 * typo never passes silently. Descriptions are written for the config reference in the README.
 * This module only composes: the sections live in their own files, the shared building blocks in primitives.ts.
 */
import { z } from "zod";
import { pagingWebhookSchema } from "./alarms";
import { BaselineConfig, baselineSchema, checkBaseline, withBaselineDefaults } from "./baseline";
import { bastionHostSchema, bastionStacksSchema, checkBastionHost } from "./bastionHost";
import { BuildToolingConfig, buildToolingSchema, withBuildToolingDefaults } from "./buildTooling";
import { DeploymentsConfig, deploymentsSchema, withDeploymentsDefaults } from "./deployments";
import { checkDnsDelegation, dnsDelegationSchema, dnsSchema } from "./dnsAccount";
import { EnvironmentConfig, environmentProblems, environmentsSchema, resolveEnvironments } from "./environments";
import { devImageSchema, imageProblems, prodImageSchema } from "./image";
import { NetworkConfig, checkNetwork, networkSchema, withNetworkDefaults } from "./network";
import { AccountRole, EnvRole, accountIdSchema, problem } from "./primitives";
import { KNOWN_REGIONS } from "./regions";
import { checkPeerStacks, checkUpstreamStacks, upstreamStacksSchema } from "./upstreamStacks";

const tagsSchema = z
    .record(
        z
            .string()
            .regex(
                /^[A-Za-z0-9 _.:/=+@-]{1,128}$/,
                problem("not a valid AWS tag key", "use 1-128 letters, digits, spaces and _ . : / = + - @"),
            ),
        z.string().max(256),
    )
    .describe("Extra tags added to every taggable resource, beside Project, Stack, Environment and ManagedBy. Defaults to none.");

// ---------------------------------------------------------------------------------------------------------------
// Per-role schemas

const common = {
    accountId: accountIdSchema.describe("The AWS account this stack deploys into; every provider is pinned to it. Required."),
    region: z
        .string()
        .refine(
            r => KNOWN_REGIONS.includes(r),
            problem("not a region this project knows", `use one of ${KNOWN_REGIONS.join(", ")}, or add it to config/regions.ts`),
        )
        .describe("The region of every resource in this stack. Required."),
    tags: tagsSchema.optional(),
    deployments: deploymentsSchema.optional(),
    baseline: baselineSchema.optional(),
    pagingWebhook: pagingWebhookSchema,
};

const accountRoleDescription = "Which account this stack deploys: dns, bastion, dev or prod; decides what the program builds. Required.";

export const dnsRoleSchema = z
    .strictObject({
        accountRole: z.literal("dns").describe(accountRoleDescription),
        ...common,
        dns: dnsSchema,
        delegation: dnsDelegationSchema,
    })
    .superRefine((value, ctx) => {
        checkDnsDelegation(value, ctx);
        checkBaseline("dns", value.accountId, value.baseline, ctx);
    });

export const bastionRoleSchema = z
    .strictObject({
        accountRole: z.literal("bastion").describe(accountRoleDescription),
        ...common,
        network: networkSchema,
        stacks: bastionStacksSchema,
        bastionHost: bastionHostSchema,
    })
    .superRefine((value, ctx) => {
        checkNetwork(value, ctx, "bastion");
        checkBastionHost(value, ctx);
        checkBaseline("bastion", value.accountId, value.baseline, ctx);
        checkUpstreamStacks(value, ctx);
        checkPeerStacks(value, ctx);
    });

interface EnvRoleValue {
    readonly accountId: string;
    readonly region: string;
    readonly network: z.output<typeof networkSchema>;
    readonly stacks: z.output<typeof upstreamStacksSchema>;
    readonly image?: { readonly prodAccountId?: string };
    readonly environments?: z.output<typeof environmentsSchema>;
    readonly baseline?: z.output<typeof baselineSchema>;
    readonly pagingWebhook?: string;
    readonly deployments?: { readonly organization?: string };
}

function envRoleSchema<R extends EnvRole, I extends z.ZodType, E extends Record<string, z.ZodType>>(role: R, image: I, extra: E) {
    return z
        .strictObject({
            accountRole: z.literal(role).describe(accountRoleDescription),
            ...common,
            network: networkSchema,
            stacks: upstreamStacksSchema,
            image,
            environments: environmentsSchema.optional(),
            ...extra,
        })
        .superRefine((parsed, ctx) => {
            // The shape's type depends on `extra`; the rules below read only the keys every env role has.
            const value = parsed as unknown as EnvRoleValue;
            checkNetwork(value, ctx, role);
            imageProblems(value, ctx);
            const azCount = withNetworkDefaults(value.network).azCount;
            for (const p of environmentProblems(role, azCount, value.environments, value.pagingWebhook !== undefined)) {
                ctx.addIssue({ code: "custom", path: ["environments", ...p.path], input: p.input, message: p.message });
            }
            checkBaseline(role, value.accountId, value.baseline, ctx);
            checkUpstreamStacks(value, ctx);
            if (role === "prod" && !value.stacks.dev) {
                ctx.addIssue({
                    code: "custom",
                    path: ["stacks", "dev"],
                    input: undefined,
                    message: problem(
                        "prod takes the tested AMI and checks CIDR overlap through the dev stack",
                        "set stacks.dev to the dev stack's organization/project/stack",
                    ),
                });
            }
            if (role === "dev" && value.stacks.dev) {
                ctx.addIssue({
                    code: "custom",
                    path: ["stacks", "dev"],
                    input: value.stacks.dev,
                    message: problem("dev cannot reference itself", "remove stacks.dev from the dev stack"),
                });
            }
        });
}

// Build tooling lives in the dev account only: prod's schema has no such key, so the reference does not list it.
export const devRoleSchema = envRoleSchema("dev", devImageSchema, { buildTooling: buildToolingSchema });
export const prodRoleSchema = envRoleSchema("prod", prodImageSchema.optional(), {});

/**
 * Keys a role's schema has the shape for but its refinements refuse (above), so the configuration reference does
 * not list them for that role: dotted path -> roles.
 */
export const REFUSED_IN: Readonly<Record<string, readonly AccountRole[]>> = { "stacks.dev": ["dev"] };

/** Top-level keys some roles refuse, with why: the loader says so instead of a bare "unknown key". */
export const ROLE_ONLY_KEYS: Readonly<Record<string, { readonly roles: readonly AccountRole[]; readonly why: string }>> = {
    buildTooling: { roles: ["dev"], why: "Jenkins and the apt repository live in the dev account only" },
};

export const ROLE_SCHEMAS = {
    dns: dnsRoleSchema,
    bastion: bastionRoleSchema,
    dev: devRoleSchema,
    prod: prodRoleSchema,
} as const;

type Parsed<R extends AccountRole> = z.output<(typeof ROLE_SCHEMAS)[R]>;

/** The sections every stack has, resolved: every default applied. */
interface ResolvedCommon {
    readonly deployments: DeploymentsConfig | undefined;
    readonly baseline: BaselineConfig;
}

type Resolved<T, Extra> = Omit<T, "network" | "environments" | "buildTooling" | "deployments" | "baseline"> & ResolvedCommon & Extra;

export type DnsStackConfig = Resolved<Parsed<"dns">, object>;
export type BastionStackConfig = Resolved<Parsed<"bastion">, { readonly network: NetworkConfig }>;
/** An env stack's settings: its environments as a sorted list, each with every default applied. */
export type ProdStackConfig = Resolved<
    Parsed<"prod">,
    { readonly network: NetworkConfig; readonly environments: readonly EnvironmentConfig[] }
>;
export type DevStackConfig = Resolved<
    Parsed<"dev">,
    { readonly network: NetworkConfig; readonly environments: readonly EnvironmentConfig[]; readonly buildTooling: BuildToolingConfig }
>;
export type EnvStackConfig = DevStackConfig | ProdStackConfig;
export type StackConfig = DnsStackConfig | BastionStackConfig | EnvStackConfig;

/** Turns a parsed config into the settings the stacks use: every default applied, once, here. */
export function resolveStackConfig(parsed: Parsed<AccountRole>): StackConfig {
    const common = {
        ...parsed,
        deployments: withDeploymentsDefaults(parsed.deployments, parsed.accountRole),
        baseline: withBaselineDefaults(parsed.accountRole, parsed.baseline),
    };
    switch (parsed.accountRole) {
        case "dns":
            return { ...parsed, ...common } as DnsStackConfig;
        case "bastion":
            return { ...parsed, ...common, network: withNetworkDefaults(parsed.network) } as BastionStackConfig;
        case "dev":
        case "prod": {
            const network = withNetworkDefaults(parsed.network);
            const environments = resolveEnvironments(parsed.accountRole, network.azCount, parsed.environments);
            if (parsed.accountRole === "prod") {
                return { ...parsed, ...common, network, environments } as ProdStackConfig;
            }
            return {
                ...parsed,
                ...common,
                network,
                environments,
                buildTooling: withBuildToolingDefaults(parsed.buildTooling),
            } as DevStackConfig;
        }
    }
}
