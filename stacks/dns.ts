import * as aws from "@pulumi/aws";
import { DnsStackConfig } from "../config";
import { accountBaseline, stackContext } from "./context";
import { delegationRoles } from "./dnsDelegation";
import { deploymentPreviews } from "./deployments";
import { DnsOutputs, Exported } from "./outputs";

/** The dns account: the apex zone and the roles other accounts use to write their records into it. */
export async function buildDnsStack(config: DnsStackConfig, stack: string): Promise<Exported<DnsOutputs>> {
    const ctx = stackContext(config, stack);
    deploymentPreviews(ctx);
    accountBaseline(ctx);
    // Deleting the apex zone would take every Twine name off the Internet: protected, and kept if removed from code.
    const zone = new aws.route53.Zone(
        "apex",
        { name: config.dns.apexDomain, comment: "Twine apex zone, managed by twine-infra (dns stack)", forceDestroy: false },
        { provider: ctx.provider, protect: true, retainOnDelete: true },
    );
    return {
        accountId: config.accountId,
        region: config.region,
        zoneName: config.dns.apexDomain,
        zoneId: zone.zoneId,
        nameServers: zone.nameServers,
        delegationRoleArns: delegationRoles(ctx, zone),
        prodPublicNames: [...config.delegation.prod.publicNames],
    };
}
