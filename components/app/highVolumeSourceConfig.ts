/**
 * Known high-volume customers: WAF cannot tell a company behind one NAT address from an abuser at one address, so
 * the default per-address ceiling (fairShareConfig.ts) refuses both; a customer whose addresses are listed here is
 * served up to its own allowance instead (webAclConfig.ts renders an IP set and a rate rule per source). Pure.
 */
import { type FleetAtScale, highVolumeBudget, per5Minutes } from "./fairShareConfig";

export interface HighVolumeSource {
    /** Stable name, used in the IP set's and the rule's names: lower-case letters, digits and hyphens. */
    readonly name: string;
    /** Its addresses, as IPv4 CIDRs (a NAT address is a /32). */
    readonly cidrs: readonly string[];
    /** Requests per second its addresses together may send. */
    readonly requestsPerSecond: number;
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** Whether `cidr` is an IPv4 CIDR with no host bits set (WAF refuses 10.0.0.1/24). */
export function ipv4CidrProblem(cidr: string): string | undefined {
    if (!IPV4_CIDR.test(cidr)) return `"${cidr}" is not an IPv4 CIDR such as 203.0.113.7/32`;
    const [address, bits] = cidr.split("/");
    const value = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    const hostBits = 32 - Number(bits);
    if (hostBits > 0 && value % 2 ** hostBits !== 0) return `"${cidr}" has host bits set: use the network address`;
    return undefined;
}

/** Every problem with the list, with the fleet whose largest size bounds the allowances together. */
export function highVolumeSourceProblems(sources: readonly HighVolumeSource[], fleet: FleetAtScale): string[] {
    const problems: string[] = [];
    const names = new Set<string>();
    for (const source of sources) {
        if (!/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(source.name))
            problems.push(`name "${source.name}" must be 1 to 40 lower-case letters, digits and hyphens`);
        if (names.has(source.name)) problems.push(`name "${source.name}" is listed twice`);
        names.add(source.name);
        if (source.cidrs.length === 0) problems.push(`"${source.name}" lists no cidrs`);
        for (const cidr of source.cidrs) {
            const problem = ipv4CidrProblem(cidr);
            if (problem) problems.push(`"${source.name}": ${problem}`);
        }
        if (!(source.requestsPerSecond > 0)) problems.push(`"${source.name}": requestsPerSecond (${source.requestsPerSecond}) must be > 0`);
    }
    const total = sources.reduce((sum, s) => sum + s.requestsPerSecond, 0);
    const budget = highVolumeBudget(fleet);
    if (total > budget) {
        problems.push(
            `the allowances add up to ${total} requests/s, more than the ${budget} the largest fleet serves beyond the other ` +
                `tenants' share (maxSize ${fleet.maxSize} x serverRequestsPerSecond ${fleet.serverRequestsPerSecond} x 0.5)`,
        );
    }
    return problems;
}

/** A source's allowance as WAF's limit per 5 minutes. */
export const allowancePer5Minutes = (source: HighVolumeSource): number => per5Minutes(source.requestsPerSecond);
