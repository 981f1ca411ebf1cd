import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { bastionPrivateIp } from "../components/access/bastion";
import { peeringRolePolicy } from "../components/access/bastionPeeringPolicy";
import { BASTION_SSHD_DROP_IN } from "../components/access/accessCloudConfig";
import { bastionSshdConfig } from "../components/access/sshdConfig";
import { cloudWatchAgentConfig, renderBastionUserData } from "../components/access/bastionCloudConfig";
import { sshPublicKeyProblem } from "../config/bastionHost";
import { Plan, PlannedResource } from "../plan/run";
import { MOCK_FOREIGN_AMIS } from "../plan/mocks";
import { PLACEHOLDER_AMI_ID, pinnedAmiProblem, pinnedAmiQuery } from "../components/access/ubuntuAmi";
import { fixtureConfig } from "./helpers/config";
import { stringify } from "yaml";
import { FIXTURES, byUrn, fixturePlanOf, ofType, planFixtureWith, planOf } from "./helpers/plans";

const ALICE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHBsYWNlaG9sZGVyLWFsaWNlMDAwMDAwMDAwMDAwMDAw alice@example.invalid-placeholder";

/** Builds an OpenSSH public key line of the given type around `body` (the key bytes after the type string). */
function keyLine(type: string, body: Buffer, embeddedType = type): string {
    const name = Buffer.from(embeddedType);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(name.length);
    return `${type} ${Buffer.concat([length, name, body]).toString("base64")} someone@example`;
}
/** A real public key line made by ssh-keygen (types and sizes as an engineer would make them). */
function realKey(type: string, bits: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-key-"));
    try {
        const made = spawnSync("ssh-keygen", [
            "-q",
            "-t",
            type,
            "-b",
            bits,
            "-N",
            "",
            "-C",
            "someone@example",
            "-f",
            path.join(dir, "key"),
        ]);
        assert.equal(made.status, 0, String(made.stderr));
        return fs.readFileSync(path.join(dir, "key.pub"), "utf8").trim();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
/** The same line with its base64 cut short by 8 characters (a copy that lost its end), still valid base64. */
const truncated = (line: string) => {
    const [type, data, comment] = line.split(" ");
    return `${type} ${data.slice(0, -8 - (data.length % 4))} ${comment}`;
};
const ed25519Body = (size: number) => Buffer.concat([Buffer.from([0, 0, 0, size]), Buffer.alloc(size, 7)]);

describe("bastion", () => {
    describe("SSH public keys (config)", () => {
        it("accepts a well-formed ed25519 key, with or without a comment", () => {
            assert.equal(sshPublicKeyProblem(ALICE), undefined);
            assert.equal(sshPublicKeyProblem(ALICE.split(" ").slice(0, 2).join(" ")), undefined);
            assert.equal(sshPublicKeyProblem(realKey("ecdsa", "256")), undefined);
            assert.equal(sshPublicKeyProblem(realKey("rsa", "3072")), undefined);
        });
        const bad: [string, string, RegExp][] = [
            ["a private key pasted by mistake", "-----BEGIN OPENSSH PRIVATE KEY-----", /PRIVATE key: it must never be in config/],
            ["a line that is not a key", "alice-laptop", /not an OpenSSH public key line/],
            ["an unknown key type", keyLine("ssh-dss", Buffer.alloc(40)), /key type ssh-dss is not accepted/],
            [
                "a type prefix that does not match the key data",
                keyLine("ssh-ed25519", ed25519Body(32), "ssh-rsa"),
                /is a ssh-rsa key, not ssh-ed25519/,
            ],
            [
                "a truncated ed25519 key",
                keyLine("ssh-ed25519", ed25519Body(32)).replace(/.{12} someone/, " someone"),
                /truncated|not a key|32-byte/,
            ],
            ["an ed25519 key of the wrong size", keyLine("ssh-ed25519", ed25519Body(31)), /32-byte key/],
            ["two keys on one line broken by a newline", `${ALICE}\n${ALICE}`, /on one line/],
            ["a truncated ssh-rsa key", truncated(realKey("rsa", "3072")), /ssh-rsa key data is truncated/],
            ["a 1024-bit ssh-rsa key", realKey("rsa", "1024"), /has 1024 bits .*at least 2048/],
            ["a truncated ecdsa key", truncated(realKey("ecdsa", "256")), /ecdsa-sha2-nistp256 key data is truncated/],
        ];
        for (const [name, line, why] of bad) {
            it(`refuses ${name}`, () => assert.match(sshPublicKeyProblem(line) ?? "accepted", why));
        }
    });

    describe("user data (pure)", () => {
        const args = {
            users: [
                { name: "alice", publicKeys: [ALICE], sudo: true },
                { name: "bob", publicKeys: [ALICE] },
            ],
            hostName: "bastion.twinehr.com",
            logGroupName: "/twine/bastion/bastion/ssh",
            region: "eu-west-1",
        };
        const rendered = renderBastionUserData(args);
        const config = parse(rendered);

        it("is a cloud-config document that creates exactly the listed users, keys in root-owned files, no password", () => {
            assert.ok(rendered.startsWith("#cloud-config\n"));
            assert.deepEqual(
                config.users.map((u: Record<string, unknown>) => [u.name, u.lock_passwd, u.shell]),
                [
                    ["alice", true, "/bin/bash"],
                    ["bob", true, "/usr/sbin/nologin"],
                ],
                "only administrators get a shell",
            );
            const keyFiles = config.write_files.filter((f: { path: string }) => f.path.startsWith("/etc/ssh/authorized_keys/"));
            assert.deepEqual(
                keyFiles.map((f: Record<string, string>) => [f.path, f.owner, f.content]),
                [
                    ["/etc/ssh/authorized_keys/alice", "root:root", `${ALICE}\n`],
                    ["/etc/ssh/authorized_keys/bob", "root:root", `${ALICE}\n`],
                ],
            );
            assert.ok(!config.users.includes("default"), "the image's default user is not created");
            assert.deepEqual(
                config.users.map((u: Record<string, unknown>) => u.sudo),
                ["ALL=(ALL) NOPASSWD:ALL", undefined],
                "only users marked sudo administer the host",
            );
            assert.equal(config.ssh_pwauth, false);
            assert.equal(config.disable_root, true);
            assert.equal(config.fqdn, "bastion.twinehr.com");
        });

        it("writes the access model's sshd drop-in and firewall, and restarts sshd only once both are in place", () => {
            const dropIn = config.write_files.find((f: { path: string }) => f.path === BASTION_SSHD_DROP_IN);
            assert.equal(dropIn.content, bastionSshdConfig({ users: args.users, forwards: { alice: [], bob: [] } }));
            assert.ok(config.write_files.some((f: { path: string }) => f.path === "/etc/nftables.conf"));
            assert.ok(config.packages.includes("nftables"));
            const commands = config.runcmd.map((c: string[]) => c.join(" "));
            const firewall = commands.findIndex((c: string) => c.includes("nft -f /etc/nftables.conf"));
            const open = commands.findIndex((c: string) => c.includes("systemctl unmask ssh.socket ssh.service"));
            assert.ok(firewall >= 0 && open >= firewall, "the firewall loads before sshd opens");
            // One && chain: sshd is unmasked only once the rules loaded and sshd accepts its config (test/firstBoot.test.ts).
            assert.match(
                commands[open],
                /^sh -c nft -f \/etc\/nftables.conf && nft list table inet twine_access >\/dev\/null && .*sshd -t && systemctl unmask/,
            );
        });

        it("ships auth.log to the log group through the CloudWatch agent from the region's bucket", () => {
            const agent = JSON.parse(
                config.write_files.find((f: { path: string }) => f.path.endsWith("amazon-cloudwatch-agent.json")).content,
            );
            assert.deepEqual(agent, JSON.parse(cloudWatchAgentConfig(args.logGroupName)));
            const files = agent.logs.logs_collected.files.collect_list;
            assert.ok(
                files.some((f: Record<string, string>) => f.file_path === "/var/log/auth.log" && f.log_group_name === args.logGroupName),
            );
            assert.ok(
                config.runcmd.some((c: string[]) =>
                    c.includes(
                        "https://amazoncloudwatch-agent-eu-west-1.s3.eu-west-1.amazonaws.com/ubuntu/amd64/latest/amazon-cloudwatch-agent.deb",
                    ),
                ),
            );
        });

        it("renders the same bytes for the same input, and refuses a bastion without users", () => {
            assert.equal(renderBastionUserData(args), rendered);
            assert.throws(() => renderBastionUserData({ ...args, users: [] }), /at least one user/);
        });
    });

    it("takes a fixed private address past the ones AWS reserves", () => {
        assert.equal(bastionPrivateIp("10.10.0.0/28"), "10.10.0.10");
        assert.equal(bastionPrivateIp("10.10.0.64/26"), "10.10.0.74");
        assert.throws(() => bastionPrivateIp("10.10.0.0/29"), /smaller than a \/28/);
    });

    describe("peering role policy (pure)", () => {
        const policy = peeringRolePolicy({ region: "eu-west-1", accountId: "222222222222", vpcId: "vpc-1", peerAccountId: "333333333333" });
        const byAction = (action: string) => policy.Statement.filter(s => ([] as string[]).concat(s.Action as string[]).includes(action));

        it("accepts only peerings into the bastion VPC requested from the environment's account", () => {
            const [scoped, vpc] = byAction("ec2:AcceptVpcPeeringConnection");
            assert.deepEqual(scoped.Resource, "arn:aws:ec2:eu-west-1:222222222222:vpc-peering-connection/*");
            assert.deepEqual(scoped.Condition, {
                ArnEquals: { "ec2:AccepterVpc": "arn:aws:ec2:eu-west-1:222222222222:vpc/vpc-1" },
                ArnLike: { "ec2:RequesterVpc": "arn:aws:ec2:eu-west-1:333333333333:vpc/*" },
            });
            assert.equal(vpc.Resource, "arn:aws:ec2:eu-west-1:222222222222:vpc/vpc-1");
        });

        it("never routes or changes a security-group rule: the bastion stack owns both", () => {
            for (const action of [
                "ec2:CreateRoute",
                "ec2:DeleteRoute",
                "ec2:ReplaceRoute",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:ModifySecurityGroupRules",
            ]) {
                assert.equal(byAction(action).length, 0, action);
            }
            const unscoped = policy.Statement.filter(s => s.Resource === "*");
            assert.ok(
                unscoped.every(s => ([] as string[]).concat(s.Action as string[]).every(a => a.startsWith("ec2:Describe"))),
                "only reads are unscoped",
            );
        });
    });

    describe("the host (over the bastion plan)", () => {
        const one = (plan: Plan, type: string): PlannedResource => {
            const found = ofType(plan, type);
            assert.equal(found.length, 1, type);
            return found[0];
        };

        it("runs Ubuntu LTS with IMDSv2 only, an encrypted root volume, termination protection and a fixed private IP", async () => {
            const plan = await planOf("bastion");
            const host = one(plan, "aws:ec2/instance:Instance");
            assert.match(String(host.inputs.ami), /^ami-[0-9a-f]{17}$/);
            // A replacement (a change of people or keys) boots the AMI the plan shows, not the first deploy's.
            assert.ok(!(host.options.ignoreChanges ?? []).includes("ami"), "ignoreChanges would also hold on replacement");
            assert.equal(host.options.deleteBeforeReplace, true);
            assert.deepEqual(host.inputs.metadataOptions, {
                httpEndpoint: "enabled",
                httpPutResponseHopLimit: 1,
                httpTokens: "required",
                instanceMetadataTags: "disabled",
            });
            assert.equal((host.inputs.rootBlockDevice as Record<string, unknown>).encrypted, true);
            assert.equal(host.inputs.disableApiTermination, true);
            assert.equal(host.inputs.instanceType, "t3.micro");
            assert.equal(host.inputs.privateIp, plan.outputs.bastionPrivateIp);
            const publicSubnet = ofType(plan, "aws:ec2/subnet:Subnet").find(s => s.name === "bastion-public-0")!;
            assert.equal(host.inputs.privateIp, bastionPrivateIp(String(publicSubnet.inputs.cidrBlock)));
            assert.equal(parse(String(host.inputs.userData)).users.length, 2);
        });

        it("boots the pinned AMI when bastionHost.amiId is set", async () => {
            const plan = await planFixtureWith("bastion", path.join(FIXTURES, "access.bastion.yaml"));
            assert.equal(one(plan, "aws:ec2/instance:Instance").inputs.ami, "ami-0123456789abcdef0");
        });

        it("finds a pin after AWS deprecates it (every public AMI, two years after creation): deprecated images count", () => {
            const query = pinnedAmiQuery("ami-0abc1234def567890");
            assert.equal(query.includeDeprecated, true);
            assert.deepEqual(query.owners, ["099720109477"]);
            assert.deepEqual(query.filters?.find(f => f.name === "image-id")?.values, ["ami-0abc1234def567890"]);
        });

        it("refuses a pinned AMI that is not Canonical's Ubuntu 24.04 amd64 (a look-alike, another release), naming the fix", async () => {
            const access = parse(fs.readFileSync(path.join(FIXTURES, "access.bastion.yaml"), "utf8"));
            for (const foreign of Object.keys(MOCK_FOREIGN_AMIS)) {
                access.config["twine-infra:bastionHost"].amiId = foreign;
                const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "twine-ami-")), "Pulumi.bastion.yaml");
                fs.writeFileSync(file, stringify(access));
                await assert.rejects(planFixtureWith("bastion", file), (err: Error) => {
                    assert.match(
                        err.message,
                        new RegExp(`bastionHost\\.amiId = ${foreign}: not an Ubuntu 24\\.04 amd64 image published by Canonical`),
                    );
                    assert.match(
                        err.message,
                        /Fix: .*aws ssm get-parameter --region eu-west-1 --name \/aws\/service\/canonical\/ubuntu\/server\/24\.04\//,
                    );
                    return true;
                });
            }
        });

        it("says a pin still at the committed placeholder must be replaced", () => {
            assert.match(pinnedAmiProblem("bastionHost.amiId", PLACEHOLDER_AMI_ID, "eu-west-1"), /committed placeholder .*: replace it/);
            assert.doesNotMatch(pinnedAmiProblem("bastionHost.amiId", "ami-0fedcba9876543210", "eu-west-1"), /placeholder/);
        });

        it("owns its egress toward each account (the granted ports) and its route to each peering the environments export", async () => {
            // As on the bastion's deploy after dev's and prod's: their stacks' outputs, not a hand copy, give the ids and blocks.
            const plan = await planFixtureWith("bastion", path.join(FIXTURES, "access.bastion.yaml"), { peers: "deployed" });
            const [dev, prod] = [await fixturePlanOf("dev"), await fixturePlanOf("prod")];
            const egress = ofType(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(r =>
                r.name.startsWith("bastion-to-"),
            );
            assert.deepEqual(dev.outputs.dataSubnetCidrs, ["10.20.32.0/21", "10.20.40.0/21"]);
            assert.deepEqual(egress.map(r => [r.name, r.inputs.cidrIpv4, r.inputs.fromPort]).sort(), [
                ["bastion-to-dev-22", "10.20.0.0/16", 22],
                ["bastion-to-dev-3306-10-20-32-0-21", "10.20.32.0/21", 3306],
                ["bastion-to-dev-3306-10-20-40-0-21", "10.20.40.0/21", 3306],
                ["bastion-to-dev-5432-10-20-32-0-21", "10.20.32.0/21", 5432],
                ["bastion-to-dev-5432-10-20-40-0-21", "10.20.40.0/21", 5432],
                ["bastion-to-dev-8080", "10.20.0.0/16", 8080],
                ["bastion-to-prod-22", "10.30.0.0/16", 22],
            ]);
            const routes = ofType(plan, "aws:ec2/route:Route").filter(r => r.name.startsWith("bastion-route-"));
            assert.deepEqual(routes.map(r => [r.name, r.inputs.destinationCidrBlock, r.inputs.vpcPeeringConnectionId]).sort(), [
                ["bastion-route-dev-0", "10.20.0.0/16", dev.outputs.peeringConnectionId],
                ["bastion-route-prod-0", "10.30.0.0/16", prod.outputs.peeringConnectionId],
            ]);
            assert.match(String(dev.outputs.peeringConnectionId), /^pcx-/);
            // Created with the stack's own provider, never through an environment's role.
            for (const r of [...egress, ...routes]) assert.doesNotMatch(String(r.provider), /peering/, r.name);
        });

        it("deploys first without routes or database tunnels, and says why, while the environments have no outputs", async () => {
            const plan = await planFixtureWith("bastion", path.join(FIXTURES, "access.bastion.yaml"));
            assert.deepEqual(
                ofType(plan, "aws:ec2/route:Route").filter(r => r.name.startsWith("bastion-route-")),
                [],
            );
            const egress = ofType(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map(r => r.name);
            assert.deepEqual(
                egress.filter(n => /^bastion-to-dev-(3306|5432)/.test(n)),
                [],
            );
            assert.ok(egress.includes("bastion-to-dev-22"), "SSH egress follows the grants, not the environment's outputs");
            const refs = plan.resources.filter(r => r.type === "pulumi:pulumi:StackReference").map(r => String(r.inputs.name));
            assert.deepEqual(refs.filter(n => !n.endsWith("/dns")).sort(), ["twine/twine-infra/dev", "twine/twine-infra/prod"]);
        });

        it("keeps the host on its second deploy: the environments' outputs change no instance input (no new host keys)", async () => {
            // userDataReplaceOnChange and deleteBeforeReplace: any change of the host's inputs is a new host for everyone.
            const file = path.join(FIXTURES, "access.bastion.yaml");
            const first = one(await planFixtureWith("bastion", file), "aws:ec2/instance:Instance");
            const second = one(await planFixtureWith("bastion", file, { peers: "deployed" }), "aws:ec2/instance:Instance");
            assert.deepEqual(second.inputs, first.inputs);
            // The database tunnels are on the host from the first deploy, to the VPC block and database ports only.
            assert.match(String(first.inputs.userData), /ip daddr 10\.20\.0\.0\/16 tcp dport 5432 accept/);
            assert.doesNotMatch(String(first.inputs.userData), /10\.20\.32\.0\/21/);
        });

        it("recovers itself: a system status check alarm with the EC2 recover action", async () => {
            const plan = await planOf("bastion");
            const alarm = one(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");
            assert.equal(alarm.inputs.metricName, "StatusCheckFailed_System");
            assert.deepEqual(alarm.inputs.alarmActions, ["arn:aws:automate:eu-west-1:ec2:recover"]);
            const host = one(plan, "aws:ec2/instance:Instance");
            assert.equal(byUrn(plan, alarm.parent)?.urn, host.urn);
            assert.deepEqual(host.inputs.maintenanceOptions, { autoRecovery: "default" });
        });

        it("opens 22 only to the configured ranges, never the Internet, and reaches out only on 80/443", async () => {
            const plan = await planOf("bastion");
            const configured = JSON.parse(fixtureConfig("bastion")["twine-infra:bastionHost"]).sshAllowedCidrs;
            const ingress = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            assert.deepEqual(ingress.map(r => r.inputs.cidrIpv4).sort(), [...configured].sort());
            for (const rule of ingress)
                assert.deepEqual([rule.inputs.fromPort, rule.inputs.toPort, rule.inputs.ipProtocol], [22, 22, "tcp"]);
            const egress = ofType(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
            assert.deepEqual(egress.map(r => r.inputs.fromPort).sort(), [443, 80]);
        });

        it("ships SSH logs to a log group with the configured retention, through a role that may write only there", async () => {
            const plan = await planOf("bastion");
            const group = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").find(g => g.name === "bastion-ssh-logs")!;
            assert.equal(group.inputs.retentionInDays, 365);
            const policy = JSON.parse(
                String(ofType(plan, "aws:iam/rolePolicy:RolePolicy").find(p => p.name === "bastion-logs")!.inputs.policy),
            );
            const arn = `arn:aws:logs:eu-west-1:222222222222:log-group:${group.inputs.name}`;
            assert.deepEqual(policy.Statement[0].Resource, [arn, `${arn}:*`]);
        });

        it("has an Elastic IP, created after the network (its Internet gateway), and exports the contract's host fields", async () => {
            const plan = await planOf("bastion");
            const eip = one(plan, "aws:ec2/eip:Eip");
            const component = one(plan, "twine:index:Bastion");
            assert.deepEqual(
                component.options.dependsOn.map(urn => byUrn(plan, urn)?.type),
                ["twine:index:Network"],
            );
            assert.equal(eip.inputs.domain, "vpc");
            assert.equal(plan.outputs.bastionHostName, "bastion.twinehr.com");
            assert.match(String(plan.outputs.bastionPublicIp), /^\d+\.\d+\.\d+\.\d+$/);
        });
    });

    describe("names keyed by value (over the fixture bastion plan)", () => {
        it("GIVEN two SSH ranges WHEN the first is removed THEN no other resource is renamed", async () => {
            const file = path.join(FIXTURES, "Pulumi.bastion.yaml");
            const original = parse(fs.readFileSync(file, "utf8"));
            const host = original.config["twine-infra:bastionHost"];
            assert.ok(host.sshAllowedCidrs.length >= 2, "the fixture lists at least two SSH ranges");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "twine-ssh-ranges-"));
            try {
                const write = (name: string, cidrs: string[]) => {
                    const edited = {
                        ...original,
                        config: { ...original.config, "twine-infra:bastionHost": { ...host, sshAllowedCidrs: cidrs } },
                    };
                    const out = path.join(dir, name);
                    fs.writeFileSync(out, stringify(edited));
                    return out;
                };
                const before = await planFixtureWith("bastion", write("before.yaml", host.sshAllowedCidrs));
                const after = await planFixtureWith("bastion", write("after.yaml", host.sshAllowedCidrs.slice(1)));
                const urns = (plan: Plan) => new Set(plan.resources.map(r => r.urn));
                const removed = [...urns(before)].filter(u => !urns(after).has(u));
                const added = [...urns(after)].filter(u => !urns(before).has(u));
                assert.deepEqual(added, [], "nothing new appears");
                assert.equal(removed.length, 1, removed.join("\n"));
                const rule = before.resources.find(r => r.urn === removed[0])!;
                assert.equal(rule.inputs.cidrIpv4, host.sshAllowedCidrs[0]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
