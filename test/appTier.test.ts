import { strict as assert } from "assert";
import { assumedRoleArn, stackCrossAccountRoles } from "../plan/providerRole";
import { Plan, PlannedResource } from "../plan/run";
import { FIXTURES, fixtureConfig, withPath, writeStackFile } from "./helpers/config";
import { STACKS, ancestors, byUrn, ofType, planOf, planWithConfig } from "./helpers/plans";

const CLUSTER = "twine:index:AppCluster";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const ASG = "aws:autoscaling/group:Group";
const ALB = "aws:lb/loadBalancer:LoadBalancer";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** The resource of a type inside a given AppCluster. */
function inCluster(plan: Plan, cluster: PlannedResource, type: string): PlannedResource[] {
    return ofType(plan, type).filter(r => ancestors(plan, r).some(a => a.urn === cluster.urn));
}
const one = (plan: Plan, cluster: PlannedResource, type: string) => {
    const found = inCluster(plan, cluster, type);
    assert.equal(found.length, 1, `${cluster.name}: expected one ${type}, found ${found.length}`);
    return found[0];
};

describe("app tier (over the plans)", () => {
    it("dev runs two environments, prod one, each an AppCluster", async () => {
        assert.deepEqual(
            ofType(await planOf("dev"), CLUSTER)
                .map(c => c.name)
                .sort(),
            ["integration", "test"],
        );
        assert.deepEqual(
            ofType(await planOf("prod"), CLUSTER).map(c => c.name),
            ["production"],
        );
    });

    for (const stack of ["dev", "prod"] as const) {
        describe(stack, () => {
            it(
                "launch templates boot the image this stack runs, require IMDSv2 with one hop, encrypt gp3 roots, get no public " + "IP",
                async () => {
                    const plan = await planOf(stack);
                    for (const lt of ofType(plan, LT)) {
                        assert.equal(lt.inputs.imageId, plan.outputs.amiId);
                        assert.deepEqual(lt.inputs.metadataOptions, {
                            httpEndpoint: "enabled",
                            httpPutResponseHopLimit: 1,
                            httpTokens: "required",
                            instanceMetadataTags: "enabled",
                        });
                        for (const mapping of lt.inputs.blockDeviceMappings as { ebs: Record<string, unknown> }[]) {
                            assert.equal(mapping.ebs.encrypted, "true");
                            assert.equal(mapping.ebs.volumeType, "gp3");
                        }
                        for (const nic of lt.inputs.networkInterfaces as Record<string, unknown>[])
                            assert.equal(nic.associatePublicIpAddress, "false");
                        assert.deepEqual((lt.inputs.monitoring as Record<string, unknown>).enabled, true);
                    }
                },
            );

            it("user data carries settings only: no package installs at boot, no secret values", async () => {
                const plan = await planOf(stack);
                for (const lt of ofType(plan, LT)) {
                    const userData = Buffer.from(String(lt.inputs.userData), "base64").toString("utf8");
                    assert.match(userData, /^#cloud-config\n/);
                    assert.match(userData, /TWINE_ENVIRONMENT="/);
                    assert.match(userData, /DATABASE_AUTH="iam"/);
                    assert.doesNotMatch(
                        userData,
                        /DATABASE_SECRET_ARN|secretsmanager/,
                        "the app signs in with an IAM token, never the master secret",
                    );
                    // sshd's own "PasswordAuthentication no" (the access drop-in) is a setting, not a secret.
                    assert.doesNotMatch(
                        userData.replace(/^ *PasswordAuthentication no$/gm, ""),
                        /apt-get|apt install|packages:|curl |wget |password/i,
                    );
                }
            });

            it(
                "groups span two or more AZs of private subnets, with ELB health checks, metrics, and desiredCapacity left to " + "scaling",
                async () => {
                    const plan = await planOf(stack);
                    const privateSubnets = plan.outputs.privateSubnetIds as string[];
                    for (const asg of ofType(plan, ASG)) {
                        const subnets = asg.inputs.vpcZoneIdentifiers as string[];
                        assert.ok(subnets.length >= 2, `${asg.name} spans ${subnets.length} AZ`);
                        assert.ok(
                            subnets.every(s => privateSubnets.includes(s)),
                            `${asg.name} is not in the private subnets`,
                        );
                        assert.equal(asg.inputs.healthCheckType, "ELB");
                        assert.ok(Number(asg.inputs.healthCheckGracePeriod) > 0);
                        assert.ok(Number(asg.inputs.defaultInstanceWarmup) > 0);
                        assert.equal(asg.inputs.metricsGranularity, "1Minute");
                        assert.ok((asg.inputs.enabledMetrics as string[]).includes("GroupInServiceInstances"));
                        // The minimum too where a month-end schedule owns it.
                        const scheduled = plan.resources.some(r => r.type === "aws:autoscaling/schedule:Schedule" && r.parent === asg.urn);
                        assert.deepEqual(asg.options.ignoreChanges, scheduled ? ["desiredCapacity", "minSize"] : ["desiredCapacity"]);
                    }
                },
            );

            it(
                "an instance refresh is driven by the launch template's concrete version, pauses after a third, and stops on the " +
                    "environment's health alarms instead of an auto rollback that cannot undo",
                async () => {
                    const plan = await planOf(stack);
                    const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");
                    for (const cluster of ofType(plan, CLUSTER)) {
                        const asg = one(plan, cluster, ASG);
                        const lt = one(plan, cluster, LT);
                        const template = asg.inputs.launchTemplate as { id: string; version: string };
                        assert.match(template.id, /^lt-/);
                        assert.equal(template.version, "1", "the concrete latestVersion, never $Latest or $Default");
                        assert.equal(lt.inputs.updateDefaultVersion, true);
                        const refresh = asg.inputs.instanceRefresh as { strategy: string; preferences: Record<string, unknown> };
                        const { alarmSpecification, ...preferences } = refresh.preferences as { alarmSpecification: { alarms: string[] } };
                        assert.equal(refresh.strategy, "Rolling");
                        // The provider moves the group to the new version before it starts the refresh, so AWS's
                        // rollback would return to the new version: it must not be promised.
                        assert.deepEqual(preferences, {
                            autoRollback: false,
                            checkpointDelay: "600",
                            checkpointPercentages: [34, 100],
                            instanceWarmup: String(asg.inputs.defaultInstanceWarmup),
                            maxHealthyPercentage: 110,
                            minHealthyPercentage: 90,
                            skipMatching: true,
                        });
                        // Every alarm the refresh watches exists in the plan, on this environment's target group, with an action.
                        const env = cluster.name;
                        assert.ok(alarmSpecification.alarms.length >= 2);
                        for (const name of alarmSpecification.alarms) {
                            const alarm = alarms.find(a => a.inputs.name === name);
                            assert.ok(alarm, `the refresh watches ${name}, which the plan does not create`);
                            assert.match(name, new RegExp(`^twine-${env}-`));
                            assert.ok((alarm.inputs.alarmActions as string[]).length > 0, `${name} has no action`);
                        }
                    }
                },
            );

            it("scales by target tracking on requests per target and CPU, from config", async () => {
                const plan = await planOf(stack);
                for (const cluster of ofType(plan, CLUSTER)) {
                    const policies = inCluster(plan, cluster, "aws:autoscaling/policy:Policy")
                        .filter(p => p.inputs.policyType === "TargetTrackingScaling")
                        .map(
                            p =>
                                p.inputs.targetTrackingConfiguration as {
                                    targetValue: number;
                                    predefinedMetricSpecification: { predefinedMetricType: string; resourceLabel?: string };
                                },
                        );
                    const types = policies.map(p => p.predefinedMetricSpecification.predefinedMetricType).sort();
                    assert.deepEqual(types, ["ALBRequestCountPerTarget", "ASGAverageCPUUtilization"]);
                    const requests = policies.find(
                        p => p.predefinedMetricSpecification.predefinedMetricType === "ALBRequestCountPerTarget",
                    )!;
                    assert.match(
                        String(requests.predefinedMetricSpecification.resourceLabel),
                        /^app\/[^/]+\/[0-9a-f]+\/targetgroup\/[^/]+\/[0-9a-f]+$/,
                    );
                }
            });

            it(
                "the load balancer drops invalid headers, mitigates desync defensively, logs access, and redirects HTTP to " + "HTTPS",
                async () => {
                    const plan = await planOf(stack);
                    for (const cluster of ofType(plan, CLUSTER)) {
                        const alb = one(plan, cluster, ALB);
                        assert.equal(alb.inputs.dropInvalidHeaderFields, true);
                        assert.equal(alb.inputs.desyncMitigationMode, "defensive");
                        assert.equal((alb.inputs.accessLogs as Record<string, unknown>).enabled, true);
                        assert.equal(alb.inputs.enableDeletionProtection, stack === "prod");
                        assert.deepEqual(
                            (alb.inputs.subnets as string[]).slice().sort(),
                            (plan.outputs.publicSubnetIds as string[]).slice().sort(),
                        );
                        const listeners = inCluster(plan, cluster, "aws:lb/listener:Listener");
                        const http = listeners.find(l => l.inputs.port === 80)!;
                        const https = listeners.find(l => l.inputs.port === 443)!;
                        assert.deepEqual((http.inputs.defaultActions as Record<string, unknown>[])[0], {
                            redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
                            type: "redirect",
                        });
                        assert.equal(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
                        assert.match(String(https.inputs.certificateArn), /^arn:aws:acm:/);
                    }
                },
            );

            it("a WAF web ACL with a per-client abuse ceiling first, then AWS managed rules, guards each load balancer", async () => {
                const plan = await planOf(stack);
                for (const cluster of ofType(plan, CLUSTER)) {
                    const acl = one(plan, cluster, "aws:wafv2/webAcl:WebAcl");
                    const rules = acl.inputs.rules as {
                        name: string;
                        priority: number;
                        statement: Record<string, Record<string, unknown>>;
                    }[];
                    assert.equal(rules[0].statement.rateBasedStatement.aggregateKeyType, "IP");
                    assert.ok(
                        rules
                            .filter(r => r.statement.managedRuleGroupStatement)
                            .every(r => r.statement.managedRuleGroupStatement.vendorName === "AWS"),
                    );
                    const association = one(plan, cluster, "aws:wafv2/webAclAssociation:WebAclAssociation");
                    const https = inCluster(plan, cluster, "aws:lb/listener:Listener").find(l => l.inputs.port === 443)!;
                    assert.match(String(association.inputs.resourceArn), /:loadbalancer\/app\//);
                    assert.equal(
                        association.inputs.resourceArn,
                        https.inputs.loadBalancerArn,
                        "the ACL guards this environment's own load balancer",
                    );
                }
            });

            it("app hosts take the app port only from their load balancer, and SSH only through the bastion's group", async () => {
                const plan = await planOf(stack);
                for (const cluster of ofType(plan, CLUSTER)) {
                    const lt = one(plan, cluster, LT);
                    const [appGroup, ...extra] = (lt.inputs.networkInterfaces as { securityGroups: string[] }[])[0].securityGroups;
                    assert.deepEqual(extra, [plan.outputs.sshFromBastionSecurityGroupId]);
                    const intoApp = ofType(plan, INGRESS).filter(r => r.inputs.securityGroupId === appGroup);
                    assert.equal(intoApp.length, 1, intoApp.map(r => r.name).join());
                    assert.equal(intoApp[0].inputs.fromPort, 8080);
                    const albGroup = one(plan, cluster, "aws:ec2/securityGroup:SecurityGroup");
                    const albGroupId = (one(plan, cluster, ALB).inputs.securityGroups as string[])[0];
                    assert.equal(intoApp[0].inputs.referencedSecurityGroupId, albGroupId, "admitted from the load balancer's group only");
                    assert.ok(albGroup, "the load balancer has its own group");
                    // One owner per group: the rule hangs off the app group it opens, not off the group it admits.
                    assert.equal(
                        ofType(plan, "aws:ec2/securityGroup:SecurityGroup").find(g => g.urn === intoApp[0].parent)?.name,
                        `${cluster.name}-app`,
                    );
                }
            });

            it("each host name is an alias of its own environment's load balancer, and has a validation record", async () => {
                const plan = await planOf(stack);
                for (const cluster of ofType(plan, CLUSTER)) {
                    const alb = one(plan, cluster, ALB);
                    const albDns = (plan.outputs.environments as Record<string, { albDnsName: string }>)[cluster.name].albDnsName;
                    const aliases = inCluster(plan, cluster, "aws:route53/record:Record").filter(r => r.inputs.type === "A");
                    assert.ok(aliases.length >= 1);
                    for (const record of aliases) {
                        assert.equal(byUrn(plan, record.parent)?.urn, alb.urn);
                        assert.deepEqual(record.inputs.aliases, [{ evaluateTargetHealth: true, name: albDns, zoneId: "Z32O12XQLNTSW2" }]);
                    }
                    const cert = one(plan, cluster, "aws:acm/certificate:Certificate");
                    const names = [cert.inputs.domainName, ...((cert.inputs.subjectAlternativeNames as string[]) ?? [])];
                    assert.deepEqual(names.sort(), aliases.map(a => a.inputs.name).sort());
                    assert.equal(
                        inCluster(plan, cluster, "aws:route53/record:Record").filter(r => r.inputs.type === "CNAME").length,
                        names.length,
                    );
                }
            });
        });
    }

    it("the rollback switch starts the refresh without the alarms still in ALARM from the bad image, in its environment only", async () => {
        // GIVEN dev's integration with app.refreshIgnoresAlarms  WHEN planned
        const config = withPath(fixtureConfig("dev"), "twine-infra:environments", "integration.app.refreshIgnoresAlarms", true);
        const plan = await planWithConfig("dev", writeStackFile(config));
        const preferencesOf = (env: string) => {
            const cluster = ofType(plan, CLUSTER).find(c => c.name === env)!;
            return (one(plan, cluster, ASG).inputs.instanceRefresh as { preferences: Record<string, unknown> }).preferences;
        };
        // THEN its refresh has no alarm specification (a refresh fails when one of its alarms is in ALARM), and keeps
        // its checkpoints and no auto rollback; test keeps watching its alarms
        const rollback = preferencesOf("integration");
        assert.equal(rollback.alarmSpecification, undefined);
        assert.deepEqual([rollback.autoRollback, rollback.checkpointPercentages], [false, [34, 100]]);
        assert.ok((preferencesOf("test").alarmSpecification as { alarms: string[] }).alarms.length >= 2);
    });

    it("prod keeps a warm pool of stopped servers and at least two servers; dev keeps none", async () => {
        const [prodAsg] = ofType(await planOf("prod"), ASG);
        const pool = prodAsg.inputs.warmPool as Record<string, unknown>;
        assert.deepEqual([pool.poolState, pool.instanceReusePolicy], ["Stopped", { reuseOnScaleIn: true }]);
        assert.ok(Number(pool.minSize) >= 1 && Number(pool.maxGroupPreparedCapacity) >= Number(pool.minSize));
        assert.ok(Number(prodAsg.inputs.minSize) >= 2);
        for (const asg of ofType(await planOf("dev"), ASG)) assert.equal(asg.inputs.warmPool, undefined);
    });

    it("prod's public name in the apex is written through the dns account's delegation role", async () => {
        const plan = await planOf("prod");
        const apexRecords = ofType(plan, "aws:route53/record:Record").filter(r =>
            /(^|\.)app\.twinehr\.com\.?$/.test(String(r.inputs.name)),
        );
        assert.equal(apexRecords.length, 2, "the alias and its ACM validation record");
        for (const record of apexRecords) {
            const provider = byUrn(plan, record.provider)!;
            assert.deepEqual(provider.inputs.allowedAccountIds, [fixtureConfig("dns")["twine-infra:accountId"]]);
            assert.match(String(assumedRoleArn(provider.inputs, stackCrossAccountRoles(FIXTURES, "prod"))), /:role\/.*delegation-prod$/);
        }
    });

    it("only load balancer groups are open to the Internet, and only on 80 and 443", async () => {
        let open = 0;
        for (const stack of STACKS) {
            const plan = await planOf(stack);
            for (const rule of ofType(plan, INGRESS).filter(r => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0")) {
                open++;
                assert.ok(
                    [80, 443].includes(Number(rule.inputs.fromPort)) && rule.inputs.fromPort === rule.inputs.toPort,
                    `${stack}: ${rule.name} opens ${rule.inputs.fromPort}`,
                );
                const group = byUrn(plan, rule.parent)!;
                assert.ok(
                    group.type === "aws:ec2/securityGroup:SecurityGroup" && group.name.endsWith("-alb"),
                    `${stack}: ${rule.name} is not on a load balancer's group`,
                );
            }
        }
        assert.equal(open, 3 * 2, "three IPv4-only load balancers, each open on 80 and 443");
    });

    it("no instance but the bastion gets a public address", async () => {
        for (const stack of STACKS) {
            for (const instance of ofType(await planOf(stack), "aws:ec2/instance:Instance")) {
                if (stack === "bastion") continue;
                assert.equal(instance.inputs.associatePublicIpAddress, false, `${stack}: ${instance.name}`);
            }
        }
    });

    it("refuses a prod public name the dns stack did not delegate, before declaring anything", async () => {
        const config = withPath(fixtureConfig("prod"), "twine-infra:environments", "production.app.publicNames", ["app", "www"]);
        await assert.rejects(
            planWithConfig("prod", writeStackFile(config)),
            new RegExp(
                /twine-infra:environments\.production\.app\.publicNames\[1\] = "www": /.source +
                    /the dns stack does not let prod write www\.twinehr\.com \(it delegates app\.twinehr\.com\)\. /.source +
                    /Fix: add www\.twinehr\.com to delegation\.prod\.publicNames/.source,
            ),
        );
    });

    it("refuses an app tier whose bounds do not hold, naming the key", async () => {
        const config = withPath(fixtureConfig("prod"), "twine-infra:environments", "production.app.minSize", 30);
        await assert.rejects(
            planWithConfig("prod", writeStackFile(config)),
            /twine-infra:environments\.production\.app\.minSize = 30: minSize \(30\) should be <= maxSize \(24\)\. Fix:/,
        );
    });
});
