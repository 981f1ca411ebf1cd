/**
 * The access model's pure functions: grants to each bastion user's forwards and to each box's logins, and the sshd
 * settings each person ends up with, read back through `sshd -T -C user=...` (OpenSSH's own evaluation of Match
 * blocks over the stock config). The same renderers run for real in test/sshAccess.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    AccessUser,
    bastionEgressRules,
    bastionForwards,
    forwardsByUser,
    hostEnforcedPeers,
    grantProblems,
    hostLogins,
    PeerAccess,
    peerAccessList,
    tunnelTargets,
} from "../components/access/accessGrantsConfig";
import { bastionFirewall, hostFirewall } from "../components/access/firewallConfig";
import { accessCloudConfigDocument, hostAccess } from "../components/access/accessCloudConfig";
import { bastionSshdConfig, hostSshdConfig } from "../components/access/sshdConfig";
import { STOCK_SSHD_CONFIG } from "./helpers/netnsHosts";

const key = (name: string) => `ssh-ed25519 AAAA${name}`;
const users: AccessUser[] = [
    { name: "alice", publicKeys: [key("alice")], sudo: true },
    { name: "bob", publicKeys: [key("bob")] },
    { name: "carol", publicKeys: [key("carol")] },
];
const peers: PeerAccess[] = peerAccessList({
    prod: { cidr: "10.30.0.0/16", access: { production: { admin: ["alice"] } } },
    dev: {
        cidr: "10.20.0.0/16",
        dataSubnetCidrs: ["10.20.32.0/21", "10.20.40.0/21"],
        access: { integration: { login: ["bob"], tunnel: ["bob"] }, test: { login: ["carol"] }, jenkins: { tunnel: ["carol"] } },
    },
});

/** What sshd makes of the drop-in over the stock config, for one user connecting from one address. */
function effective(dropIn: string, user: string, addr = "10.10.0.10"): Map<string, string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-sshd-"));
    try {
        fs.mkdirSync(path.join(dir, "d"));
        fs.writeFileSync(path.join(dir, "d", "10.conf"), dropIn);
        fs.writeFileSync(path.join(dir, "sshd_config"), STOCK_SSHD_CONFIG.replace("/etc/ssh/sshd_config.d", path.join(dir, "d")));
        assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "hk")]).status, 0);
        if (!fs.existsSync("/run/sshd")) fs.mkdirSync("/run/sshd", { mode: 0o755 });
        const result = spawnSync(
            "/usr/sbin/sshd",
            ["-T", "-f", path.join(dir, "sshd_config"), "-h", path.join(dir, "hk"), "-C", `user=${user},host=h,addr=${addr}`],
            { encoding: "utf8" },
        );
        assert.equal(result.status, 0, result.stderr);
        return new Map(
            result.stdout
                .split("\n")
                .filter(Boolean)
                .map(l => [l.split(" ")[0], l.slice(l.indexOf(" ") + 1)] as [string, string]),
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("access model (pure, and through sshd -T)", () => {
    it("derives each person's forwards per account: SSH for login/admin, database ports to the data subnets, Jenkins UI", () => {
        assert.deepEqual(bastionForwards("alice", peers), [{ cidr: "10.30.0.0/16", port: 22 }]);
        assert.deepEqual(bastionForwards("bob", peers), [
            { cidr: "10.20.0.0/16", port: 22 },
            { cidr: "10.20.32.0/21", port: 3306 },
            { cidr: "10.20.40.0/21", port: 3306 },
            { cidr: "10.20.32.0/21", port: 5432 },
            { cidr: "10.20.40.0/21", port: 5432 },
        ]);
        assert.deepEqual(bastionForwards("carol", peers), [
            { cidr: "10.20.0.0/16", port: 22 },
            { cidr: "10.20.0.0/16", port: 8080 },
        ]);
        // Until the account's data subnets are known, a database tunnel reaches nothing (not the whole VPC).
        const unknown = peerAccessList({ dev: { cidr: "10.20.0.0/16", access: { integration: { tunnel: ["bob"] } } } });
        assert.deepEqual(bastionForwards("bob", unknown), []);
        assert.deepEqual(forwardsByUser([{ name: "erin", publicKeys: [key("erin")] }], peers), { erin: [] });
    });

    it("opens the bastion's egress per account to the ports someone is granted there, keyed by value", () => {
        assert.deepEqual(
            bastionEgressRules(users, peers).map(r => [r.key, r.cidr, r.description]),
            [
                ["dev-22", "10.20.0.0/16", "SSH to the dev VPC"],
                ["dev-3306-10-20-32-0-21", "10.20.32.0/21", "database tunnels to the dev data subnet 10.20.32.0/21"],
                ["dev-3306-10-20-40-0-21", "10.20.40.0/21", "database tunnels to the dev data subnet 10.20.40.0/21"],
                ["dev-5432-10-20-32-0-21", "10.20.32.0/21", "database tunnels to the dev data subnet 10.20.32.0/21"],
                ["dev-5432-10-20-40-0-21", "10.20.40.0/21", "database tunnels to the dev data subnet 10.20.40.0/21"],
                ["dev-8080", "10.20.0.0/16", "Jenkins UI tunnels to the dev VPC"],
                ["prod-22", "10.30.0.0/16", "SSH to the prod VPC"],
            ],
        );
        assert.deepEqual(bastionEgressRules(users, peerAccessList({ prod: { cidr: "10.30.0.0/16" } })), [], "nobody granted: no egress");
    });

    it("puts on each box exactly the people its target grants, admins with sudo, sorted by name", () => {
        const grant = { login: ["bob", "carol"], admin: ["alice"] };
        assert.deepEqual(
            hostLogins(users, grant).map(l => [l.name, l.sudo, l.publicKeys]),
            [
                ["alice", true, [key("alice")]],
                ["bob", false, [key("bob")]],
                ["carol", false, [key("carol")]],
            ],
        );
        assert.deepEqual(hostLogins(users, undefined), []);
    });

    it("names, per account, only the environments someone may tunnel to (never jenkins): only their databases admit the bastion", () => {
        assert.deepEqual(tunnelTargets(peers), { dev: ["integration"], prod: [] });
    });

    it("refuses tunnels to two environments of one account unless the same people hold both (they share data subnets)", () => {
        const tunnels = (integration: string[], test: string[]) =>
            grantProblems(
                users,
                peerAccessList({
                    dev: {
                        cidr: "10.20.0.0/16",
                        access: { integration: { tunnel: integration }, test: { tunnel: test }, jenkins: { tunnel: ["carol"] } },
                    },
                    prod: { cidr: "10.30.0.0/16", access: { production: { tunnel: ["alice"] } } },
                }),
            );
        assert.deepEqual(
            tunnels(["bob"], ["carol"]).map(p => p.path),
            [["dev", "test", "tunnel"]],
        );
        assert.match(tunnels(["bob"], ["carol"])[0].message, /integration \(bob\) and test \(carol\) of dev.*Fix: /);
        assert.deepEqual(tunnels(["bob", "carol"], ["carol", "bob"]), [], "the same people: nobody reaches a database they lack");
        assert.deepEqual(tunnels(["bob"], []), [], "one environment tunnelled to");
    });

    it("reports grants to unknown people and people listed as both login and admin, with the fix", () => {
        const problems = grantProblems(
            users,
            peerAccessList({ dev: { cidr: "10.20.0.0/16", access: { test: { login: ["bob", "zed"], admin: ["bob"] } } } }),
        );
        assert.deepEqual(
            problems.map(p => p.path.join(".")),
            ["dev.test.login.1", "dev.test.login"],
        );
        assert.match(problems[0].message, /zed is not a bastion user\. Fix: add zed to bastionHost\.users/);
        assert.match(problems[1].message, /keep bob in admin only/);
    });

    describe("the bastion's sshd, per person", () => {
        const dropIn = bastionSshdConfig({ users, forwards: forwardsByUser(users, peers) });
        it("an administrator: a shell, local forwards to her granted ports only", () => {
            const alice = effective(dropIn, "alice");
            assert.equal(alice.get("forcecommand"), "none");
            assert.equal(alice.get("permittty"), "yes");
            assert.equal(alice.get("allowtcpforwarding"), "local");
            assert.equal(alice.get("permitopen"), "*:22");
        });
        it("a jump-only user: nologin for any session, no TTY, local forwards to the granted ports", () => {
            const bob = effective(dropIn, "bob");
            assert.equal(bob.get("forcecommand"), "/usr/sbin/nologin");
            assert.equal(bob.get("permittty"), "no");
            assert.equal(bob.get("allowtcpforwarding"), "local");
            assert.equal(bob.get("permitopen"), "*:22 *:3306 *:5432");
        });
        it("everyone: keys only from the managed files, no agent, X11, tunnel or remote forwarding, whatever the stock config says", () => {
            for (const user of ["alice", "bob", "carol"]) {
                const s = effective(dropIn, user);
                assert.equal(s.get("passwordauthentication"), "no");
                assert.equal(s.get("permitrootlogin"), "no");
                assert.equal(s.get("authorizedkeysfile"), "/etc/ssh/authorized_keys/%u");
                assert.equal(s.get("authorizedkeyscommand"), "none");
                assert.equal(s.get("x11forwarding"), "no", "the drop-in wins over the stock X11Forwarding yes");
                assert.equal(s.get("allowagentforwarding"), "no");
                assert.equal(s.get("permittunnel"), "no");
                assert.equal(s.get("permitlisten"), "none");
            }
        });
        it("a person with no grant forwards nothing", () => {
            const erin = effective(bastionSshdConfig({ users: [{ name: "erin", publicKeys: [key("erin")] }], forwards: {} }), "erin");
            assert.equal(erin.get("allowtcpforwarding"), "no");
            assert.equal(erin.get("permitopen"), "none");
        });
    });

    it("a box's sshd admits its people from the bastion's address only, and forwards nothing", () => {
        const dropIn = hostSshdConfig({ logins: hostLogins(users, { login: ["bob"] }), bastionIp: "10.10.0.10", role: "test app servers" });
        assert.match(dropIn, /^AllowUsers bob@10\.10\.0\.10$/m);
        const bob = effective(dropIn, "bob");
        assert.equal(bob.get("disableforwarding"), "yes");
        assert.equal(bob.get("allowtcpforwarding"), "no");
        assert.match(hostSshdConfig({ logins: [], bastionIp: "10.10.0.10", role: "nobody's" }), /^DenyUsers \*$/m);
    });

    it("refuses user data over EC2's 16 KB limit, naming the size and the fix", () => {
        const many = Array.from({ length: 60 }, (_, i) => ({
            name: `user${i}`,
            publicKeys: [`ssh-ed25519 ${"A".repeat(68)} user${i}@laptop`],
            sudo: false,
        }));
        assert.throws(
            () => accessCloudConfigDocument(hostAccess({ logins: many, bastionIp: "10.10.0.10", role: "crowded" })),
            /user data is \d+ bytes, over EC2's limit of 16384: grant fewer people/,
        );
        assert.doesNotThrow(() =>
            accessCloudConfigDocument(hostAccess({ logins: many.slice(0, 5), bastionIp: "10.10.0.10", role: "fine" })),
        );
    });

    it("the firewalls: metadata for root only on the bastion, each person's blocks and ports, SSH to boxes from the bastion only", () => {
        // As the bastion stack renders its host: database ports to the VPC block (the host's user data holds no
        // environment's outputs); its security group egress keeps them to the data subnets.
        const bastion = bastionFirewall({ forwards: forwardsByUser(users, hostEnforcedPeers(peers)) });
        assert.match(bastion, /ip daddr 169\.254\.169\.254 meta skuid != 0 reject/);
        assert.match(bastion, /meta skuid "bob" ip daddr 10\.20\.0\.0\/16 tcp dport 5432 accept/);
        assert.doesNotMatch(bastion, /10\.20\.32\.0/, "the data subnets are the security group's, not the host's");
        assert.deepEqual(
            bastionEgressRules(users, peers)
                .filter(r => r.port === 5432)
                .map(r => r.cidr),
            ["10.20.32.0/21", "10.20.40.0/21"],
            "database ports reach the data subnets only",
        );
        assert.doesNotMatch(bastion, /meta skuid "bob" ip daddr 10\.30/);
        assert.match(bastion, /meta skuid \{ "alice", "bob", "carol" \} reject/);
        const box = hostFirewall({ logins: hostLogins(users, { login: ["bob"] }), bastionIp: "10.10.0.10" });
        assert.match(box, /tcp dport 22 ip saddr != 10\.10\.0\.10 reject with tcp reset/);
        assert.match(box, /ip daddr 169\.254\.169\.254 meta skuid "bob" reject/);
    });
});
