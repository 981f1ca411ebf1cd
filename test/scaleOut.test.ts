/**
 * Scale-out that reacts within a minute or two: beside target tracking (three one-minute datapoints plus the
 * metric's delay), a step policy doubles the group on one datapoint 20 % over the target; and the month-end floor
 * is three times the minimum, the figure the capacity model needs for the default rush (docs/app-tier.md).
 */
import { strict as assert } from "assert";
import { withAppTierDefaults } from "../config/appTier";
import { runProgram } from "../plan/run";
import { stagingCluster } from "./helpers/appCluster";
import { ofType, serialPlan } from "./helpers/plans";

describe("scale-out", () => {
    it("GIVEN a request target WHEN planned THEN one datapoint 20 % over it doubles the group", async () => {
        const plan = await serialPlan(() => runProgram(() => void stagingCluster({}, "prod")));
        const step = ofType(plan, "aws:autoscaling/policy:Policy").find(p => p.name === "staging-step-out");
        assert.ok(step, "a step scaling policy");
        assert.equal(step.inputs.policyType, "StepScaling");
        assert.equal(step.inputs.adjustmentType, "PercentChangeInCapacity");
        assert.deepEqual(step.inputs.stepAdjustments, [{ metricIntervalLowerBound: "0", scalingAdjustment: 100 }]);
        const [alarm] = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(a => a.name === "staging-step-out");
        assert.equal(alarm.inputs.metricName, "RequestCountPerTarget");
        assert.equal(alarm.inputs.period, 60);
        assert.equal(alarm.inputs.evaluationPeriods, 1);
        assert.equal(alarm.inputs.threshold, Math.round(withAppTierDefaults("prod", "staging").scaling.requestsPerTarget! * 1.2));
        assert.equal((alarm.inputs.alarmActions as string[]).length, 1);
        assert.ok((alarm.inputs.dimensions as Record<string, string>).TargetGroup, "the target group's metric");
    });

    it("GIVEN a month-end schedule WHEN planned THEN an up leaves the minimum to the schedule; without one, not", async () => {
        const prod = await serialPlan(() => runProgram(() => void stagingCluster({}, "prod")));
        const [group] = ofType(prod, "aws:autoscaling/group:Group");
        assert.ok(ofType(prod, "aws:autoscaling/schedule:Schedule").length > 0, "prod's defaults have a month-end window");
        assert.deepEqual(group.options.ignoreChanges, ["desiredCapacity", "minSize"]);
        const plain = await serialPlan(() => runProgram(() => void stagingCluster({ monthEnd: undefined }, "prod")));
        assert.deepEqual(ofType(plain, "aws:autoscaling/group:Group")[0].options.ignoreChanges, ["desiredCapacity"]);
    });

    it("raises prod's month-end floor to three times its minimum", () => {
        const prod = withAppTierDefaults("prod", "production");
        assert.equal(prod.monthEnd?.minSize, Math.min(3 * prod.minSize, prod.maxSize));
    });
});
