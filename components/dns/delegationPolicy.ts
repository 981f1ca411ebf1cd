/**
 * Who may write what into the apex zone: the record names and types each consumer account owns, and the IAM
 * documents of the delegation roles the dns stack creates for them. Pure functions, unit-tested without Pulumi.
 *
 * Route53 authorizes ChangeResourceRecordSets per request with three multi-valued condition keys (names are
 * lower case without the trailing dot): route53:ChangeResourceRecordSetsNormalizedRecordNames, ...RecordTypes
 * and ...Actions. Each grant below becomes one statement, so a request must fit one grant entirely: a name may
 * only carry the types granted for it.
 */
import { PolicyDocument, PolicyStatement, policyDocument } from "../account/iamPolicy";

/** The bastion's host name label in the apex zone: bastion.<apex>. */
export const BASTION_HOST_LABEL = "bastion";

export type ConsumerRole = "bastion" | "dev" | "prod";
export const CONSUMER_ROLES: readonly ConsumerRole[] = ["bastion", "dev", "prod"];

export function bastionHostName(apex: string): string {
    return `${BASTION_HOST_LABEL}.${apex}`;
}

/** The subzone an environment owns: dev.<apex>, prod.<apex>. */
export function envSubzoneName(env: "dev" | "prod", apex: string): string {
    return `${env}.${apex}`;
}

/** The names that belong to one consumer and to no one else. */
export function reservedNames(apex: string): Record<ConsumerRole, string> {
    return { bastion: bastionHostName(apex), dev: envSubzoneName("dev", apex), prod: envSubzoneName("prod", apex) };
}

/** Record names (patterns allowed, as IAM StringLike reads them) and the types a consumer may write there. */
export interface RecordGrant {
    readonly sid: string;
    readonly names: readonly string[];
    readonly types: readonly string[];
}

/**
 * The grants of one consumer: the bastion its A record; an environment the NS delegation of its subzone; prod
 * also A/AAAA (alias) records for its public names and the CNAMEs ACM asks for to validate them (_<token>.<name>).
 */
export function consumerGrants(role: ConsumerRole, apex: string, publicNames: readonly string[] = []): RecordGrant[] {
    if (role === "bastion") {
        return [{ sid: "BastionHostRecord", names: [bastionHostName(apex)], types: ["A"] }];
    }
    const grants: RecordGrant[] = [{ sid: "SubzoneDelegation", names: [envSubzoneName(role, apex)], types: ["NS"] }];
    if (role === "prod" && publicNames.length > 0) {
        const names = [...publicNames].sort();
        grants.push({ sid: "PublicNames", names, types: ["A", "AAAA"] });
        grants.push({ sid: "CertificateValidation", names: names.map(n => `_*.${n}`), types: ["CNAME"] });
    }
    return grants;
}

/** The actions a consumer needs beside the change itself: Pulumi reads the zone, its records and the change status. */
export const ZONE_READ_ACTIONS = ["route53:GetHostedZone", "route53:ListResourceRecordSets"] as const;

/**
 * The delegation role's permissions: change only the granted names and types in this zone (never the apex's own
 * NS/SOA), and the reads a record's create/update/delete needs.
 */
export function delegationPolicy(zoneId: string, grants: readonly RecordGrant[]): PolicyDocument {
    const zoneArn = `arn:aws:route53:::hostedzone/${zoneId}`;
    const changes = grants.map((grant): PolicyStatement => ({
        Sid: grant.sid,
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: zoneArn,
        Condition: {
            // ForAllValues passes on an absent key, so each key must also be present.
            Null: {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": "false",
                "route53:ChangeResourceRecordSetsRecordTypes": "false",
                "route53:ChangeResourceRecordSetsActions": "false",
            },
            "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": grant.names },
            "ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsRecordTypes": grant.types,
                "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
            },
        },
    }));
    return policyDocument(
        ...changes,
        { Sid: "ReadZone", Effect: "Allow", Action: [...ZONE_READ_ACTIONS], Resource: zoneArn },
        // GetChange has no zone in its ARN; change ids are opaque and reveal nothing.
        { Sid: "ReadChangeStatus", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
    );
}
