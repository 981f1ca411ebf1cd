/**
 * IPv4 CIDR arithmetic over plain strings and numbers: no resources, no Pulumi, exported for tests.
 * Addresses are unsigned 32-bit integers held in ordinary numbers (multiplication, not bit shifts,
 * so that nothing wraps to a negative value).
 */

export interface Cidr {
    /** First address of the block, as an unsigned 32-bit integer. */
    readonly base: number;
    /** Prefix length, 0..32. */
    readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/n"; returns a reason string instead of throwing, so validation can collect it. */
export function parseCidr(text: string): Cidr | string {
    const match = CIDR_PATTERN.exec(text.trim());
    if (!match) {
        return `"${text}" is not an IPv4 CIDR block of the form a.b.c.d/n`;
    }
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some(o => o > 255)) {
        return `"${text}" has an octet above 255`;
    }
    if (prefix > 32) {
        return `"${text}" has a prefix length above 32`;
    }
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    if (base % blockSize(prefix) !== 0) {
        return `"${text}" has host bits set; the network address is ${formatCidr({ base: alignDown(base, prefix), prefix })}`;
    }
    return { base, prefix };
}

/** Parses a CIDR that is known to be valid (config already validated it); throws otherwise. */
export function mustParseCidr(text: string): Cidr {
    const parsed = parseCidr(text);
    if (typeof parsed === "string") {
        throw new Error(parsed);
    }
    return parsed;
}

export function blockSize(prefix: number): number {
    return 2 ** (32 - prefix);
}

export function cidrSize(cidr: Cidr): number {
    return blockSize(cidr.prefix);
}

function alignDown(address: number, prefix: number): number {
    const size = blockSize(prefix);
    return Math.floor(address / size) * size;
}

export function formatAddress(address: number): string {
    const octets: number[] = [];
    let rest = address;
    for (let i = 0; i < 4; i++) {
        octets.unshift(rest % 256);
        rest = Math.floor(rest / 256);
    }
    return octets.join(".");
}

export function formatCidr(cidr: Cidr): string {
    return `${formatAddress(cidr.base)}/${cidr.prefix}`;
}

/** Last address of the block (inclusive). */
export function lastAddress(cidr: Cidr): number {
    return cidr.base + cidrSize(cidr) - 1;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return outer.base <= inner.base && lastAddress(inner) <= lastAddress(outer);
}

/** True for blocks AWS accepts as a VPC's primary CIDR: RFC 1918 space, /16 to /28. */
export const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(mustParseCidr);

export function isPrivateCidr(cidr: Cidr): boolean {
    return RFC1918.some(range => cidrContains(range, cidr));
}

/**
 * A CIDR as a resource-name part ("203.0.113.0/24" -> "203-0-113-0-24"): rules named by the block they admit keep
 * their names when another block is added or removed, where a list position would shift and replace them all.
 */
export function cidrKey(cidr: string): string {
    return cidr.trim().replace(/[^0-9A-Za-z]+/g, "-");
}
