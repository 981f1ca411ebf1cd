/**
 * The `image` config section: the app image (AMI) an environment runs. Dev builds it with Packer (or pins one)
 * and shares it with prod; prod runs what dev built unless it pins an id of its own.
 */
import { z } from "zod";
import { accountIdSchema, problem } from "./primitives";

/** An EC2 image id. */
export const amiIdSchema = z.string().superRefine((value, ctx) => {
    if (!/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value)) {
        ctx.addIssue({
            code: "custom",
            message: problem("not an AMI id", "write an id such as ami-0123456789abcdef0 (ami- and 8 or 17 hex digits)"),
        });
    }
});

/** An https URL (apt over plain http would trust the network path; the repo is reached over TLS). */
const httpsUrlSchema = z.string().superRefine((value, ctx) => {
    let url: URL | undefined;
    try {
        url = new URL(value);
    } catch {
        url = undefined;
    }
    if (!url || url.protocol !== "https:" || url.search || url.hash) {
        ctx.addIssue({
            code: "custom",
            message: problem(
                "not an https URL",
                "write the repository's base URL, e.g. https://twine-apt.s3.eu-west-1.amazonaws.com/twine",
            ),
        });
    }
});

const ARMORED_KEY = /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n[\s\S]+\n-----END PGP PUBLIC KEY BLOCK-----\s*$/;

export const aptRepoSchema = z
    .strictObject({
        url: httpsUrlSchema.describe(
            "Base URL of the private apt repository (the Aptly publish in S3, reached through the VPC's S3 endpoint). Required.",
        ),
        distribution: z
            .string()
            .regex(/^[a-z0-9][a-z0-9.-]*$/)
            .default("noble")
            .describe("Distribution to install from. Defaults to noble (the image's Ubuntu release)."),
        signingKey: z
            .string()
            .superRefine((value, ctx) => {
                if (!ARMORED_KEY.test(value.replace(/\r\n/g, "\n"))) {
                    ctx.addIssue({
                        code: "custom",
                        message: problem(
                            "not an ASCII-armored OpenPGP public key",
                            "paste the output of `gpg --armor --export <key id>` as a YAML block (signingKey: |)",
                        ),
                    });
                }
            })
            .describe("The repository's ASCII-armored public signing key; apt trusts it for this repository only. Required."),
        twineVersion: z
            .string()
            .regex(/^[0-9][A-Za-z0-9.+~:-]*$/, "not a Debian package version, e.g. 2026.11.3-1")
            .describe("Version of the Twine packages baked into the image; every package is pinned to it. Required."),
    })
    .describe("The private apt repository and the Twine version the image installs.");

export const devImageSchema = z
    .strictObject({
        build: z.boolean().default(true).describe("Build the AMI with Packer on `pulumi up`. Defaults to true; false requires amiId."),
        amiId: amiIdSchema.optional().describe("A dev-owned AMI to run and share instead of building one. Only with build: false."),
        prodAccountId: accountIdSchema.describe(
            "The prod account: it gets launch permission on the AMI and the use of its KMS key. Not dev's own account. Required.",
        ),
        aptRepo: aptRepoSchema.optional(),
        instanceType: z
            .string()
            .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "not an EC2 instance type, e.g. t3.medium")
            .default("t3.medium")
            .describe("Instance type of the Packer build instance. Defaults to t3.medium."),
        rootVolumeGiB: z
            .number()
            .int()
            .min(8)
            .max(1024)
            .default(16)
            .describe(
                "Root volume size of the image in GiB; the app servers' root volumes are this size, and at least 20. Defaults to 16.",
            ),
    })
    .superRefine((value, ctx) => {
        if (value.build && value.amiId) {
            ctx.addIssue({
                code: "custom",
                path: ["amiId"],
                input: value.amiId,
                message: problem(
                    "a pinned AMI and a Packer build exclude each other",
                    "remove image.amiId to build, or set image.build to false to run the pinned AMI",
                ),
            });
        }
        if (!value.build && !value.amiId) {
            ctx.addIssue({
                code: "custom",
                path: ["amiId"],
                input: undefined,
                message: problem(
                    "with the build off, dev needs an AMI to run and share",
                    "set image.amiId to a dev-owned AMI, or set image.build to true",
                ),
            });
        }
        if (value.build && !value.aptRepo) {
            ctx.addIssue({
                code: "custom",
                path: ["aptRepo"],
                input: undefined,
                message: problem(
                    "the build installs Twine from the private apt repository",
                    "set image.aptRepo.url, image.aptRepo.signingKey and image.aptRepo.twineVersion",
                ),
            });
        }
    })
    .describe("The app image: built here by Packer (or pinned), encrypted with this account's KMS key, shared with prod.");

export const prodImageSchema = z
    .strictObject({
        amiId: amiIdSchema
            .optional()
            .describe(
                "Run this AMI instead of the one the dev stack exports. Defaults to dev's amiId, so prod runs " +
                    "exactly the image dev tested.",
            ),
    })
    .describe("The app image prod runs.");

export type DevImageConfig = z.output<typeof devImageSchema>;
export type ProdImageConfig = z.output<typeof prodImageSchema>;

/** Rules between the image section and the rest of the stack's config. */
export function imageProblems(value: { accountId: string; image?: { prodAccountId?: string } }, ctx: z.RefinementCtx): void {
    const prodAccountId = value.image?.prodAccountId;
    if (prodAccountId !== undefined && prodAccountId === value.accountId) {
        ctx.addIssue({
            code: "custom",
            path: ["image", "prodAccountId"],
            input: prodAccountId,
            message: problem(
                "the prod account cannot be dev's own account: sharing an image with itself isolates nothing",
                "set image.prodAccountId to the prod stack's accountId",
            ),
        });
    }
}
