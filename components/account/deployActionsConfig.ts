/**
 * The catalog of what each AWS resource type calls (deployActionCatalog.json): per Pulumi type, the IAM actions
 * Terraform's AWS provider (which @pulumi/aws bridges) calls to create it (with its read-back and waiters), read or
 * refresh it, update it (tags included) and delete it.
 * - `recorded`: learned by `npm run -s learn-actions -- --write <type>` (plan/deployActions/learn.ts), the real
 *   provider (hashicorp/aws 5.100.0) against moto's emulator; rewritten whole by each run;
 * - `refused`: the requests the emulator refused in that run (the log cannot show calls past them);
 * - `fromSource`: what the provider calls past those, read in its source (file and functions named), kept by hand;
 * - `fromArguments`: what the arguments the program really passes call, which the learning configurations (minimal, and
 *   updated only by their tags) never reach: warm pools, instance refreshes, default versions, key policies...; each
 *   with its source (the AWS documentation page or the provider's file and function), kept by hand.
 */
import * as fs from "fs";
import * as path from "path";

export type Phase = "create" | "read" | "update" | "delete";
export type Phases = Partial<Record<Phase, readonly string[]>>;

export interface CatalogEntry {
    readonly terraform?: string;
    readonly recorded?: Phases;
    readonly refused?: readonly string[];
    readonly fromSource?: { readonly file: string; readonly actions: Phases; readonly note?: string };
    readonly fromArguments?: readonly ArgumentCalls[];
}

/** Actions an argument the program passes makes the provider (or AWS on its behalf) call, with where that is said. */
export interface ArgumentCalls {
    readonly actions: readonly string[];
    readonly source: string;
}

export type Catalog = Record<string, CatalogEntry>;

export const CATALOG_FILE = path.join(__dirname, "deployActionCatalog.json");

export function readCatalog(file: string = CATALOG_FILE): Catalog {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Catalog) : {};
}

/** The command that learns a type's actions, for messages. */
export function learnCommand(types: readonly string[]): string {
    return `npm run -s learn-actions -- --write ${types.join(" ")}`;
}

/** Every action of an entry, any phase, recorded, from the source or from the program's arguments, sorted. */
export function actionsOfEntry(entry: CatalogEntry): string[] {
    const all = new Set<string>();
    for (const phases of [entry.recorded, entry.fromSource?.actions]) {
        for (const list of Object.values(phases ?? {})) for (const a of list ?? []) all.add(a);
    }
    for (const calls of entry.fromArguments ?? []) for (const a of calls.actions) all.add(a);
    for (const a of [...all]) if (UNTAG_OF_TAG[a]) all.add(UNTAG_OF_TAG[a]);
    return [...all].sort();
}

/**
 * The call that takes a tag off, for each call that puts one on. The learning runs only add a tag, but the provider's
 * tag update (internal/tags, updateTags of each service) calls the untag operation whenever a key is dropped, as
 * renaming or removing a default tag does; a type that can tag can untag. S3's DeleteBucketTagging is authorized by
 * s3:PutBucketTagging (Service Authorization Reference), and Route 53 and CloudTrail change tags both ways in one call.
 */
export const UNTAG_OF_TAG: Readonly<Record<string, string>> = {
    "access-analyzer:TagResource": "access-analyzer:UntagResource",
    "acm:AddTagsToCertificate": "acm:RemoveTagsFromCertificate",
    "autoscaling:CreateOrUpdateTags": "autoscaling:DeleteTags",
    "backup:TagResource": "backup:UntagResource",
    "cloudtrail:AddTags": "cloudtrail:RemoveTags",
    "cloudwatch:TagResource": "cloudwatch:UntagResource",
    "dlm:TagResource": "dlm:UntagResource",
    "ec2:CreateTags": "ec2:DeleteTags",
    "ecr:TagResource": "ecr:UntagResource",
    "elasticloadbalancing:AddTags": "elasticloadbalancing:RemoveTags",
    "es:AddTags": "es:RemoveTags",
    "events:TagResource": "events:UntagResource",
    "guardduty:TagResource": "guardduty:UntagResource",
    "iam:TagInstanceProfile": "iam:UntagInstanceProfile",
    "iam:TagOpenIDConnectProvider": "iam:UntagOpenIDConnectProvider",
    "iam:TagPolicy": "iam:UntagPolicy",
    "iam:TagRole": "iam:UntagRole",
    "kms:TagResource": "kms:UntagResource",
    "logs:TagResource": "logs:UntagResource",
    "rds:AddTagsToResource": "rds:RemoveTagsFromResource",
    "route53:ChangeTagsForResource": "route53:ChangeTagsForResource",
    "s3:PutBucketTagging": "s3:PutBucketTagging",
    "secretsmanager:TagResource": "secretsmanager:UntagResource",
    "sns:TagResource": "sns:UntagResource",
    "wafv2:TagResource": "wafv2:UntagResource",
};
