/**
 * The access model run for real: Debian's OpenSSH (sshd and ssh), nftables and sudo, on four hosts in network
 * namespaces that this suite makes and removes: an engineer's machine on the Internet, the bastion, a dev app box
 * (integration) and a prod app box (production). Each box gets the users, keys, sshd drop-in and firewall that the
 * program renders for it from test/fixtures/access.bastion.yaml, applied as cloud-init would on first boot.
 * Addresses are the fixture's own (the bastion's fixed 10.10.0.10, one box in each environment's VPC block); the
 * engineer is at 203.0.113.10 and the bastion forwards packets, so a box is reachable without the bastion at the
 * network level and must refuse that on its own. The bastion's security group egress toward the peers (which narrows
 * database tunnels from the VPC block its own firewall admits to the data subnets) is stood in for by an nftables
 * table of its rules (securityGroupEgress below).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    AccessUser,
    PeerAccess,
    bastionEgressRules,
    forwardsByUser,
    hostEnforcedPeers,
    hostLogins,
    peerAccessList,
} from "../components/access/accessGrantsConfig";
import { hostAccess } from "../components/access/accessCloudConfig";
import { renderAppUserData } from "../components/app/appUserDataConfig";
import { bastionPrivateIp } from "../components/access/bastion";
import { renderBastionUserData } from "../components/access/bastionCloudConfig";
import { planSubnets } from "../components/network/subnetPlan";
import { BastionStackConfig, parseStackConfig } from "../config";
import { readStackSettings } from "../plan/stackFile";
import { REPO } from "./helpers/config";
import { fixturePlanOf } from "./helpers/plans";
import { link, mustRun, NetnsHost, removeNetnsDirIfEmpty, requireTools, waitForPort } from "./helpers/netnsHosts";

const FIXTURE = path.join(__dirname, "fixtures", "access.bastion.yaml");
const ENGINEER = "203.0.113.10";
const BASTION_PUBLIC = "203.0.113.1";
const DEV_BOX = "10.20.1.5";
/** The integration database: in dev's data subnets (the fixture dev stack's dataSubnetCidrs output, which the bastion reads). */
const DEV_DATABASE = "10.20.32.5";
const PROD_BOX = "10.30.1.5";
const METADATA = "169.254.169.254";

/**
 * The bastion's security group egress toward the peered blocks, as nftables: what bastionEgressRules admits to 10/8,
 * nothing else there. A security group drops silently; a reject here makes a refusal quick instead of a timeout.
 */
function securityGroupEgress(users: readonly AccessUser[], peers: readonly PeerAccess[]): string {
    return [
        "table inet sg-egress {",
        "    chain output {",
        "        type filter hook output priority filter - 10; policy accept;",
        ...bastionEgressRules(users, peers).map(r => `        ip daddr ${r.cidr} tcp dport ${r.port} accept`),
        "        ip daddr 10.0.0.0/8 meta l4proto tcp reject with icmpx admin-prohibited",
        "    }",
        "}",
        "",
    ].join("\n");
}

/** A few characters unique to this run, so parallel runs and leftovers of a killed run never collide. */
const tag = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 2).toString(36)}`.slice(-5);

describe("access through the bastion, with real OpenSSH in network namespaces", function () {
    this.timeout(120_000);
    let scratch: string;
    let netnsDirCreated = false;
    const hosts: NetnsHost[] = [];
    let engineer: NetnsHost, bastion: NetnsHost, devBox: NetnsHost, prodBox: NetnsHost;
    let users: AccessUser[];

    /** ssh from the engineer's machine as `user`, with only that user's key and the hosts' real host keys. */
    const clientConfig = (user: string) => path.join(scratch, "client", `${user}.config`);
    const ssh = (user: string, args: readonly string[], from: NetnsHost = engineer) =>
        from.exec(["ssh", "-F", clientConfig(user), ...args], { timeout: 30_000 });

    before(async function () {
        requireTools({ ip: "iproute2", nft: "nftables", sshd: "openssh-server", ssh: "openssh-client", sudo: "sudo" });
        assert.equal(process.getuid?.(), 0, "this suite makes network namespaces: run it as root (CI does)");
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "twine-ssh-access-"));
        fs.chmodSync(scratch, 0o755);
        netnsDirCreated = !fs.existsSync("/etc/netns");

        // GIVEN the fixture's config, through the program's own loader, and a fresh key pair for each person.
        const config = parseStackConfig("bastion", readStackSettings(REPO, "bastion", FIXTURE).config) as BastionStackConfig;
        const { bastionHost } = config;
        fs.mkdirSync(path.join(scratch, "client"));
        users = bastionHost.users.map(u => {
            const key = path.join(scratch, "client", u.name);
            mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${u.name}@test`, "-f", key]);
            return { ...u, publicKeys: [fs.readFileSync(`${key}.pub`, "utf8").trim()] };
        });
        // The data subnets as the bastion reads them from the dev stack's outputs (stacks/peerOutputs.ts).
        const devData = (await fixturePlanOf("dev")).outputs.dataSubnetCidrs as string[];
        const peers = peerAccessList({
            ...bastionHost.peers,
            dev: bastionHost.peers.dev && { ...bastionHost.peers.dev, dataSubnetCidrs: devData },
        });
        // The bastion's fixed address in the first public subnet, as the Network component plans it.
        const plan = planSubnets({
            vpcCidr: config.network.cidr,
            azCount: config.network.azCount,
            azSlots: config.network.azSlots,
            tiers: (["public", "private", "data"] as const).map(tier => ({ name: tier, prefix: config.network.subnetPrefixes[tier] })),
        });
        const bastionIp = bastionPrivateIp(plan.tiers[0].subnets[0]);
        const uids = new Map(users.map((u, i) => [u.name, 40_000 + i]));

        // The hosts and their links: engineer - bastion (public side); bastion - each box (peering), one address each.
        engineer = new NetnsHost(`tw${tag}e`, path.join(scratch, "engineer"));
        bastion = new NetnsHost(`tw${tag}b`, path.join(scratch, "bastion"));
        devBox = new NetnsHost(`tw${tag}d`, path.join(scratch, "dev"));
        prodBox = new NetnsHost(`tw${tag}p`, path.join(scratch, "prod"));
        hosts.push(engineer, bastion, devBox, prodBox);
        link(engineer, "e0", ENGINEER, bastion, "be", BASTION_PUBLIC);
        link(bastion, "bd", bastionIp, devBox, "d0", DEV_BOX);
        devBox.mustExec(["ip", "addr", "add", `${DEV_DATABASE}/32`, "dev", "d0"]);
        bastion.mustExec(["ip", "route", "add", `${DEV_DATABASE}/32`, "dev", "bd", "src", bastionIp]);
        link(bastion, "bp", bastionIp, prodBox, "p0", PROD_BOX);
        // The engineer's packets may cross the bastion (as if a security group were opened by mistake).
        bastion.mustExec(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
        engineer.mustExec(["ip", "route", "add", "10.0.0.0/8", "via", BASTION_PUBLIC, "dev", "e0"]);
        for (const box of [devBox, prodBox]) box.mustExec(["ip", "route", "add", `${ENGINEER}/32`, "via", bastionIp]);

        // WHEN each host gets what the program renders for it.
        const bastionUserData = renderBastionUserData({
            users,
            // As the bastion stack renders it: the host admits database tunnels to each VPC block (hostEnforcedPeers).
            forwards: forwardsByUser(users, hostEnforcedPeers(peers)),
            hostName: "bastion.twinehr.com",
            logGroupName: "/twine/bastion/bastion/ssh",
            region: "eu-west-1",
        });
        // An app server's whole user data: its settings, and its environment's people.
        const boxUserData = (peer: string, target: string, role: string) => {
            const grant = peers.find(p => p.name === peer)!.targets[target];
            return renderAppUserData({ TWINE_ENVIRONMENT: target }, hostAccess({ logins: hostLogins(users, grant), bastionIp, role }));
        };
        const knownHosts: string[] = [];
        for (const [host, userData, address] of [
            [bastion, bastionUserData, BASTION_PUBLIC],
            [devBox, boxUserData("dev", "integration", "integration app servers"), DEV_BOX],
            [prodBox, boxUserData("prod", "production", "production app servers"), PROD_BOX],
        ] as const) {
            const unapplied = host.applyCloudConfig(userData, uids);
            assert.deepEqual(
                unapplied.filter(f => !["/opt/aws/", "/etc/twine/", "/etc/systemd/"].some(dir => f.startsWith(dir))),
                [],
                "every access file is applied",
            );
            knownHosts.push(`${address} ${host.makeHostKey()}`);
            host.mustExec(["nft", "-f", "/etc/nftables.conf"]);
            host.startSshd();
        }
        fs.writeFileSync(path.join(scratch, "client", "known_hosts"), `${knownHosts.join("\n")}\n`);
        for (const u of users) {
            fs.writeFileSync(
                clientConfig(u.name),
                [
                    "Host bastion",
                    `    HostName ${BASTION_PUBLIC}`,
                    `    User ${u.name}`,
                    "Host *",
                    `    IdentityFile ${path.join(scratch, "client", u.name)}`,
                    "    IdentitiesOnly yes",
                    "    IdentityAgent none",
                    `    UserKnownHostsFile ${path.join(scratch, "client", "known_hosts")}`,
                    "    GlobalKnownHostsFile /dev/null",
                    "    StrictHostKeyChecking yes",
                    "    BatchMode yes",
                    "    ConnectTimeout 5",
                    "",
                ].join("\n"),
            );
        }

        // Services that answer, so a refusal is the access model's and not a closed port.
        bastion.mustExec(["ip", "addr", "add", `${METADATA}/32`, "dev", "lo"]);
        bastion.startGreeter(METADATA, 80, "instance-credentials");
        engineer.startGreeter(ENGINEER, 22, "internet");
        devBox.startGreeter(DEV_DATABASE, 5432, "integration-database");
        devBox.startGreeter(DEV_BOX, 5432, "app-box-5432");
        devBox.startGreeter(DEV_BOX, 80, "integration-web");
        await waitForPort(bastion, METADATA, 80);
        await waitForPort(bastion, ENGINEER, 22);
        await waitForPort(bastion, DEV_DATABASE, 5432);
        await waitForPort(bastion, DEV_BOX, 5432);
        await waitForPort(bastion, DEV_BOX, 80);
        for (const [address, port] of [
            [BASTION_PUBLIC, 22],
            [DEV_BOX, 22],
            [PROD_BOX, 22],
        ] as const) {
            await waitForPort(address === BASTION_PUBLIC ? engineer : bastion, address, port);
        }
        // Last: the security group stands between the bastion and the boxes' other ports, which answered above.
        fs.writeFileSync(path.join(scratch, "sg-egress.nft"), securityGroupEgress(users, peers));
        bastion.mustExec(["nft", "-f", path.join(scratch, "sg-egress.nft")]);
    });

    after(() => {
        for (const host of hosts.reverse()) host.destroy();
        removeNetnsDirIfEmpty(netnsDirCreated);
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });

    /** Connects from inside `host` as root and prints what the server says (proves a path exists for root). */
    const rootProbe = (host: NetnsHost, address: string, port: number) =>
        host.exec([
            process.execPath,
            "-e",
            `require("net").connect(${port},"${address}").on("data",d=>process.stdout.write(d)).on("error",` +
                `e=>{console.error(e.code);process.exit(1)})`,
        ]);

    it("an allowed user reaches a box with ssh -J, without sudo unless they administer it", () => {
        const dave = ssh("dave", ["-J", "bastion", `dave@${PROD_BOX}`, "id -un; sudo -n true && echo sudo || echo no-sudo"]);
        assert.equal(dave.status, 0, dave.stderr);
        assert.equal(dave.stdout, "dave\nno-sudo\n");
        const alice = ssh("alice", ["-J", "bastion", `alice@${DEV_BOX}`, "id -un; sudo -n id -u"]);
        assert.equal(alice.status, 0, alice.stderr);
        assert.equal(alice.stdout, "alice\n0\n");
    });

    it("a bastion administrator gets a shell and sudo there, but not the metadata service without sudo", () => {
        const shell = ssh("alice", ["bastion", "id -un; sudo -n id -u"]);
        assert.equal(shell.status, 0, shell.stderr);
        assert.equal(shell.stdout, "alice\n0\n");
        const imds = `exec 3<>/dev/tcp/${METADATA}/80 && head -1 <&3`;
        const asAlice = ssh("alice", ["bastion", imds]);
        assert.notEqual(asAlice.status, 0);
        assert.doesNotMatch(asAlice.stdout, /instance-credentials/);
        const asRoot = ssh("alice", ["bastion", `sudo -n bash -c '${imds}'`]);
        assert.equal(asRoot.stdout, "instance-credentials\n", asRoot.stderr);
        // Nor does any other local account (a service, not one of the people): root only.
        const asService = ssh("alice", ["bastion", `sudo -n -u nobody bash -c '${imds}'`]);
        assert.notEqual(asService.status, 0);
        assert.doesNotMatch(asService.stdout, /instance-credentials/);
    });

    it("a jump-only user gets no shell, no command and no TTY on the bastion", () => {
        const command = ssh("bob", ["bastion", "id"]);
        assert.notEqual(command.status, 0);
        assert.doesNotMatch(command.stdout, /uid=/);
        assert.match(command.stdout + command.stderr, /This account is currently not available/);
        // Twice over: the session's forced command, and the account's login shell.
        const account = ssh("alice", ["bastion", "getent passwd bob"]);
        assert.match(account.stdout, /^bob:x:\d+:\d+::[^:]+:\/usr\/sbin\/nologin\n$/);
        const tty = ssh("bob", ["-tt", "bastion"]);
        assert.notEqual(tty.status, 0);
        assert.match(tty.stderr, /PTY allocation request failed/);
    });

    it("a jump-only user forwards to what is granted and nothing else: not another port, the Internet or the metadata service", () => {
        const tunnel = ssh("bob", ["-W", `${DEV_DATABASE}:5432`, "bastion"]);
        assert.equal(tunnel.stdout, "integration-database\n", tunnel.stderr);

        // The database port elsewhere in the account (an app box, not a data subnet) is not his to open: the host
        // admits the VPC block on that port, the security group only the data subnets.
        const outsideData = ssh("bob", ["-W", `${DEV_BOX}:5432`, "bastion"]);
        assert.notEqual(outsideData.status, 0);
        assert.doesNotMatch(outsideData.stdout, /app-box-5432/);
        assert.match(outsideData.stderr, /open failed/);

        const otherPort = ssh("bob", ["-W", `${DEV_BOX}:80`, "bastion"]);
        assert.notEqual(otherPort.status, 0);
        assert.doesNotMatch(otherPort.stdout, /integration-web/);
        assert.match(otherPort.stderr, /administratively prohibited/);

        const internet = ssh("bob", ["-W", `${ENGINEER}:22`, "bastion"]);
        assert.notEqual(internet.status, 0);
        assert.doesNotMatch(internet.stdout, /internet/);
        assert.match(internet.stderr, /open failed/);

        const metadata = ssh("bob", ["-W", `${METADATA}:80`, "bastion"]);
        assert.notEqual(metadata.status, 0);
        assert.doesNotMatch(metadata.stdout, /instance-credentials/);

        // Without the security group, root on the bastion reaches all three: what stops bob is his own limits and the
        // security group's, not the test's network. The host alone admits his database ports anywhere in the VPC block
        // (its user data holds no environment's outputs): the security group keeps them to the data subnets.
        bastion.mustExec(["nft", "delete", "table", "inet", "sg-egress"]);
        try {
            assert.equal(rootProbe(bastion, DEV_BOX, 80).stdout, "integration-web\n");
            assert.equal(rootProbe(bastion, DEV_BOX, 5432).stdout, "app-box-5432\n");
            assert.equal(rootProbe(bastion, ENGINEER, 22).stdout, "internet\n");
            assert.equal(ssh("bob", ["-W", `${DEV_BOX}:5432`, "bastion"]).stdout, "app-box-5432\n");
            assert.match(ssh("bob", ["-W", `${DEV_BOX}:80`, "bastion"]).stderr, /administratively prohibited/);
        } finally {
            bastion.mustExec(["nft", "-f", path.join(scratch, "sg-egress.nft")]);
        }
    });

    it("a user not listed for prod cannot reach the prod box: the bastion refuses the forward, and the box his key", () => {
        const jump = ssh("bob", ["-J", "bastion", `bob@${PROD_BOX}`, "true"]);
        assert.notEqual(jump.status, 0);
        assert.match(jump.stderr, /open failed/);
        // Even from the bastion's own address, with his key, the prod box has no such person.
        const direct = ssh("bob", [`bob@${PROD_BOX}`, "true"], bastion);
        assert.notEqual(direct.status, 0);
        assert.match(direct.stderr, /Permission denied \(publickey\)/);
        // carol is granted integration only: the same holds for her.
        const carol = ssh("carol", ["-J", "bastion", `carol@${PROD_BOX}`, "true"]);
        assert.notEqual(carol.status, 0);
        const carolDev = ssh("carol", ["-J", "bastion", `carol@${DEV_BOX}`, "id -un"]);
        assert.equal(carolDev.stdout, "carol\n", carolDev.stderr);
    });

    it("a box refuses SSH that does not come from the bastion: its firewall, and without it sshd itself", () => {
        const direct = ssh("dave", [`dave@${PROD_BOX}`, "true"]);
        assert.notEqual(direct.status, 0);
        assert.match(direct.stderr, /Connection refused/);
        prodBox.mustExec(["nft", "delete", "table", "inet", "twine_access"]);
        try {
            const withoutFirewall = ssh("dave", [`dave@${PROD_BOX}`, "true"]);
            assert.notEqual(withoutFirewall.status, 0);
            assert.match(withoutFirewall.stderr, /Permission denied \(publickey\)/);
        } finally {
            prodBox.mustExec(["nft", "-f", "/etc/nftables.conf"]);
        }
    });
});
