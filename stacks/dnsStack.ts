import { ApexZone } from "../components/dns/apexZone";
import { DnsStackConfig } from "../config";
import { accountBaseline, stackContext } from "./context";
import { deploymentPreviews } from "./deployments";
import { accountAlerts } from "./operations";
import { DnsOutputs, Exported } from "./outputs";

/** The dns account: the apex zone and the roles other accounts use to write their records into it, and the account's alerts. */
export async function buildDnsStack(config: DnsStackConfig, stack: string): Promise<Exported<DnsOutputs>> {
    const ctx = stackContext(config, stack);
    deploymentPreviews(ctx);
    accountBaseline(ctx);
    accountAlerts(ctx);
    const { delegation } = config;
    const apex = new ApexZone(
        "apex",
        {
            apexDomain: config.dns.apexDomain,
            consumers: {
                bastion: delegation.bastion,
                dev: delegation.dev,
                prod: { accountId: delegation.prod.accountId, publicNames: delegation.prod.publicNames },
            },
        },
        { provider: ctx.provider },
    );
    return {
        accountId: config.accountId,
        region: config.region,
        zoneName: config.dns.apexDomain,
        zoneId: apex.zone.zoneId,
        nameServers: apex.zone.nameServers,
        delegationRoleArns: apex.delegationRoleArns,
        prodPublicNames: [...config.delegation.prod.publicNames],
    };
}
