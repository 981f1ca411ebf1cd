/**
 * How a new launch template version rolls out, and what stops it. A pure helper so the group's settings are read
 * and tested without resources.
 *
 * No auto rollback: the provider sets the group's launch template to the new version (UpdateAutoScalingGroup) before
 * it calls StartInstanceRefresh, so the "previous configuration" AWS would roll back to is already the new one
 * (terraform-provider-aws internal/service/autoscaling/group.go resourceGroupUpdate, then
 * startInstanceRefresh without DesiredConfiguration; hashicorp/terraform-provider-aws#34189). Instead the refresh
 * watches the environment's health alarms and stops when one fires, after a first checkpoint long enough for them
 * to fire, and the previous image comes back by one command or one config change (docs/operations.md).
 *
 * Rolling back needs one more switch: the alarms that stopped the bad refresh stay in ALARM until the bad servers
 * are gone, and a refresh fails when any of its alarms is in ALARM (RefreshPreferences.AlarmSpecification, Auto
 * Scaling API Reference), so one watching them would fail at once. `watchAlarms: false` starts the refresh to the
 * pinned previous image without them; the environment's app.refreshIgnoresAlarms sets it, for that one deploy.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-alarms.html
 */
import { REFRESH_HEALTHY_PERCENT } from "./fleetPeakConfig";
import { refreshAlarmNames } from "../operations/alarmConfig";

/** Percent of the group replaced before each pause; the last must be 100. */
export const REFRESH_CHECKPOINTS = [34, 100];
/** Seconds the refresh waits at a checkpoint: two evaluations of a 5-minute alarm. */
export const REFRESH_CHECKPOINT_DELAY_SECONDS = 600;

export function instanceRefreshPreferences(environment: string, warmupSeconds: number, options: { watchAlarms: boolean }) {
    return {
        // The connection budget counts the servers a refresh runs above maxSize (fleetPeakConfig.ts).
        minHealthyPercentage: REFRESH_HEALTHY_PERCENT.min,
        maxHealthyPercentage: REFRESH_HEALTHY_PERCENT.max,
        skipMatching: true,
        autoRollback: false,
        instanceWarmup: String(warmupSeconds),
        checkpointPercentages: REFRESH_CHECKPOINTS,
        checkpointDelay: String(REFRESH_CHECKPOINT_DELAY_SECONDS),
        // A refresh that meets one of these in ALARM fails and replaces no more servers.
        ...(options.watchAlarms ? { alarmSpecification: { alarms: refreshAlarmNames(environment) } } : {}),
    };
}
