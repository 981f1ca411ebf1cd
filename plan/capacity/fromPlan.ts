/**
 * The capacity model's view of a stack: each environment's fleet as the offline plan declares it (group bounds,
 * scaling policies and their metric period, warm pool, month-end schedules, WAF limits, database class or proxy),
 * with the two figures a plan cannot hold from the stack's config (a server's throughput, the per-server pool).
 */
import { HIGH_VOLUME_RULE_PREFIX } from "../../components/app/webAclConfig";
import { warmPoolSize } from "../../components/app/warmPoolConfig";
import { maxConnections } from "../../components/data/connectionBudgetConfig";
import { proxyConnectionCeiling } from "../../components/data/databaseProxyConfig";
import { priceOf } from "../prices";
import { Plan, PlannedResource } from "../run";
import type { FleetModel } from "./model";

/** What the plan cannot hold, per environment, from the stack's config. */
export interface FleetSettings {
    readonly serverRequestsPerSecond: number;
    /** Connections each server's pool opens (database.poolSizePerServer). @default 10 */
    readonly poolSizePerServer?: number;
}

const ofType = (plan: Plan, type: string) => plan.resources.filter(r => r.type === type);
const named = (plan: Plan, type: string, name: string) => ofType(plan, type).find(r => r.name === name);
const input = <T>(r: PlannedResource | undefined, key: string): T | undefined => r?.inputs[key] as T | undefined;

/** One FleetModel per environment's Auto Scaling group. */
export function fleetsOf(plan: Plan, settings: (environment: string) => FleetSettings, region = "eu-west-1"): FleetModel[] {
    return ofType(plan, "aws:autoscaling/group:Group").map(group => {
        const env = group.name.replace(/-app$/, "");
        const own = settings(env);
        const template = named(plan, "aws:ec2/launchTemplate:LaunchTemplate", group.name);
        const instanceType = String(input(template, "instanceType") ?? "unknown");
        const minSize = Number(group.inputs.minSize);
        const maxSize = Number(group.inputs.maxSize);
        const pool = input<{ minSize: number; maxGroupPreparedCapacity?: number }>(group, "warmPool");
        const raises = ofType(plan, "aws:autoscaling/schedule:Schedule").filter(
            s => s.name.startsWith(`${env}-month-`) && s.name.includes("raise"),
        );
        const monthEnd = raises.length > 0 ? Math.max(...raises.map(s => Number(s.inputs.minSize))) : undefined;

        const requests = named(plan, "aws:autoscaling/policy:Policy", `${env}-requests`);
        const tracking = input<{ targetValue: number; customizedMetricSpecification?: { period?: number } }>(
            requests,
            "targetTrackingConfiguration",
        );
        const step = named(plan, "aws:autoscaling/policy:Policy", `${env}-step-out`);
        const stepAlarm = named(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", `${env}-step-out`);
        const stepAdjust = input<{ scalingAdjustment: number }[]>(step, "stepAdjustments")?.[0];

        const acl = named(plan, "aws:wafv2/webAcl:WebAcl", `${env}-waf`);
        // The WAF rules as webAclConfig.ts writes them (plan inputs are untyped JSON).
        type RateRule = { name: string; action?: object; statement?: { rateBasedStatement?: { limit: number; customKeys?: object[] } } };
        const rules = input<RateRule[]>(acl, "rules") ?? [];
        const ipRule = rules.find(r => r.name === "per-client-rate-limit");
        const tenantRule = rules.find(r => r.name === "per-tenant-rate-limit");
        const tenantKeys = tenantRule?.statement?.rateBasedStatement?.customKeys ?? [];

        const db = named(plan, "aws:rds/instance:Instance", `${env}-database-instance`);
        // The proxy's pool settings, as databaseProxy.ts names its target group; without the percent RDS opens up to 100.
        const proxy = named(plan, "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", `${env}-database-proxy-targets`);
        const dbMax = db ? maxConnections(db.inputs.engine === "mysql" ? "mysql" : "postgres", String(db.inputs.instanceClass)) : undefined;
        const proxyPercent = input<{ maxConnectionsPercent?: number }>(proxy, "connectionPoolConfig")?.maxConnectionsPercent ?? 100;

        return {
            environment: env,
            instanceType,
            hourlyPrice: priceOf(`ec2:${instanceType}`, region)?.usd,
            minSize,
            maxSize,
            monthEndMinSize: monthEnd,
            serverRequestsPerSecond: own.serverRequestsPerSecond,
            targetTracking: tracking
                ? { requestsPerTarget: tracking.targetValue, periodSeconds: tracking.customizedMetricSpecification?.period ?? 60 }
                : undefined,
            stepScaling:
                stepAlarm && stepAdjust
                    ? {
                          thresholdRequestsPerTarget: Number(stepAlarm.inputs.threshold),
                          adjustmentPercent: stepAdjust.scalingAdjustment,
                          periodSeconds: Number(stepAlarm.inputs.period),
                          datapoints: Number(stepAlarm.inputs.evaluationPeriods),
                      }
                    : undefined,
            warmPoolSize: pool ? warmPoolSize(pool, { maxSize, desired: minSize }) : 0,
            tenantLimit: tenantRule
                ? {
                      limitPer5Minutes: Number(tenantRule.statement?.rateBasedStatement?.limit),
                      block: "block" in (tenantRule.action ?? {}),
                      perAddress: tenantKeys.some(k => "ip" in k),
                  }
                : undefined,
            ipLimitPer5Minutes: Number(ipRule?.statement?.rateBasedStatement?.limit ?? Infinity),
            highVolumeSources: rules
                .filter(r => r.name.startsWith(HIGH_VOLUME_RULE_PREFIX))
                .map(r => ({
                    name: r.name.slice(HIGH_VOLUME_RULE_PREFIX.length),
                    limitPer5Minutes: Number(r.statement?.rateBasedStatement?.limit),
                })),
            database:
                dbMax !== undefined
                    ? {
                          maxConnections: proxy ? proxyConnectionCeiling(dbMax, proxyPercent) : dbMax,
                          poolSizePerServer: own.poolSizePerServer ?? 10,
                          proxy: proxy !== undefined,
                      }
                    : undefined,
        };
    });
}
