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
        const statements = JSON.parse(String(policy.inputs.policy)).Statement as { Action: string; Resource: string }[];
        const complete = statements.find(s => s.Action === "autoscaling:CompleteLifecycleAction")!;
        assert.notEqual(complete.Resource, "*", "only its own group's hook");
        assert.match(complete.Resource, /autoScalingGroup/);
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

    it("runs after cloud-init's final stage on every boot (systemd-analyze verify)", () => {
        const units = fs.mkdtempSync(path.join(os.tmpdir(), "twine-units-"));
        const unit = path.join(units, "twine-boot-complete.service");
        fs.writeFileSync(unit, bootCompleteUnit(BOOT_HOOK_NAME));
        const result = spawnSync("systemd-analyze", ["verify", "--man=no", unit], {
            encoding: "utf8",
            env: { ...process.env, SYSTEMD_UNIT_PATH: `${units}:/lib/systemd/system` },
        });
        assert.equal(`${result.stdout}${result.stderr}`.trim(), "", "systemd-analyze verify complained");
        assert.match(bootCompleteUnit(BOOT_HOOK_NAME), /^After=cloud-final\.service/m);
        assert.match(bootCompleteUnit(BOOT_HOOK_NAME), /^WantedBy=multi-user\.target/m);
    });
});
