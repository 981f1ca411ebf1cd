/**
 * Warm-pool servers boot fully before they are stopped or put in service: the group holds every launch on a hook
 * that the server completes at the end of its boot, on every boot, and its role may complete only its own group's.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { BOOT_HOOK_NAME, bootCompleteUnit } from "../components/app/appUserDataConfig";
import { runProgram } from "../plan/run";
import { stagingCluster } from "./helpers/appCluster";
import { REPO } from "./helpers/config";
import { ofType, serialPlan } from "./helpers/plans";

const SCRIPT = path.join(REPO, "components", "app", "files", "boot-complete.py");
const HARNESS = path.join(REPO, "test", "helpers", "bootComplete.py");

interface Call {
    params: Record<string, string>;
    signed: boolean;
}

function runScript(state: string): { signatureMatches: boolean; exit: number; calls: Call[] } {
    // The distribution's Python, which the servers run it with (the unit's ExecStart), with python3-botocore.
    const result = spawnSync("/usr/bin/python3", [HARNESS, SCRIPT, state], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

describe("warm pool: the launch hook", () => {
    it("GIVEN a prod cluster with a warm pool WHEN planned THEN launches wait on a hook the server completes when booted", async () => {
        const plan = await serialPlan(() => runProgram(() => void stagingCluster({}, "prod")));
        const [group] = ofType(plan, "aws:autoscaling/group:Group");
        assert.ok(group.inputs.warmPool, "the prod defaults have a warm pool");
        assert.deepEqual(group.inputs.initialLifecycleHooks, [
            {
                defaultResult: "ABANDON",
                heartbeatTimeout: 600,
                lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
                name: BOOT_HOOK_NAME,
            },
        ]);

        const [template] = ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate");
        const userData = Buffer.from(String(template.inputs.userData), "base64").toString("utf8");
        const cloudConfig = parse(userData) as { runcmd: string[][]; write_files: { path: string; content: string }[] };
        assert.deepEqual(cloudConfig.runcmd.at(-1), ["systemctl", "start", "--no-block", "twine-boot-complete.service"]);
        const unit = cloudConfig.write_files.find(f => f.path === "/etc/systemd/system/twine-boot-complete.service");
        assert.match(unit!.content, new RegExp(`Environment=TWINE_BOOT_HOOK=${BOOT_HOOK_NAME}`));
        assert.equal(
            cloudConfig.write_files.find(f => f.path === "/usr/local/sbin/twine-boot-complete")!.content,
            fs.readFileSync(SCRIPT, "utf8"),
        );

        const policy = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find(p => p.name === "staging-app-boot-hook")!;
        const statements = JSON.parse(String(policy.inputs.policy)).Statement as {
            Action: string;
            Resource: string;
            Condition?: Record<string, Record<string, string>>;
        }[];
        const complete = statements.find(s => s.Action === "autoscaling:CompleteLifecycleAction")!;
        assert.notEqual(complete.Resource, "*", "only its own group's hook");
        assert.match(complete.Resource, /^arn:aws:autoscaling:[a-z0-9-]+:\d{12}:autoScalingGroup:\*:autoScalingGroupName\/staging-app-\*$/);
        const nameTag = (group.inputs.tags as { key: string; value: string }[]).find(t => t.key === "Name")!.value;
        assert.deepEqual(complete.Condition, { StringEquals: { "autoscaling:ResourceTag/Name": nameTag } });
    });

    it("GIVEN a cluster WHEN planned THEN the hook's policy exists before the group, which waits for servers that need it", async () => {
        const plan = await serialPlan(() => runProgram(() => void stagingCluster({}, "prod")));
        const [group] = ofType(plan, "aws:autoscaling/group:Group");
        const policy = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find(p => p.name === "staging-app-boot-hook")!;
        assert.ok(group.inputs.waitForCapacityTimeout !== "0", "the group's create waits for InService servers");
        assert.ok(group.options.dependsOn.includes(policy.urn), "the group depends on the boot hook's policy");
        // The mocks give the group an ARN; a policy built from it would wait for the group's create to return.
        assert.ok(!String(policy.inputs.policy).includes(String(group.inputs.arn ?? "arn:aws:autoscaling:never")));
        assert.doesNotMatch(String(policy.inputs.policy), /autoScalingGroup:[0-9a-f-]{36}:/, "no group id: only knowable after create");
    });

    it("completes the hook while the server waits on it, signed as botocore signs (a fake IMDS and Auto Scaling endpoint)", () => {
        const waiting = runScript("Warmed:Pending:Wait");
        assert.ok(waiting.signatureMatches, "SigV4 differs from botocore's");
        assert.equal(waiting.exit, 0);
        assert.deepEqual(
            waiting.calls.map(c => c.params.Action),
            ["DescribeAutoScalingInstances", "CompleteLifecycleAction"],
        );
        const complete = waiting.calls[1];
        assert.ok(complete.signed);
        assert.equal(complete.params.LifecycleHookName, BOOT_HOOK_NAME);
        assert.equal(complete.params.AutoScalingGroupName, "production-app-1a2b");
        assert.equal(complete.params.LifecycleActionResult, "CONTINUE");
    });

    it("leaves a server in service alone (a reboot, or a group without the hook)", () => {
        assert.deepEqual(
            runScript("InService").calls.map(c => c.params.Action),
            ["DescribeAutoScalingInstances"],
        );
    });

    it("runs after cloud-init's final stage on every boot, without an ordering cycle (systemd-analyze verify multi-user.target)", () => {
        // cloud-init's units as the distribution ships them (cloud-final.service is After=multi-user.target, as on
        // Ubuntu), enabled as its generator enables them on a cloud instance, and the unit enabled as [Install] says.
        const units = fs.mkdtempSync(path.join(os.tmpdir(), "twine-units-"));
        const text = bootCompleteUnit(BOOT_HOOK_NAME);
        fs.writeFileSync(path.join(units, "twine-boot-complete.service"), text);
        const link = (target: string, unit: string, to: string) => {
            fs.mkdirSync(path.join(units, `${target}.wants`), { recursive: true });
            fs.symlinkSync(to, path.join(units, `${target}.wants`, unit));
        };
        link("multi-user.target", "cloud-init.target", "/lib/systemd/system/cloud-init.target");
        for (const unit of ["cloud-init-local.service", "cloud-init.service", "cloud-config.service", "cloud-final.service"]) {
            assert.ok(fs.existsSync(`/lib/systemd/system/${unit}`), `${unit}: install cloud-init (scripts/setup.sh)`);
            link("cloud-init.target", unit, `/lib/systemd/system/${unit}`);
        }
        assert.match(fs.readFileSync("/lib/systemd/system/cloud-final.service", "utf8"), /^After=multi-user\.target/m);
        for (const wantedBy of /^WantedBy=(.+)$/m.exec(text)![1].split(/\s+/)) {
            link(wantedBy, "twine-boot-complete.service", path.join(units, "twine-boot-complete.service"));
        }
        const env = { ...process.env, SYSTEMD_UNIT_PATH: `${units}:/lib/systemd/system` };
        for (const target of ["multi-user.target", "cloud-init.target"]) {
            const result = spawnSync("systemd-analyze", ["verify", "--man=no", target], { encoding: "utf8", env });
            const out = `${result.stdout}${result.stderr}`;
            assert.doesNotMatch(out, /ordering cycle|deleted to break/, `systemd-analyze verify ${target}:\n${out}`);
            assert.doesNotMatch(out, /twine-boot-complete/, `systemd-analyze verify ${target}:\n${out}`);
        }
        assert.match(text, /^After=cloud-final\.service/m);
        assert.match(text, /^Restart=on-failure$/m);
        const interval = Number(/^StartLimitIntervalSec=(\d+)$/m.exec(text)![1]);
        assert.ok(interval >= 600, "retries until the hook's heartbeat has run out, and then stops");
    });
});
