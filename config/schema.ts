/**
 * The stack configuration schema: every key a `Pulumi.<stack>.yaml` may carry, with its type, default, and the
 * rules that tie keys together. One schema per account role; a key that the role does not use is an error, so a
 * typo never passes silently. Descriptions are written for the config reference in the README.
 * This module only composes: the sections live in their own files, the shared building blocks in primitives.ts.
 */
import { z } from "zod";
import { baselineSchema, checkBaseline } from "./baseline";
import { bastionHostSchema, bastionStacksSchema, checkBastionHost } from "./bastionHost";
import { buildToolingSchema } from "./buildTooling";
import { deploymentsSchema } from "./deployments";
import { checkDnsDelegation, dnsDelegationSchema, dnsSchema } from "./dnsAccount";
import { environmentProblems, environmentsSchema } from "./environments";
import { devImageSchema, imageProblems, prodImageSchema } from "./image";
import { NetworkConfig, checkNetwork, networkSchema, withNetworkDefaults } from "./network";
import { AccountRole, accountIdSchema, problem } from "./primitives";
import { KNOWN_REGIONS } from "./regions";
import { upstreamStacksSchema } from "./upstreamStacks";

const tagsSchema = z
    .record(
        z.string().regex(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, problem("not a valid AWS tag key", "use 1-128 letters, digits, spaces and _ . : / = + - @")),
        z.string().max(256),
    )
    .describe("Extra tags added to every taggable resource, beside Project, Stack, Environment and ManagedBy. Defaults to none.");

// ---------------------------------------------------------------------------------------------------------------
// Sections

// ---------------------------------------------------------------------------------------------------------------
// Per-role schemas

const common = {
    accountId: accountIdSchema.describe("The AWS account this stack deploys into; every provider is pinned to it. Required."),
    region: z
        .string()
        .refine(r => KNOWN_REGIONS.includes(r), problem("not a region this project knows", `use one of ${KNOWN_REGIONS.join(", ")}, or add it to config/regions.ts`))
        .describe("The region of every resource in this stack. Required."),
    tags: tagsSchema.optional(),
    deployments: deploymentsSchema.optional(),
    baseline: baselineSchema.optional(),
};

const accountRoleDescription = "Which account this stack deploys: dns, bastion, dev or prod; decides what the program builds. Required.";

export const dnsRoleSchema = z
    .strictObject({
        accountRole: z.literal("dns").describe(accountRoleDescription),
        ...common,
        dns: dnsSchema,
        delegation: dnsDelegationSchema,
    })
    .superRefine((value, ctx) => checkDnsDelegation(value, ctx));

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
    });

function envRoleSchema<R extends "dev" | "prod", I extends z.ZodType>(role: R, image: I) {
    return z
        .strictObject({
            accountRole: z.literal(role).describe(accountRoleDescription),
            ...common,
            network: networkSchema,
            stacks: upstreamStacksSchema,
            image,
            environments: environmentsSchema.optional(),
            buildTooling: buildToolingSchema.optional(),
        })
        .superRefine((value, ctx) => {
            checkNetwork(value, ctx, role);
            imageProblems(value as { accountId: string; image?: { prodAccountId?: string } }, ctx);
            for (const p of environmentProblems(role, withNetworkDefaults(value.network).azCount, value.environments)) {
                ctx.addIssue({ code: "custom", path: ["environments", ...p.path], input: p.input, message: p.message });
            }
            if (role === "prod" && value.buildTooling) {
                ctx.addIssue({
                    code: "custom",
                    path: ["buildTooling"],
                    input: value.buildTooling,
                    message: problem("Jenkins and the apt repository live in the dev account only", "remove buildTooling from the prod stack"),
                });
            }
            checkBaseline(role, value.baseline, ctx);
            if (role === "prod" && !value.stacks.dev) {
                ctx.addIssue({
                    code: "custom",
                    path: ["stacks", "dev"],
                    input: undefined,
                    message: problem("prod takes the tested AMI and checks CIDR overlap through the dev stack", "set stacks.dev to the dev stack's organization/project/stack"),
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

export const devRoleSchema = envRoleSchema("dev", devImageSchema);
export const prodRoleSchema = envRoleSchema("prod", prodImageSchema.optional());

export const ROLE_SCHEMAS = {
    dns: dnsRoleSchema,
    bastion: bastionRoleSchema,
    dev: devRoleSchema,
    prod: prodRoleSchema,
} as const;

type Parsed<R extends AccountRole> = z.output<(typeof ROLE_SCHEMAS)[R]>;
type WithNetwork<T> = T extends { network: unknown } ? Omit<T, "network"> & { network: NetworkConfig } : T;

export type DnsStackConfig = WithNetwork<Parsed<"dns">>;
export type BastionStackConfig = WithNetwork<Parsed<"bastion">>;
export type DevStackConfig = WithNetwork<Parsed<"dev">>;
export type ProdStackConfig = WithNetwork<Parsed<"prod">>;
export type EnvStackConfig = DevStackConfig | ProdStackConfig;
export type StackConfig = DnsStackConfig | BastionStackConfig | EnvStackConfig;
