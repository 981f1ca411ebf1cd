/**
 * The stack configuration schema: every key a `Pulumi.<stack>.yaml` may carry, with its type, default, and the
 * rules that tie keys together. One schema per account role; a key that the role does not use is an error, so a
 * typo never passes silently. Descriptions are written for the config reference in the README.
 *
 * Messages follow one form, so the loader can print them uniformly: "<why>. Fix: <what to do>".
 */
import { z } from "zod";
import { cidrsOverlap, isPrivateCidr, mustParseCidr, parseCidr } from "../components/cidr";
import { LARGEST_VPC_PREFIX, SMALLEST_SUBNET_PREFIX, defaultTierPrefixes, subnetPlanProblems } from "../components/subnetPlan";
import { KNOWN_REGIONS, REGION_AZ_LETTERS } from "./regions";
import { devImageSchema, imageProblems, prodImageSchema } from "./image";
import { environmentProblems, environmentsSchema } from "./environments";
import { buildToolingSchema } from "./buildTooling";
import { deploymentsSchema } from "./deployments";
import { baselineSchema, checkBaseline } from "./baseline";

export const PROJECT = "twine-infra";
export const ACCOUNT_ROLES = ["dns", "bastion", "dev", "prod"] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** Builds a message in the common "<why>. Fix: <fix>" form. */
export function problem(why: string, fix: string): string {
    return `${why}. Fix: ${fix}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

export const accountIdSchema = z
    .string()
    .regex(/^\d{12}$/, problem("an AWS account id is exactly 12 digits", 'quote it in YAML so leading zeros survive, e.g. "012345678901"'))
    .describe("12-digit AWS account id.");

export const cidrSchema = z.string().superRefine((value, ctx) => {
    const parsed = parseCidr(value);
    if (typeof parsed === "string") {
        ctx.addIssue({ code: "custom", message: problem(parsed, "write a network address such as 10.20.0.0/16") });
    }
});

/** A CIDR that admits SSH or another sensitive port: never the whole Internet. */
export const restrictedCidrSchema = cidrSchema.superRefine((value, ctx) => {
    const parsed = parseCidr(value);
    if (typeof parsed !== "string" && parsed.prefix === 0) {
        ctx.addIssue({
            code: "custom",
            message: problem(`${value} opens the port to the whole Internet`, "list the office or VPN ranges that need access, e.g. 203.0.113.0/24"),
        });
    }
});

const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const domainSchema = z
    .string()
    .regex(hostnamePattern, problem("not a lower-case DNS name", "write a name such as twinehr.com, without a trailing dot"));

/** "org/project/stack", the fully qualified name a StackReference needs. */
export const stackNameSchema = z
    .string()
    .regex(
        /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
        problem("a stack reference must be fully qualified", "write organization/project/stack, e.g. acme/twine-infra/bastion"),
    );

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export const logRetentionSchema = z
    .number()
    .int()
    .refine(
        (d: number) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        problem("CloudWatch Logs does not offer that retention", `use one of ${LOG_RETENTION_DAYS.join(", ")}`),
    );

const tagsSchema = z
    .record(
        z.string().regex(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, problem("not a valid AWS tag key", "use 1-128 letters, digits, spaces and _ . : / = + - @")),
        z.string().max(256),
    )
    .describe("Extra tags added to every taggable resource, beside Project, Stack, Environment and ManagedBy. Defaults to none.");

// ---------------------------------------------------------------------------------------------------------------
// Sections

export const NAT_STRATEGIES = ["none", "single", "perAz"] as const;

export const networkSchema = z
    .strictObject({
        cidr: cidrSchema.describe("Primary IPv4 block of the VPC, from RFC 1918 space, /16 to /28. Required."),
        azCount: z
            .number()
            .int()
            .min(1)
            .max(6)
            .describe("Availability zones to spread subnets across; at most what the region offers. Defaults to 2."),
        azSlots: z
            .number()
            .int()
            .min(1)
            .max(8)
            .optional()
            .describe("Subnet slots reserved per tier so adding an AZ later moves nothing; a power of two >= azCount. Defaults to 4 (8 when azCount > 4)."),
        natStrategy: z
            .enum(NAT_STRATEGIES)
            .describe("Outbound Internet for private subnets: none, single (one NAT gateway, cheap) or perAz (one per AZ, no cross-AZ dependency). Defaults to single."),
        subnetPrefixes: z
            .strictObject({
                public: z.number().int().optional().describe("Prefix length of the public subnets (load balancers, NAT gateways, the bastion)."),
                private: z.number().int().optional().describe("Prefix length of the private (app) subnets."),
                data: z.number().int().optional().describe("Prefix length of the data subnets (RDS, OpenSearch)."),
            })
            .optional()
            .describe("Prefix length per subnet tier (public, private, data). Defaults: private = VPC prefix + 3, public and data = VPC prefix + 5, never beyond /28."),
        flowLogs: z
            .strictObject({
                retentionDays: logRetentionSchema.describe("Days CloudWatch keeps VPC flow logs. Defaults to 90."),
                trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]).describe("Which traffic the flow logs record. Defaults to ALL."),
            })
            .partial()
            .optional()
            .describe("VPC flow logs to CloudWatch Logs; always on."),
    })
    .partial({ azCount: true, natStrategy: true })
    .describe("The account's VPC.");

export type NetworkConfigInput = z.input<typeof networkSchema>;

/** The network section with every default applied. */
export interface NetworkConfig {
    readonly cidr: string;
    readonly azCount: number;
    readonly azSlots: number;
    readonly natStrategy: (typeof NAT_STRATEGIES)[number];
    readonly subnetPrefixes: { readonly public: number; readonly private: number; readonly data: number };
    readonly flowLogs: { readonly retentionDays: number; readonly trafficType: "ALL" | "ACCEPT" | "REJECT" };
}

export function withNetworkDefaults(input: z.output<typeof networkSchema>): NetworkConfig {
    const vpc = parseCidr(input.cidr);
    const defaults = defaultTierPrefixes(typeof vpc === "string" ? LARGEST_VPC_PREFIX : vpc.prefix);
    const azCount = input.azCount ?? 2;
    return {
        cidr: input.cidr,
        azCount,
        azSlots: input.azSlots ?? (azCount > 4 ? 8 : 4),
        natStrategy: input.natStrategy ?? "single",
        subnetPrefixes: { ...defaults, ...stripUndefined(input.subnetPrefixes ?? {}) },
        flowLogs: { retentionDays: input.flowLogs?.retentionDays ?? 90, trafficType: input.flowLogs?.trafficType ?? "ALL" },
    };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const dnsSchema = z
    .strictObject({
        apexDomain: domainSchema.describe("The apex public zone this account owns, e.g. twinehr.com. Required."),
    })
    .describe("The apex zone (dns account only).");

export const upstreamStacksSchema = z
    .strictObject({
        dns: stackNameSchema.describe("Fully qualified name of the dns stack, e.g. acme/twine-infra/dns. Required."),
        bastion: stackNameSchema.describe("Fully qualified name of the bastion stack. Required."),
        dev: stackNameSchema.optional().describe("Fully qualified name of the dev stack; prod reads the tested AMI and dev's CIDR from it. Required in prod, refused elsewhere."),
    })
    .describe("Upstream stacks this stack reads through StackReferences (dev and prod only).");

// Sections kept in their own files. They build on the blocks above, so they are imported only here, after them,
// and the role schemas read them through getters (evaluated at parse time), so either module may load first.
import { bastionHostSchema, bastionStacksSchema, checkBastionHost } from "./bastionHost";
import { checkDnsDelegation, dnsDelegationSchema } from "./dnsAccount";

// ---------------------------------------------------------------------------------------------------------------
// Per-role schemas

const common = {
    accountId: accountIdSchema.describe("The AWS account this stack deploys into; every provider is pinned to it. Required."),
    region: z
        .string()
        .refine(r => KNOWN_REGIONS.includes(r), problem("not a region this project knows", `use one of ${KNOWN_REGIONS.join(", ")}, or add it to config/regions.ts`))
        .describe("The region of every resource in this stack. Required."),
    tags: tagsSchema.optional(),
    // Lazy: the section's own file imports helpers from this one.
    deployments: z.lazy(() => deploymentsSchema).optional(),
    baseline: baselineSchema.optional(),
};

/** Rules that need several keys at once, applied to every role that has a network. */
function checkNetwork(value: { region: string; network: z.output<typeof networkSchema> }, ctx: z.RefinementCtx, role: AccountRole): void {
    const network = withNetworkDefaults(value.network);
    const vpc = parseCidr(network.cidr);
    if (typeof vpc === "string") {
        return; // already reported by the field's own schema
    }
    if (!isPrivateCidr(vpc) || vpc.prefix < LARGEST_VPC_PREFIX || vpc.prefix > SMALLEST_SUBNET_PREFIX) {
        ctx.addIssue({
            code: "custom",
            path: ["network", "cidr"],
            input: network.cidr,
            message: problem("a VPC block must be RFC 1918 private space between /16 and /28", "pick a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, e.g. 10.20.0.0/16"),
        });
        return;
    }
    const offered = REGION_AZ_LETTERS[value.region]?.length;
    if (offered !== undefined && network.azCount > offered) {
        ctx.addIssue({
            code: "custom",
            path: ["network", "azCount"],
            input: network.azCount,
            message: problem(`${value.region} offers ${offered} availability zones, not ${network.azCount}`, `set network.azCount to ${offered} or fewer`),
        });
        return;
    }
    if (role !== "bastion" && network.natStrategy === "none") {
        ctx.addIssue({
            code: "custom",
            path: ["network", "natStrategy"],
            input: network.natStrategy,
            message: problem("app hosts in private subnets need outbound access to reach SSM, CloudWatch and the apt repository", "use single (dev) or perAz (prod)"),
        });
    }
    const problems = subnetPlanProblems({
        vpcCidr: network.cidr,
        azCount: network.azCount,
        azSlots: network.azSlots,
        tiers: (["public", "private", "data"] as const).map(name => ({ name, prefix: network.subnetPrefixes[name] })),
    });
    for (const reason of problems) {
        ctx.addIssue({
            code: "custom",
            path: ["network"],
            input: value.network,
            message: problem(reason, "give the VPC a larger block (smaller prefix), use fewer AZ slots, or set smaller network.subnetPrefixes"),
        });
    }
}

const accountRoleDescription = "Which account this stack deploys: dns, bastion, dev or prod; decides what the program builds. Required.";

export const dnsRoleSchema = z
    .strictObject({
        accountRole: z.literal("dns").describe(accountRoleDescription),
        ...common,
        dns: dnsSchema,
        get delegation() {
            return dnsDelegationSchema;
        },
    })
    .superRefine((value, ctx) => checkDnsDelegation(value, ctx));

export const bastionRoleSchema = z
    .strictObject({
        accountRole: z.literal("bastion").describe(accountRoleDescription),
        ...common,
        network: networkSchema,
        get stacks() {
            return bastionStacksSchema;
        },
        get bastionHost() {
            return bastionHostSchema;
        },
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
            // Lazy: config/environments.ts reads this module back, so it may load first.
            environments: z.lazy(() => environmentsSchema).optional(),
            buildTooling: z.lazy(() => buildToolingSchema).optional(),
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

/** Every env stack CIDR must stay clear of the other VPCs it peers or shares a bastion with. */
export function overlapProblem(ownKey: string, own: string, otherName: string, other: string): string | undefined {
    if (cidrsOverlap(mustParseCidr(own), mustParseCidr(other))) {
        return `${ownKey}: ${own} overlaps the ${otherName} VPC ${other}; peered VPCs need disjoint blocks. Fix: pick a block that does not overlap ${other}`;
    }
    return undefined;
}
