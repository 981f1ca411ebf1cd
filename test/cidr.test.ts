import { strict as assert } from "assert";
import { cidrContains, cidrsOverlap, formatCidr, isPrivateCidr, mustParseCidr, parseCidr } from "../components/network/cidr";

describe("cidr", () => {
    it("parses and formats a network address", () => {
        const parsed = mustParseCidr("10.20.0.0/16");
        assert.deepEqual(parsed, { base: 10 * 2 ** 24 + 20 * 2 ** 16, prefix: 16 });
        assert.equal(formatCidr(parsed), "10.20.0.0/16");
        assert.equal(formatCidr(mustParseCidr("255.255.255.255/32")), "255.255.255.255/32");
        assert.equal(formatCidr(mustParseCidr("0.0.0.0/0")), "0.0.0.0/0");
    });

    it("explains malformed blocks instead of throwing", () => {
        assert.match(parseCidr("10.0.0.0") as string, /not an IPv4 CIDR/);
        assert.match(parseCidr("10.0.0.256/24") as string, /octet above 255/);
        assert.match(parseCidr("10.0.0.0/33") as string, /prefix length above 32/);
        assert.match(parseCidr("10.0.0.1/24") as string, /host bits set; the network address is 10\.0\.0\.0\/24/);
    });

    it("detects overlap and containment at the edges", () => {
        const a = mustParseCidr("10.0.0.0/24");
        assert.ok(cidrsOverlap(a, mustParseCidr("10.0.0.255/32")));
        assert.ok(!cidrsOverlap(a, mustParseCidr("10.0.1.0/24")));
        assert.ok(cidrsOverlap(mustParseCidr("10.0.0.0/8"), a));
        assert.ok(cidrContains(mustParseCidr("10.0.0.0/8"), a));
        assert.ok(!cidrContains(a, mustParseCidr("10.0.0.0/8")));
    });

    it("knows RFC 1918 space", () => {
        assert.ok(isPrivateCidr(mustParseCidr("172.31.0.0/16")));
        assert.ok(isPrivateCidr(mustParseCidr("192.168.10.0/24")));
        assert.ok(!isPrivateCidr(mustParseCidr("172.32.0.0/16")));
        assert.ok(!isPrivateCidr(mustParseCidr("8.8.8.0/24")));
    });
});
