/**
 * Import commands for resources a failed or destroyed first deploy leaves behind, with the parent and provider the
 * program gives them: a resource imported elsewhere gets another URN, and the next `up` would create it again.
 * Stack files disable the default provider, so an import must name the stack's own. Pulumi's import file format:
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_import/ (nameTable, then resources naming parent and provider).
 */
import { PROJECT } from "../config/primitives";

/**
 * A URN as the Pulumi engine makes it: every ancestor's type (never the root stack's) before the resource's own,
 * joined by `$`. (The SDK's test mocks keep only the nearest parent's type.)
 */
export function engineUrn(stack: string, types: readonly string[], name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${types.join("$")}::${name}`;
}

/** The stack's own AWS provider (accountProvider.ts names it after the stack). */
export const providerUrn = (stack: string): string => engineUrn(stack, ["pulumi:providers:aws"], stack);

/** The stack's AccountBaseline component, parent of the account's singletons and retained buckets. */
export const baselineUrn = (stack: string): string => engineUrn(stack, ["twine:index:AccountBaseline"], `${stack}-baseline`);

/** `pulumi import` of one resource under a top-level component of the stack, through the stack's provider. */
function importCommand(stack: string, type: string, name: string, id: string, parent: string): string {
    return `pulumi import --stack ${stack} ${type} ${name} ${id} --parent 'parent=${parent}' --provider 'aws=${providerUrn(stack)}'`;
}

/** The OpenSearch service-linked role an account already had: the import into the stack's SearchServiceRole. */
export function openSearchRoleImport(stack: string, accountId: string): string {
    const role = "aws-service-role/opensearchservice.amazonaws.com/AWSServiceRoleForAmazonOpenSearchService";
    const parent = engineUrn(stack, ["twine:index:SearchServiceRole"], `${stack}-opensearch`);
    return importCommand(
        stack,
        "aws:iam/serviceLinkedRole:ServiceLinkedRole",
        `${stack}-opensearch`,
        `arn:aws:iam::${accountId}:role/${role}`,
        parent,
    );
}

/** A trail of the stack's name made outside it, by ARN (the provider's import id): into the stack's AccountBaseline. */
export function trailImport(stack: string, trailArn: string): string {
    return importCommand(stack, "aws:cloudtrail/trail:Trail", `${stack}-baseline-trail`, trailArn, baselineUrn(stack));
}

/** A `pulumi import --file` document: names for URNs, then each resource naming its parent and provider by them. */
export interface ImportFile {
    readonly nameTable: Record<string, string>;
    readonly resources: readonly { type: string; name: string; id: string; parent: string; provider: string }[];
}

/**
 * The import file for what the account baseline keeps through a destroy and would collide with on the next create:
 * its buckets (fixed names; each the bucket of a LogBucket component under the baseline) and its trail (a fixed name
 * per account, under the AccountBaseline itself).
 */
export function retainedImportFile(stack: string, accountId: string, region: string): ImportFile {
    const logBucketUrn = (name: string) => engineUrn(stack, ["twine:index:AccountBaseline", "twine:index:LogBucket"], name);
    const trailLogs = `${stack}-baseline-trail-logs`;
    const accessLogs = `${stack}-baseline-s3-access-logs`;
    const entry = (type: string, name: string, id: string, parent: string) => ({ type, name, id, parent, provider: "aws" });
    return {
        nameTable: {
            baseline: baselineUrn(stack),
            trailLogs: logBucketUrn(trailLogs),
            accessLogs: logBucketUrn(accessLogs),
            aws: providerUrn(stack),
        },
        resources: [
            entry("aws:s3/bucket:Bucket", trailLogs, `twine-cloudtrail-${accountId}-${region}`, "trailLogs"),
            entry("aws:s3/bucket:Bucket", accessLogs, `twine-s3-access-logs-${accountId}-${region}`, "accessLogs"),
            entry(
                "aws:cloudtrail/trail:Trail",
                `${stack}-baseline-trail`,
                `arn:aws:cloudtrail:${region}:${accountId}:trail/twine-${stack}`,
                "baseline",
            ),
        ],
    };
}

/** The same imports one `pulumi import` line each, by cloud id: what doctor prints as the fix. */
export function importLines(stack: string, file: ImportFile): { type: string; id: string; line: string }[] {
    return file.resources.map(r => ({
        type: r.type,
        id: r.id,
        line: importCommand(stack, r.type, r.name, r.id, file.nameTable[r.parent]),
    }));
}
