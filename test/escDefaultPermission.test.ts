/**
 * The organization's default environment permission, read from a tiny local stand-in of the Pulumi Cloud API:
 * only `none` passes; anything the API does not say plainly is "unknown", with what to verify in the console.
 */
import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { checkEscDefaultPermission } from "../components/account/escAccessPolicy";

interface Seen {
    url?: string;
    headers?: http.IncomingHttpHeaders;
}

/** Serves one answer on loopback; returns its URL, what it was asked, and a close. */
async function standIn(status: number, body: string): Promise<{ url: string; seen: Seen; close: () => Promise<void> }> {
    const seen: Seen = {};
    const server = http.createServer((req, res) => {
        seen.url = req.url;
        seen.headers = req.headers;
        res.writeHead(status, { "Content-Type": "application/json" }).end(body);
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise(resolve => server.close(() => resolve())) };
}

async function check(status: number, body: string) {
    const api = await standIn(status, body);
    try {
        const result = await checkEscDefaultPermission({ organization: "twine", token: "pul-secret", apiUrl: api.url });
        return { result, seen: api.seen };
    } finally {
        await api.close();
    }
}

describe("ESC default environment permission (checkEscDefaultPermission, against a local API)", () => {
    it("passes none, asking GET /api/orgs/<org> with the API's headers and the token", async () => {
        const { result, seen } = await check(200, JSON.stringify({ id: "twine", defaultEnvironmentPermission: "none" }));
        assert.equal(result.status, "ok", result.message);
        assert.equal(seen.url, "/api/orgs/twine");
        assert.equal(seen.headers?.authorization, "token pul-secret");
        assert.equal(seen.headers?.accept, "application/vnd.pulumi+8");
    });

    it("reports every other level as a problem with its fix, and never prints the token", async () => {
        for (const level of ["read", "open", "write", "admin"]) {
            const { result } = await check(200, JSON.stringify({ defaultEnvironmentPermission: level }));
            assert.equal(result.status, "problem", level);
            assert.match(result.message, new RegExp(`"${level}".*Fix: set it to none`));
            assert.ok(!result.message.includes("pul-secret"));
        }
    });

    it("is unknown, with what to verify in the console, when the API refuses, errs or does not name the field", async () => {
        for (const [status, body] of [
            [403, "{}"],
            [200, JSON.stringify({ id: "twine" })],
            [200, "not json"],
        ] as const) {
            const { result } = await check(status, body);
            assert.equal(result.status, "unknown", `${status} ${body}`);
            assert.match(result.message, /Settings > Access Management > Default environment permission must be none/);
            assert.ok(!result.message.includes("pul-secret"));
        }
        const unreachable = await checkEscDefaultPermission({
            organization: "twine",
            token: "t",
            apiUrl: "http://127.0.0.1:9",
            timeoutMs: 2000,
        });
        assert.equal(unreachable.status, "unknown");
    });
});
