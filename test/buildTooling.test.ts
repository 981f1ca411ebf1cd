import { ownedPath } from "../components/account/deployRolePolicy";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Plan } from "../plan/run";
import {
    APTLY_ENDPOINT,
    APT_DISTRIBUTION,
    aptBucketPolicy,
    aptlyConfig,
    aptlyConfigFromOutputs,
    aptSourcesLine,
} from "../components/delivery/aptlyConfig";
import { buildContextHash } from "../components/delivery/buildContextHash";
import * as os from "os";
import { hostAccess } from "../components/access/accessCloudConfig";
import { spawnSync } from "child_process";
import {
    ENSURE_PACKAGES,
    JENKINS_AGENTS,
    JENKINS_HOME_MOUNT,
    JENKINS_PACKAGES,
    JENKINS_NETWORK,
    JENKINS_PORT,
    JENKINS_SECRET_PREFIX,
    ensurePackagesScript,
    jenkinsInstancePolicy,
    renderJenkinsUserData,
} from "../components/delivery/jenkinsHostConfig";
import { pulumiSubject, pulumiTrustStatement } from "../components/account/oidcTrustPolicy";
import { parseStackConfig } from "../config";
import { withDeploymentsDefaults } from "../config/deployments";
import { fixtureConfig, problemsOf, REPO, withKey, withPath, writeStackFile } from "./helpers/config";
import { JENKINS_USER_DATA_ARGS } from "./helpers/jenkins";
import { MOCK_FOREIGN_AMIS } from "../plan/mocks";
import { FIXTURES, STACKS, byUrn, ofType, organizationPlanOf, planOf, planWithConfig } from "./helpers/plans";
import { readStackSettings, upstreamStacks } from "../plan/stackFile";
import { readsUpstreamStacks } from "../config/upstreamStacks";

const IMAGE = path.join(REPO, "images", "jenkins");

function allActions(doc: { Statement: readonly { Action: string | readonly string[]; Effect: string }[] }): string[] {
    return doc.Statement.filter(s => s.Effect === "Allow").flatMap(s => (Array.isArray(s.Action) ? s.Action : [s.Action as string]));
}

describe("build tooling (dev)", () => {
    describe("the Jenkins host, over the dev plan", () => {
        it("is private: no public address, IMDSv2 only, encrypted root, in a private subnet", async () => {
            const plan = await planOf("dev");
            const [host] = ofType(plan, "aws:ec2/instance:Instance");
            const inputs = host.inputs as any;
            assert.equal(inputs.associatePublicIpAddress, false);
            assert.equal(inputs.metadataOptions.httpTokens, "required");
            assert.equal(inputs.metadataOptions.httpPutResponseHopLimit, 2);
            assert.equal(inputs.rootBlockDevice.encrypted, true);
            const privateSubnets = plan.outputs.privateSubnetIds as string[];
            assert.ok(privateSubnets.includes(inputs.subnetId), `${inputs.subnetId} is not a private subnet`);
            // A replacement boots the AMI the plan shows: ignoreChanges would also hold on it (the first deploy's AMI).
            assert.ok(!host.options.ignoreChanges.includes("ami"), "the host ignores AMI changes");
            assert.equal(host.options.deleteBeforeReplace, true);
        });

        it("boots the pinned AMI once DescribeImages shows it is Canonical's, and refuses one that is not an AMI id", async () => {
            const pinned = "ami-0fedcba9876543210";
            const plan = await planWithConfig(
                "dev",
                writeStackFile(withPath(fixtureConfig("dev"), "twine-infra:buildTooling", "jenkins.amiId", pinned)),
            );
            const [host] = ofType(plan, "aws:ec2/instance:Instance");
            assert.equal(host.inputs.ami, pinned);
            const problems = problemsOf("dev", withPath(fixtureConfig("dev"), "twine-infra:buildTooling", "jenkins.amiId", "noble"));
            assert.ok(
                problems.some(p => /buildTooling\.jenkins\.amiId = "noble": not an AMI id/.test(p)),
                problems.join("\n"),
            );
        });

        it("refuses a pin that is someone else's image or another Ubuntu release, before anything is created", async () => {
            for (const foreign of Object.keys(MOCK_FOREIGN_AMIS)) {
                await assert.rejects(
                    planWithConfig(
                        "dev",
                        writeStackFile(withPath(fixtureConfig("dev"), "twine-infra:buildTooling", "jenkins.amiId", foreign)),
                    ),
                    (err: Error) => {
                        assert.match(
                            err.message,
                            new RegExp(
                                `buildTooling\\.jenkins\\.amiId = ${foreign}: not an Ubuntu 24\\.04 amd64 image published by Canonical`,
                            ),
                        );
                        assert.match(err.message, /Fix: .*aws ssm get-parameter/);
                        return true;
                    },
                );
            }
        });

        it("requires buildTooling.jenkins.amiId: unpinned, every new Canonical build would replace the host", () => {
            for (const config of [
                withPath(fixtureConfig("dev"), "twine-infra:buildTooling", "jenkins.amiId", undefined),
                withKey(fixtureConfig("dev"), "twine-infra:buildTooling", undefined),
            ]) {
                const problems = problemsOf("dev", config);
                assert.ok(
                    problems.some(p => /^twine-infra:buildTooling(\.jenkins\.amiId)?: required but missing/.test(p)),
                    problems.join("\n"),
                );
            }
        });

        it("boots only after its subnet's NAT route and the S3 endpoint exist: its package install runs once, at first boot", async () => {
            const plan = await planOf("dev");
            const [host] = ofType(plan, "aws:ec2/instance:Instance");
            const needed = [
                ...ofType(plan, "aws:ec2/route:Route").filter(r => /-private-\d+-nat$/.test(r.name)),
                ...ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint").filter(r => /-s3$/.test(r.name)),
            ].map(r => r.urn);
            assert.ok(needed.length >= 2, needed.join(", "));
            assert.deepEqual(
                needed.filter(u => !host.options.dependsOn.includes(u)),
                [],
                "the host does not wait for these",
            );
        });

        it("keeps JENKINS_HOME on an encrypted volume that is protected, retained and snapshotted daily", async () => {
            const plan = await planOf("dev");
            const [volume] = ofType(plan, "aws:ebs/volume:Volume");
            assert.equal((volume.inputs as any).encrypted, true);
            assert.equal(volume.options.protect, true);
            assert.equal(volume.options.retainOnDelete, true);
            const [dlm] = ofType(plan, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
            const details = (dlm.inputs as any).policyDetails;
            assert.deepEqual(details.resourceTypes, ["VOLUME"]);
            assert.deepEqual(details.targetTags, { DlmSnapshot: (volume.inputs as any).tags.DlmSnapshot });
            assert.deepEqual(details.schedules[0].createRule, { interval: 24, intervalUnit: "HOURS", times: "03:00" });
            assert.equal(details.schedules[0].retainRule.count, 14);
            const [attachment] = ofType(plan, "aws:ec2/volumeAttachment:VolumeAttachment");
            assert.equal(byUrn(plan, attachment.parent)?.type, "aws:ebs/volume:Volume");
        });

        it("opens the UI only to the VPC and the bastion host by default", async () => {
            const plan = await planOf("dev");
            const rules = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r =>
                r.name.startsWith("dev-jenkins-"),
            );
            const bastion = `${(await planOf("bastion")).outputs.bastionPrivateIp}/32`;
            assert.deepEqual(rules.map(r => (r.inputs as any).cidrIpv4).sort(), [bastion, "10.20.0.0/16"].sort());
            assert.ok(rules.every(r => (r.inputs as any).fromPort === 8080 && (r.inputs as any).toPort === 8080));
        });

        it("runs the image by digest, from an immutable, scanned ECR repository; no registry login in state", async () => {
            const plan = await planOf("dev");
            const [repo] = ofType(plan, "aws:ecr/repository:Repository");
            assert.equal((repo.inputs as any).imageTagMutability, "IMMUTABLE");
            assert.equal((repo.inputs as any).imageScanningConfiguration.scanOnPush, true);
            assert.equal(ofType(plan, "aws:ecr/lifecyclePolicy:LifecyclePolicy").length, 1);
            const [image] = ofType(plan, "docker:index/image:Image");
            assert.match(String((image.inputs as any).imageName), /:ctx-[0-9a-f]{16}$/);
            // The login comes from the machine's credential helper: a login in state is one every preview decrypts.
            assert.deepEqual(Object.keys((image.inputs as any).registry), ["server"]);
            assert.match(
                String(plan.outputs.jenkinsImageDigest),
                /^\d{12}\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/twine\/jenkins-dev@sha256:[0-9a-f]{64}$/,
            );
            const [host] = ofType(plan, "aws:ec2/instance:Instance");
            assert.ok(String((host.inputs as any).userData).includes(String(plan.outputs.jenkinsImageDigest)));
        });

        it("adds a webhook entrance only when configured: HTTPS from the given ranges, forwarding only hook POSTs", async function () {
            this.timeout(60_000);
            // Jenkins's own load balancers, not the environments' (those belong to AppClusters).
            const jenkinsLbs = (plan: Plan) =>
                ofType(plan, "aws:lb/loadBalancer:LoadBalancer").filter(r => r.name.startsWith("dev-jenkins"));
            const jenkinsListeners = (plan: Plan) => ofType(plan, "aws:lb/listener:Listener").filter(r => r.name.startsWith("dev-jenkins"));
            assert.equal(jenkinsLbs(await planOf("dev")).length, 0, "an entrance without config");
            const certificateArn = "arn:aws:acm:eu-west-1:333333333333:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f";
            const config = withPath(fixtureConfig("dev"), "twine-infra:buildTooling", "jenkins.webhook", {
                cidrs: ["192.30.252.0/22", "140.82.112.0/20"],
                certificateArn,
            });
            const plan = await planWithConfig("dev", writeStackFile(config));
            const [lb] = jenkinsLbs(plan);
            assert.equal((lb.inputs as any).internal, false);
            const [listener] = jenkinsListeners(plan);
            assert.equal((listener.inputs as any).protocol, "HTTPS");
            assert.equal((listener.inputs as any).certificateArn, certificateArn);
            assert.equal((listener.inputs as any).defaultActions[0].fixedResponse.statusCode, "404");
            const [rule] = ofType(plan, "aws:lb/listenerRule:ListenerRule");
            const conditions = (rule.inputs as any).conditions;
            assert.deepEqual(conditions.find((c: any) => c.pathPattern).pathPattern.values, ["/github-webhook/"]);
            assert.deepEqual(conditions.find((c: any) => c.httpRequestMethod).httpRequestMethod.values, ["POST"]);
            const sources = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r =>
                /^dev-jenkins-webhook-[\d-]+$/.test(r.name),
            );
            assert.deepEqual(sources.map(r => [(r.inputs as any).cidrIpv4, (r.inputs as any).fromPort]).sort(), [
                ["140.82.112.0/20", 443],
                ["192.30.252.0/22", 443],
            ]);
        });

        it("gives the instance role no wildcard action", async () => {
            const plan = await planOf("dev");
            const policy = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find(p => p.name === "dev-jenkins-host")!;
            const actions = allActions(JSON.parse(String((policy.inputs as any).policy)));
            assert.ok(actions.length >= 7);
            for (const action of actions) assert.ok(!action.includes("*"), `wildcard action ${action}`);
        });

        it("exports the dev-only outputs, and prod has none of them", async () => {
            const dev = (await planOf("dev")).outputs;
            for (const key of [
                "jenkinsUrl",
                "jenkinsImageRepositoryUrl",
                "jenkinsImageDigest",
                "aptBucketName",
                "aptRepoUrl",
                "aptSigningKeySecretArn",
            ]) {
                assert.ok(dev[key], `dev lacks ${key}`);
            }
            assert.match(String(dev.jenkinsUrl), /^http:\/\/10\.\d+\.\d+\.\d+:8080\/$/);
            const prod = await planOf("prod");
            assert.equal(prod.outputs.jenkinsUrl, undefined);
            assert.equal(ofType(prod, "docker:index/image:Image").length, 0);
        });
    });

    describe("the apt repository", () => {
        it("blocks public access, versions, encrypts and enforces bucket ownership", async () => {
            const plan = await planOf("dev");
            const [block] = ofType(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
            for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
                assert.equal((block.inputs as any)[key], true, key);
            assert.equal(
                (ofType(plan, "aws:s3/bucketVersioning:BucketVersioning")[0].inputs as any).versioningConfiguration.status,
                "Enabled",
            );
            assert.equal(
                (ofType(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0].inputs as any).rule.objectOwnership,
                "BucketOwnerEnforced",
            );
            assert.equal(
                (ofType(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].inputs as any)
                    .rules[0].applyServerSideEncryptionByDefault.sseAlgorithm,
                "AES256",
            );
            const secrets = ofType(plan, "aws:secretsmanager/secret:Secret");
            assert.deepEqual(secrets.map(s => s.inputs.name).sort(), ["twine/jenkins/admin-password", "twine/jenkins/apt-signing-key"]);
            // The stack puts no value: each is put by hand, so none passes through state.
            assert.deepEqual(ofType(plan, "aws:secretsmanager/secretVersion:SecretVersion"), []);
            assert.equal(secrets.find(s => s.inputs.name === "twine/jenkins/apt-signing-key")!.options.protect, true);
        });

        it("denies insecure transport, lets only Jenkins's build role write, and reads through the VPC's S3 endpoint", async () => {
            const plan = await planOf("dev");
            const policy = JSON.parse(String((ofType(plan, "aws:s3/bucketPolicy:BucketPolicy")[0].inputs as any).policy));
            const sid = (id: string) => policy.Statement.find((s: { Sid: string }) => s.Sid === id);
            assert.deepEqual(sid("DenyInsecureTransport").Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.equal(sid("DenyInsecureTransport").Effect, "Deny");
            const jenkinsRole = ofType(plan, "aws:iam/role:Role").find(r => r.name === "dev-jenkins-build")!;
            assert.equal(sid("DenyWritesExceptPublishers").Condition.ArnNotEquals["aws:PrincipalArn"].length, 1);
            assert.match(
                sid("DenyWritesExceptPublishers").Condition.ArnNotEquals["aws:PrincipalArn"][0],
                new RegExp(`:role${ownedPath("dev")}${jenkinsRole.name}-`),
            );
            const [endpoint] = ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint");
            // The endpoint's id is its mock id, derived from its name like every id in the plan.
            const vpce: string[] = sid("VpcHostsRead").Condition.StringEquals["aws:SourceVpce"];
            assert.equal(vpce.length, 1);
            assert.match(vpce[0], /^vpce-[0-9a-f]{17}$/);
            assert.equal(sid("VpcHostsRead").Principal, "*");
            assert.equal(endpoint.inputs.vpcEndpointType, "Gateway");
            assert.deepEqual(sid("VpcHostsRead").Action, "s3:GetObject");
        });

        it("generates aptly.conf from the dev stack's outputs, and refuses outputs without the bucket", async () => {
            const outputs = (await planOf("dev")).outputs;
            const conf = aptlyConfigFromOutputs(outputs) as any;
            assert.equal(conf.S3PublishEndpoints.twine.bucket, outputs.aptBucketName);
            assert.equal(conf.S3PublishEndpoints.twine.region, "eu-west-1");
            const prod = (await planOf("prod")).outputs;
            assert.throws(() => aptlyConfigFromOutputs(prod), /lack aptBucketName/);
            // The Jenkins host gets the same file through its user data.
            const [host] = ofType(await planOf("dev"), "aws:ec2/instance:Instance");
            const files = parse(String((host.inputs as any).userData)).write_files;
            const onHost = JSON.parse(files.find((f: { path: string }) => f.path === "/etc/twine/aptly.conf").content);
            assert.deepEqual(onHost, conf);
        });

        it("bucket policy helper refuses an empty writer list", () => {
            assert.throws(
                () => aptBucketPolicy({ bucketArn: "arn:aws:s3:::b", writerRoleArns: [], readerRoleArns: [], readVpceIds: [] }),
                /at least one writer/,
            );
        });

        it("renders aptly.conf with the S3 endpoint the pipeline publishes to, and the sources line hosts use", () => {
            const conf = aptlyConfig({ bucket: "twine-apt-dev", region: "eu-west-1" }) as any;
            assert.deepEqual(conf.S3PublishEndpoints.twine, {
                region: "eu-west-1",
                bucket: "twine-apt-dev",
                prefix: "",
                acl: "none",
                storageClass: "STANDARD",
            });
            assert.equal(
                aptSourcesLine("twine-apt-dev", "eu-west-1"),
                "deb [signed-by=/usr/share/keyrings/twine-archive.gpg] https://twine-apt-dev.s3.eu-west-1.amazonaws.com noble main",
            );
        });
    });

    describe("pure helpers of the host", () => {
        const args = JENKINS_USER_DATA_ARGS;

        it("user data runs the digest-pinned image as a service and formats the home volume only when blank", () => {
            const data = renderJenkinsUserData(args);
            assert.ok(data.startsWith("#cloud-config\n"));
            const doc = parse(data);
            const unit = doc.write_files.find((f: { path: string }) => f.path === "/etc/systemd/system/jenkins.service").content;
            assert.match(unit, new RegExp(`docker pull ${args.imageRef.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
            assert.match(unit, /Restart=always/);
            const mount = doc.write_files.find((f: { path: string }) => f.path === "/usr/local/sbin/jenkins-home-mount").content;
            assert.match(mount, /nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0/);
            assert.match(mount, /if ! blkid "\$device" .*; then mkfs\.ext4/);
            assert.deepEqual(doc.runcmd.slice(-3), [
                ["systemctl", "enable", "--now", "jenkins.service"],
                ["systemctl", "enable", "--now", "jenkins-agent.service"],
                ["systemctl", "enable", "--now", "jenkins-publish.service"],
            ]);
        });

        it("runs builds in an agent container without JENKINS_HOME, secrets or instance metadata", () => {
            const doc = parse(renderJenkinsUserData(args));
            const file = (p: string) => doc.write_files.find((f: { path: string }) => f.path === p).content as string;
            const agent = file("/etc/systemd/system/jenkins-agent.service");
            const controller = file("/etc/systemd/system/jenkins.service");
            assert.match(controller, new RegExp(`--volume ${JENKINS_HOME_MOUNT}:/var/jenkins_home`));
            assert.ok(!agent.includes(JENKINS_HOME_MOUNT) && !agent.includes("jenkins_home"), "the agent mounts JENKINS_HOME");
            assert.ok(!/--env [A-Z_]*(SECRET|TOKEN|PASSWORD|KEY)/.test(agent), "the agent gets a secret in its environment");
            assert.match(agent, new RegExp(`--ip ${JENKINS_NETWORK.agentIp.replace(/\./g, "\\.")}`));
            assert.match(
                file("/usr/local/sbin/jenkins-agent-setup"),
                new RegExp(`iptables -I DOCKER-USER -s ${JENKINS_NETWORK.agentIp.replace(/\./g, "\\.")} -d 169\\.254\\.169\\.254 -j DROP`),
            );
            // The controller launches the agent at the address the host fixes, and knows its host key.
            const casc = parse(fs.readFileSync(path.join(IMAGE, "casc.yaml"), "utf8"));
            const launch = casc.jenkins.nodes[0].permanent.launcher.command.command as string;
            assert.match(launch, new RegExp(`jenkins@${JENKINS_NETWORK.agentIp.replace(/\./g, "\\.")} `));
            assert.match(
                launch,
                new RegExp(`http://${JENKINS_NETWORK.controllerIp.replace(/\./g, "\\.")}:${JENKINS_PORT}/jnlpJars/agent\\.jar`),
            );
            assert.match(launch, /StrictHostKeyChecking=yes/);
            assert.equal(casc.credentials.system.domainCredentials[0].credentials[0].aws.iamRoleArn, "${TWINE_BUILD_ROLE_ARN}");
            assert.match(controller, /--env TWINE_BUILD_ROLE_ARN=arn:aws:iam::333333333333:role\/dev-jenkins-build/);
        });

        it("binds credentials only on the publish agent, which runs no build code and gets only the stashed packages", () => {
            const text = fs.readFileSync(path.join(IMAGE, "jobs", "Jenkinsfile"), "utf8").replace(/^\s*\/\/.*$/gm, "");
            const stages = Object.fromEntries(
                text
                    .split(/\bstage\('/)
                    .slice(1)
                    .map(b => [b.slice(0, b.indexOf("'")), b]),
            );
            const top = /^pipeline \{\s*agent \{ label '([^']+)' \}/m.exec(text)?.[1];
            const agentOf = (body: string) => /^\s*agent \{ label '([^']+)' \}/m.exec(body.split("steps {")[0])?.[1] ?? top;
            const binding = Object.keys(stages).filter(n => stages[n].includes("withCredentials("));
            assert.deepEqual(binding, ["Publish to the apt repository"]);
            assert.equal(agentOf(stages[binding[0]]), "publish");
            // every stage that checks out or runs the app's code runs elsewhere
            const building = Object.keys(stages).filter(n => /git url: env\.APP_REPOSITORY|twine-build-packages/.test(stages[n]));
            assert.deepEqual(building, ["Build packages"]);
            for (const n of Object.keys(stages).filter(n => n !== binding[0])) assert.notEqual(agentOf(stages[n]), "publish", n);
            assert.match(stages["Build packages"], /stash name: 'packages', includes: '\*\.deb'/);
            assert.match(stages[binding[0]], /unstash 'packages'/);
            assert.match(stages[binding[0]], /post \{\s*always \{ cleanWs\(\) \}/, "the publish workspace is wiped");
            // the app repository is pinned: no parameter chooses the code the build agent runs
            assert.doesNotMatch(fs.readFileSync(path.join(IMAGE, "jobs", "pipelines.groovy"), "utf8"), /APP_REPOSITORY/);
            assert.doesNotMatch(text, /params\.APP_REPOSITORY/);

            // casc.yaml launches one node per agent container, at the address the host gives it
            const casc = parse(fs.readFileSync(path.join(IMAGE, "casc.yaml"), "utf8"));
            const nodes = casc.jenkins.nodes.map((n: any) => n.permanent);
            assert.deepEqual(
                nodes.map((n: any) => [n.name, n.labelString]),
                JENKINS_AGENTS.map(a => [a.label, a.label]),
            );
            for (const a of JENKINS_AGENTS) {
                const node = nodes.find((n: any) => n.name === a.label);
                assert.match(node.launcher.command.command, new RegExp(`jenkins@${a.ip.replace(/\./g, "\\.")} `), a.label);
            }
            // the host runs each as its own container: its own address, workspace and host key; metadata dropped for
            // each; aptly.conf only where publishing happens
            const doc = parse(renderJenkinsUserData(JENKINS_USER_DATA_ARGS));
            const file = (p: string) => doc.write_files.find((f: { path: string }) => f.path === p)?.content as string;
            const setup = file("/usr/local/sbin/jenkins-agent-setup");
            assert.equal(new Set(JENKINS_AGENTS.map(a => a.dir)).size, JENKINS_AGENTS.length);
            for (const a of JENKINS_AGENTS) {
                const unit = file(`/etc/systemd/system/${a.unit}.service`);
                assert.ok(unit, a.unit);
                assert.match(unit, new RegExp(`--ip ${a.ip.replace(/\./g, "\\.")} `));
                assert.match(unit, new RegExp(`--volume ${a.dir}:/srv/agent `));
                assert.match(unit, new RegExp(`--volume /etc/twine/agent-ssh/${a.keys}:/run/twine/agent-ssh:ro`));
                assert.equal(unit.includes("/etc/aptly.conf"), a.label === "publish", a.label);
                assert.match(
                    setup,
                    new RegExp(`iptables -I DOCKER-USER -s ${a.ip.replace(/\./g, "\\.")} -d 169\\.254\\.169\\.254 -j DROP`),
                );
                assert.ok(
                    doc.runcmd.some(
                        (c: unknown) => JSON.stringify(c) === JSON.stringify(["systemctl", "enable", "--now", `${a.unit}.service`]),
                    ),
                );
            }
        });

        it("the host's agent setup, run twice (ssh-keygen): a key per agent, kept, and the controller knows each", () => {
            const doc = parse(renderJenkinsUserData(JENKINS_USER_DATA_ARGS));
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "twine-agents-"));
            const bin = path.join(root, "bin");
            fs.mkdirSync(bin);
            for (const tool of ["docker", "iptables", "chown"])
                fs.writeFileSync(path.join(bin, tool), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
            const script = (
                doc.write_files.find((f: { path: string }) => f.path === "/usr/local/sbin/jenkins-agent-setup").content as string
            )
                .replace(/\/etc\/twine\//g, `${root}/etc/`)
                .replace(/ \/srv\//g, ` ${root}/srv/`);
            const run = () => spawnSync("/bin/bash", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
            const first = run();
            assert.equal(first.status, 0, first.stderr);
            const known = () => fs.readFileSync(path.join(root, "etc", "agent-ssh", "controller", "known_hosts"), "utf8");
            const before = known();
            assert.deepEqual(
                before
                    .trim()
                    .split("\n")
                    .map(l => l.split(" ")[0]),
                JENKINS_AGENTS.map(a => a.ip),
            );
            for (const a of JENKINS_AGENTS) {
                const keyDir = path.join(root, "etc", "agent-ssh", a.keys);
                assert.equal(
                    fs.readFileSync(path.join(keyDir, "authorized_keys"), "utf8"),
                    fs.readFileSync(path.join(root, "etc", "agent-ssh", "controller", "id_ed25519.pub"), "utf8"),
                );
                assert.ok(fs.existsSync(path.join(root, "srv", path.basename(a.dir))), a.dir);
            }
            assert.equal(run().status, 0);
            assert.equal(known(), before, "a second boot keeps every key");
        });

        it("user data with access: the Jenkins target's people and firewall first, then Docker and Jenkins as before", () => {
            const logins = [{ name: "alice", publicKeys: ["ssh-ed25519 AAAAalice"], sudo: true }];
            const withAccess = parse(
                renderJenkinsUserData(args, hostAccess({ logins, bastionIp: "10.10.0.10", role: "the Jenkins host" })),
            );
            const plain = parse(renderJenkinsUserData(args));
            assert.deepEqual(
                withAccess.users.map((u: { name: string; sudo?: string }) => [u.name, u.sudo]),
                [["alice", "ALL=(ALL) NOPASSWD:ALL"]],
            );
            assert.deepEqual(withAccess.write_files.slice(-plain.write_files.length), plain.write_files);
            assert.deepEqual(withAccess.runcmd.slice(-plain.runcmd.length), plain.runcmd);
            assert.ok(withAccess.packages.includes("nftables") && withAccess.packages.includes("docker.io"));
            assert.ok(
                withAccess.write_files.some(
                    (f: { path: string; content: string }) =>
                        f.path === "/etc/ssh/sshd_config.d/10-twine-access.conf" && /AllowUsers alice@10\.10\.0\.10/.test(f.content),
                ),
            );
        });

        it("stops the boot, saying why, when Docker cannot be installed; retries while the network comes up", () => {
            const doc = parse(renderJenkinsUserData(args));
            assert.equal(doc.runcmd[0], `${ENSURE_PACKAGES} || exit 1`, "checked before any service is enabled");
            assert.equal(doc.write_files.find((f: { path: string }) => f.path === ENSURE_PACKAGES).permissions, "0755");
            // The script itself, with stand-ins for dpkg-query and apt-get: the archive unreachable, then reachable.
            const bin = fs.mkdtempSync(path.join(os.tmpdir(), "twine-boot-"));
            const run = (aptExit: number) => {
                fs.writeFileSync(path.join(bin, "dpkg-query"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
                fs.writeFileSync(path.join(bin, "apt-get"), `#!/bin/sh\necho "$*" >>"${bin}/apt.log"\nexit ${aptExit}\n`, { mode: 0o755 });
                fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
                fs.rmSync(path.join(bin, "apt.log"), { force: true });
                return spawnSync("/bin/sh", ["-c", ensurePackagesScript(JENKINS_PACKAGES, 3, 0)], {
                    env: { PATH: `${bin}:/usr/bin:/bin` },
                    encoding: "utf8",
                });
            };
            const failed = run(100);
            assert.equal(failed.status, 1);
            assert.match(failed.stderr, /could not install docker\.io amazon-ecr-credential-helper: no route .*Jenkins is not started/);
            assert.equal(fs.readFileSync(path.join(bin, "apt.log"), "utf8").trim().split("\n").length, 3, "three attempts");
            assert.equal(run(0).status, 0);
        });

        it("user data refuses an image pinned by tag only", () => {
            assert.throws(() => renderJenkinsUserData({ ...args, imageRef: "repo/jenkins:latest" }), /pinned by digest/);
        });

        it("gives Jenkins no EC2 or IAM action: it never runs Packer, so it launches nothing and passes no role", () => {
            const doc = jenkinsInstancePolicy({
                buildRoleArn: "arn:aws:iam::333333333333:role/build",
                ecrRepositoryArn: "arn:ecr",
                logGroupArn: "arn:logs",
                secretArns: ["arn:secret"],
            });
            const actions = allActions(doc);
            assert.deepEqual(
                actions.filter(a => /^(ec2|iam):/.test(a)),
                [],
            );
            assert.ok(!actions.includes("ecr:PutImage"), "the image is pushed by the dev stack's update, not by Jenkins");
        });
    });

    describe("the Jenkins image build context", () => {
        const dockerfile = fs.readFileSync(path.join(IMAGE, "Dockerfile"), "utf8");

        it("pins an LTS base by exact version, never latest, and ends as the jenkins user", () => {
            const from = dockerfile.split("\n").filter(l => /^FROM /i.test(l));
            assert.match(from.at(-1)!, /^FROM jenkins\/jenkins:\d+\.\d+\.\d+-lts-jdk\d+(@sha256:[0-9a-f]{64})?$/);
            // The one other stage is the package build root: the Ubuntu release of the app image (noble is 24.04).
            assert.deepEqual(from.slice(0, -1), ["FROM ubuntu:24.04 AS package-build-root"]);
            assert.equal(APT_DISTRIBUTION, "noble");
            assert.ok(!/latest/i.test(dockerfile.replace(/^#.*$/gm, "")), "the Dockerfile mentions latest");
            const users = dockerfile.split("\n").filter(l => /^USER /.test(l));
            assert.equal(users.at(-1), "USER jenkins");
        });

        it("tags the image with a hash of the build context, which changes with any file", async () => {
            const [image] = ofType(await planOf("dev"), "docker:index/image:Image");
            assert.ok(String((image.inputs as any).imageName).endsWith(`:ctx-${buildContextHash(IMAGE).slice(0, 16)}`));
            const copy = fs.mkdtempSync(path.join(os.tmpdir(), "twine-ctx-"));
            fs.cpSync(IMAGE, copy, { recursive: true });
            assert.equal(buildContextHash(copy), buildContextHash(IMAGE), "the hash depends on where the context is");
            fs.appendFileSync(path.join(copy, "jobs", "Jenkinsfile"), "\n");
            assert.notEqual(buildContextHash(copy), buildContextHash(IMAGE));
        });

        it("installs the pipeline tools at pinned versions", () => {
            for (const arg of ["PACKER_VERSION", "AWSCLI_VERSION", "PULUMI_VERSION", "APTLY_VERSION"]) {
                assert.match(dockerfile, new RegExp(`^ARG ${arg}=\\d+\\.\\d+\\.\\d+$`, "m"), arg);
            }
            assert.match(dockerfile, /sha256sum -c/);
        });

        it("pins every plugin as name:version and installs them with jenkins-plugin-cli", () => {
            const lines = fs
                .readFileSync(path.join(IMAGE, "plugins.txt"), "utf8")
                .split("\n")
                .map(l => l.trim())
                .filter(l => l && !l.startsWith("#"));
            assert.ok(lines.length >= 10);
            for (const line of lines) assert.match(line, /^[a-z0-9-]+:[0-9][A-Za-z0-9._-]*$/, `unpinned plugin: ${line}`);
            assert.equal(new Set(lines.map(l => l.split(":")[0])).size, lines.length, "a plugin is listed twice");
            for (const needed of [
                "configuration-as-code",
                "job-dsl",
                "matrix-auth",
                "aws-secrets-manager-credentials-provider",
                "aws-secrets-manager-secret-source",
            ]) {
                assert.ok(
                    lines.some(l => l.startsWith(`${needed}:`)),
                    `${needed} missing`,
                );
            }
            assert.match(dockerfile, /jenkins-plugin-cli --plugin-file \/usr\/share\/jenkins\/ref\/plugins\.txt/);
        });

        it("configures Jenkins as code: no executors on the built-in node, no signup, a matrix, secrets from Secrets Manager", () => {
            const casc = parse(fs.readFileSync(path.join(IMAGE, "casc.yaml"), "utf8"));
            assert.equal(casc.jenkins.numExecutors, 0);
            assert.equal(casc.jenkins.securityRealm.local.allowsSignup, false);
            assert.match(casc.jenkins.securityRealm.local.users[0].password, /^\$\{twine\/jenkins\/[a-z-]+\}$/);
            assert.ok(casc.jenkins.authorizationStrategy.globalMatrix);
            assert.deepEqual(casc.unclassified.awsCredentialsProvider.listSecrets.filters[0].values, ["twine/jenkins/"]);
            assert.ok(fs.existsSync(casc.jobs[0].file.replace("/usr/share/jenkins/ref/casc", IMAGE)));
        });

        it("the pipeline builds, publishes and checks the template, in that order, and deploys nothing", () => {
            const jenkinsfile = fs.readFileSync(path.join(IMAGE, "jobs", "Jenkinsfile"), "utf8");
            const stages = [...jenkinsfile.matchAll(/stage\('([^']+)'\)/g)].map(m => m[1]);
            assert.deepEqual(stages, ["Build packages", "Publish to the apt repository", "Check the image template"]);
            assert.match(jenkinsfile, /twine-publish-apt "\$APP_COMMIT" s3:twine:/);
        });

        it("the pipeline runs the scripts the end-to-end test runs, installed in the image under the names it calls", () => {
            // test/e2e runs build-packages.sh, fetch-cloudwatch-agent.sh and publish-apt.sh: these are the pipeline's.
            const jenkinsfile = fs.readFileSync(path.join(IMAGE, "jobs", "Jenkinsfile"), "utf8");
            const copies = [...dockerfile.matchAll(/^COPY ([\w-]+\.sh) \/usr\/local\/bin\/(\S+)$/gm)];
            const installed = new Map(copies.map(m => [m[1], m[2]]));
            assert.deepEqual(Object.fromEntries(installed), {
                // The build agent container's entry point (jenkins-agent.service), not a pipeline step.
                "agent-sshd.sh": "twine-agent-sshd",
                "build-packages.sh": "twine-build-packages",
                "fetch-cloudwatch-agent.sh": "twine-fetch-cloudwatch-agent",
                "publish-apt.sh": "twine-publish-apt",
                // The release check both agents run, and publish-apt.sh again before it signs.
                "release-commit.sh": "twine-release-commit",
            });
            assert.match(dockerfile, /^COPY --from=package-build-root \/ \/opt\/package-build-root\/$/m);
            assert.match(jenkinsfile, /sh 'twine-build-packages \/opt\/package-build-root app'/);
            assert.match(jenkinsfile, /sh 'twine-fetch-cloudwatch-agent \.'/);
            const publish =
                `twine-publish-apt "\\$APP_COMMIT" s3:${APTLY_ENDPOINT}: ` +
                `"\\$APT_DISTRIBUTION" "\\$APT_COMPONENT" "\\$key" \\./\\*\\.deb`;
            assert.match(jenkinsfile, new RegExp(publish));
            assert.doesNotMatch(jenkinsfile, /sh 'dpkg-buildpackage/, "packages are built in the build root, never in the Jenkins image");
        });

        it("reads only secrets the stack creates, under the prefix the instance role may read", async () => {
            const created = ofType(await planOf("dev"), "aws:secretsmanager/secret:Secret").map(s => String(s.inputs.name));
            const casc = fs.readFileSync(path.join(IMAGE, "casc.yaml"), "utf8");
            const jenkinsfile = fs.readFileSync(path.join(IMAGE, "jobs", "Jenkinsfile"), "utf8");
            const named = [
                ...[...casc.matchAll(/\$\{(twine\/[^}]+)\}/g)].map(m => m[1]),
                ...[...jenkinsfile.matchAll(/_SECRET = '([^']+)'/g)].map(m => m[1]),
            ];
            assert.ok(named.length >= 2);
            for (const name of named) {
                assert.ok(created.includes(name), `${name} is read but the stack does not create it`);
                assert.ok(name.startsWith(JENKINS_SECRET_PREFIX));
            }
        });
    });
});

describe("Pulumi Deployments previews", () => {
    for (const stack of STACKS) {
        it(
            `${stack}: deployments from this repository with the deploy role, no pull-request deployments, OIDC roles that trust ` +
                `this stack only`,
            async () => {
                const plan = await planOf(stack);
                // the settings are the organization stack's (pulumi-cloud/), the roles the stack's own
                const cloud = await organizationPlanOf();
                const settings = ofType(cloud, "pulumiservice:index:DeploymentSettings").find(s => s.inputs.stack === stack)!;
                assert.ok(settings, "no DeploymentSettings");
                const inputs = settings.inputs as any;
                assert.equal(inputs.project, "twine-infra");
                assert.equal(inputs.stack, stack);
                assert.equal(inputs.vcs.previewPullRequests, false, "a pull request's deployment gets an admin token on the stack");
                assert.match(inputs.operationContext.oidc.aws.roleARN, new RegExp(`:role/pulumi-${stack}-deploy$`));
                assert.equal(inputs.vcs.repository, "twine/twine-infra");
                assert.equal(byUrn(cloud, settings.provider)?.type, "pulumi:providers:pulumiservice");
                assert.equal(
                    byUrn(cloud, settings.provider)?.inputs.accessToken,
                    undefined,
                    "the access token must come from the environment",
                );

                const roles = ofType(plan, "aws:iam/role:Role").filter(r => r.name.startsWith(`${stack}-deployments-`));
                assert.deepEqual(roles.map(r => r.name).sort(), [`${stack}-deployments-deploy`, `${stack}-deployments-preview`]);
                for (const role of roles) {
                    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
                    const pulumi = trust.Statement.find((s: { Sid: string }) => s.Sid === "PulumiDeployments");
                    const subs: string[] = pulumi.Condition.StringEquals["api.pulumi.com/oidc:sub"];
                    assert.equal(pulumi.Condition.StringEquals["api.pulumi.com/oidc:aud"], "twine");
                    assert.ok(subs.length > 0);
                    for (const sub of subs)
                        assert.match(
                            sub,
                            new RegExp(`^pulumi:deploy:org:twine:project:twine-infra:stack:${stack}:operation:[a-z-]+:scope:write$`),
                        );
                    assert.ok(!JSON.stringify(trust).includes("*"), "a wildcard in a trust policy");
                    assert.ok(!("StringLike" in pulumi.Condition));
                }
                const preview = roles.find(r => r.name.endsWith("-preview"))!;
                assert.equal(preview.inputs.name, `pulumi-${stack}-preview`, "the GitHub workflow assumes the role by this name");
                const previewSubs: string[] = JSON.parse(String(preview.inputs.assumeRolePolicy)).Statement[0].Condition.StringEquals[
                    "api.pulumi.com/oidc:sub"
                ];
                assert.ok(
                    previewSubs.every(s => s.includes(":operation:preview:")),
                    "the preview role trusts a write operation",
                );
                const attachments = ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
                    a => byUrn(plan, a.parent) === preview,
                );
                assert.deepEqual(attachments, [], "no managed policy: ReadOnlyAccess reads every object and parameter");
                const [inline] = ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter(p => byUrn(plan, p.parent) === preview);
                const actions = allActions(JSON.parse(String(inline.inputs.policy)));
                assert.ok(
                    actions.every(a => /^(ec2:Describe|ecr:GetAuthorizationToken$|sts:AssumeRole$)/.test(a)),
                    actions.join(", "),
                );
            },
        );
    }

    it("builds subjects that cannot be widened by a wildcard in a name", () => {
        assert.throws(() => pulumiSubject({ organization: "twine", project: "twine-infra", stack: "*" }, "preview"), /would widen/);
        const s = pulumiTrustStatement(
            "arn:aws:iam::1:oidc-provider/api.pulumi.com/oidc",
            { organization: "twine", project: "twine-infra", stack: "dev" },
            ["update", "refresh"],
        );
        assert.deepEqual(s.Condition!.StringEquals["api.pulumi.com/oidc:sub"], [
            "pulumi:deploy:org:twine:project:twine-infra:stack:dev:operation:update:scope:write",
            "pulumi:deploy:org:twine:project:twine-infra:stack:dev:operation:refresh:scope:write",
        ]);
    });

    it("the GitHub Actions workflow tests, then previews every stack with its preview role through OIDC", () => {
        const workflow = parse(fs.readFileSync(path.join(REPO, ".github", "workflows", "preview.yml"), "utf8"));
        assert.equal(workflow.jobs.preview.permissions["id-token"], "write");
        assert.ok(workflow.jobs.test.steps.some((s: { run?: string }) => /bash scripts\/setup\.sh && npm test/.test(s.run ?? "")));
        const stacks = workflow.jobs.preview.strategy.matrix.stack;
        assert.deepEqual(
            stacks.map((s: { name: string }) => s.name),
            [...STACKS],
        );
        // The entries' values agree with the committed stack files: test/identity.test.ts.
        const assume = workflow.jobs.preview.steps.find((s: { uses?: string }) =>
            s.uses?.startsWith("aws-actions/configure-aws-credentials"),
        );
        assert.equal(
            assume.with["role-to-assume"],
            "arn:aws:iam::${{ matrix.stack.account }}:role/pulumi-${{ matrix.stack.name }}-preview",
        );
        const preview = workflow.jobs.preview.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions"));
        assert.equal(preview.with.command, "preview");
        assert.equal(preview.with["comment-on-pr"], true);
    });

    describe("config", () => {
        const DEP = "twine-infra:deployments";
        it("is optional: a stack without the section creates no settings", () => {
            const config = parseStackConfig("dns", withKey(fixtureConfig("dns"), DEP, undefined)) as any;
            assert.equal(config.deployments, undefined);
        });
        it("requires organization and repository when enabled", () => {
            const problems = problemsOf("bastion", withKey(fixtureConfig("bastion"), DEP, { enabled: true }));
            assert.ok(
                problems.some(p => /deployments\.organization.*required when deployments are enabled.*Fix:/.test(p)),
                problems.join("\n"),
            );
            assert.ok(
                problems.some(p => /deployments\.repository/.test(p)),
                problems.join("\n"),
            );
        });
        it("refuses a repository that is not owner/name, and unknown keys", () => {
            const problems = problemsOf("dev", withPath(fixtureConfig("dev"), DEP, "repository", "twine-infra"));
            assert.ok(
                problems.some(p => /deployments\.repository = "twine-infra": a GitHub repository is owner\/name\. Fix:/.test(p)),
                problems.join("\n"),
            );
            assert.ok(problemsOf("dev", withPath(fixtureConfig("dev"), DEP, "previewPullRequest", true)).some(p => /unknown key/.test(p)));
        });
        it("has no pull-request deployments to turn on: previewPullRequests is refused", () => {
            assert.ok(
                problemsOf("dev", withPath(fixtureConfig("dev"), DEP, "previewPullRequests", true)).some(p =>
                    /previewPullRequests.*unknown key/.test(p),
                ),
            );
        });
        it("refuses a deploy session shorter than 2 hours, and a malformed drift schedule", () => {
            const problems = problemsOf(
                "prod",
                withPath(withPath(fixtureConfig("prod"), DEP, "sessionSeconds", 3600), DEP, "driftDetection", { scheduleCron: "daily" }),
            );
            assert.ok(
                problems.some(p => /deployments\.sessionSeconds = 3600: must be at least 7200\. Fix:/.test(p)),
                problems.join("\n"),
            );
            assert.ok(
                problems.some(p => /deployments\.driftDetection\.scheduleCron = "daily": not a five-field cron expression\. Fix:/.test(p)),
                problems.join("\n"),
            );
        });
        it("defaults: 2-hour sessions, drift detection on only where the stack reads no upstream stack (dns)", () => {
            const base = { enabled: true, organization: "o", repository: "o/r" };
            assert.equal(withDeploymentsDefaults(base, "dev")!.sessionSeconds, 7200);
            // the stack files say which stacks read upstreams: their `stacks` references
            for (const stack of STACKS) {
                const reads = upstreamStacks(readStackSettings(FIXTURES, stack)).length > 0;
                assert.equal(readsUpstreamStacks(stack), reads, stack);
                assert.equal(withDeploymentsDefaults(base, stack)!.driftDetection.enabled, !reads, stack);
            }
            assert.deepEqual(
                STACKS.filter(s => withDeploymentsDefaults(base, s)!.driftDetection.enabled),
                ["dns"],
            );
            assert.equal(
                withDeploymentsDefaults({ ...base, driftDetection: { enabled: true } }, "dev")!.driftDetection.scheduleCron,
                "0 6 * * *",
            );
        });
    });
});

describe("build tooling config", () => {
    const BT = "twine-infra:buildTooling";
    it("refuses a webhook range open to the whole Internet", () => {
        const webhook = {
            cidrs: ["192.0.2.0/24", "0.0.0.0/0"],
            certificateArn: "arn:aws:acm:eu-west-1:333333333333:certificate/not-a-cert",
        };
        const problems = problemsOf("dev", withPath(fixtureConfig("dev"), BT, "jenkins.webhook", webhook));
        assert.ok(
            problems.some(p => /buildTooling\.jenkins\.webhook\.cidrs\[1\].*whole Internet.*Fix:/.test(p)),
            problems.join("\n"),
        );
        assert.ok(
            problems.some(p => /buildTooling\.jenkins\.webhook\.certificateArn = .*not an ACM certificate ARN\. Fix:/.test(p)),
            problems.join("\n"),
        );
    });
    it("refuses an ARM or tiny instance type and a bad snapshot time", () => {
        const config = withPath(withPath(fixtureConfig("dev"), BT, "jenkins.instanceType", "t4g.micro"), BT, "jenkins.snapshotTime", "3am");
        const problems = problemsOf("dev", config);
        assert.ok(
            problems.some(p => /instanceType = "t4g\.micro"/.test(p)),
            problems.join("\n"),
        );
        assert.ok(
            problems.some(p => /snapshotTime = "3am": not a 24-hour UTC time/.test(p)),
            problems.join("\n"),
        );
    });
    it("is refused in prod", () => {
        const problems = problemsOf("prod", withKey(fixtureConfig("prod"), BT, { jenkins: {} }));
        assert.ok(
            problems.some(p => /buildTooling.*dev account only.*Fix: remove buildTooling/.test(p)),
            problems.join("\n"),
        );
    });
});
