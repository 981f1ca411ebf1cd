import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { defaultPort, logExports, parameterGroupFamily, tlsParameter } from "../components/data/database";
import { APP_DATABASE_NAME } from "../components/data/databaseAccessPolicy";
import { SEARCH_TLS_POLICY, searchAccessPolicy } from "../components/data/search";
import { engineVersionProblem, resolveEnvironments } from "../config";
import { RESOURCE_MOCKS } from "../plan/mocks";
import { Plan, PlannedResource, planStack } from "../plan/run";
import { fixtureConfig, withPath, writeStackFile } from "./helpers/config";
import { FIXTURES, ancestors, ofType, planOf, planWithConfig, serialPlan } from "./helpers/plans";

const INSTANCE = "aws:rds/instance:Instance";
const DOMAIN = "aws:opensearch/domain:Domain";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const KEY = "aws:kms/key:Key";
const ENVS = "twine-infra:environments";

/** The id the offline plan gave a resource (the mocks derive it from the type, name and inputs). */
function idOf(resource: PlannedResource, accountId = "000000000000", region = "eu-west-1"): string {
    return RESOURCE_MOCKS[resource.type].id(resource.name, resource.inputs, { accountId, region });
}
function named(plan: Plan, type: string, name: string): PlannedResource {
    const found = ofType(plan, type).find(r => r.name === name);
    assert.ok(found, `no ${type} named ${name} in the ${plan.stack} plan`);
    return found;
}
/** The component (Database or Search) a resource belongs to. */
const componentOf = (plan: Plan, r: PlannedResource) => ancestors(plan, r).find(a => a.type.startsWith("twine:index:"))!;
const inComponent = (plan: Plan, type: string, component: PlannedResource) =>
    ofType(plan, type).filter(r => componentOf(plan, r)?.urn === component.urn);
const dataSubnetIds = (plan: Plan) => (plan.outputs.dataSubnetIds as string[]).slice().sort();
const accountOf = (stack: string) => fixtureConfig(stack)["twine-infra:accountId"];

/** Every key anywhere in a value, with its path, for scans over whole plans. */
function* keysOf(value: unknown, path = ""): Generator<[string, string, unknown]> {
    if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) yield* keysOf(v, `${path}[${i}]`);
    } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            yield [`${path}.${k}`, k, v];
            yield* keysOf(v, `${path}.${k}`);
        }
    }
}

describe("data tier (over the plans)", () => {
    it("dev builds a database and a search domain per environment, prod one each", async () => {
        // GIVEN the committed stack files  WHEN planned  THEN one pair per environment, named after it
        const dev = await planOf("dev");
        const prod = await planOf("prod");
        assert.deepEqual(
            ofType(dev, INSTANCE)
                .map(r => r.inputs.identifier)
                .sort(),
            ["twine-integration", "twine-test"],
        );
        assert.deepEqual(
            ofType(dev, DOMAIN)
                .map(r => r.inputs.domainName)
                .sort(),
            ["twine-integration", "twine-test"],
        );
        assert.deepEqual(
            ofType(prod, INSTANCE).map(r => r.inputs.identifier),
            ["twine-production"],
        );
        assert.deepEqual(
            ofType(prod, DOMAIN).map(r => r.inputs.domainName),
            ["twine-production"],
        );
        assert.deepEqual(Object.keys(dev.outputs.environments as object).sort(), ["integration", "test"]);
        const production = (prod.outputs.environments as Record<string, Record<string, unknown>>).production;
        assert.match(String(production.databaseEndpoint), /^twine-production\..*\.rds\.amazonaws\.com$/);
        assert.equal(production.databasePort, 5432);
        assert.match(String(production.databaseSecretArn), /^arn:aws:secretsmanager:eu-west-1:444444444444:secret:rds!db-/);
        assert.match(String(production.searchEndpoint), /^vpc-twine-production-.*\.es\.amazonaws\.com$/);
    });

    for (const stack of ["dev", "prod"] as const) {
        describe(stack, () => {
            it("keeps every database and domain private, in the data subnets", async () => {
                const plan = await planOf(stack);
                for (const db of ofType(plan, INSTANCE)) {
                    assert.equal(db.inputs.publiclyAccessible, false, db.name);
                    const group = inComponent(plan, "aws:rds/subnetGroup:SubnetGroup", componentOf(plan, db))[0];
                    assert.equal(db.inputs.dbSubnetGroupName, idOf(group));
                    assert.deepEqual((group.inputs.subnetIds as string[]).slice().sort(), dataSubnetIds(plan));
                }
                for (const domain of ofType(plan, DOMAIN)) {
                    const vpc = domain.inputs.vpcOptions as { subnetIds: string[] };
                    assert.ok(vpc && vpc.subnetIds.length > 0, `${domain.name} is not in the VPC`);
                    for (const subnet of vpc.subnetIds)
                        assert.ok(dataSubnetIds(plan).includes(subnet), `${domain.name}: ${subnet} is not a data subnet`);
                }
                // Only the load balancers' groups take traffic from the Internet (test/appTier.test.ts checks those).
                for (const rule of ofType(plan, INGRESS).filter(r => !ancestors(plan, r).some(a => a.type === "twine:index:AppCluster"))) {
                    assert.notEqual(rule.inputs.cidrIpv4, "0.0.0.0/0", rule.name);
                    assert.equal(rule.inputs.cidrIpv6, undefined, rule.name);
                }
            });

            it(
                "encrypts everything: storage, secret and insights with a rotating key of their own; search at rest, between " +
                    "nodes, HTTPS only",
                async () => {
                    const plan = await planOf(stack);
                    const keyArns = (component: PlannedResource) =>
                        inComponent(plan, KEY, component).map(k => {
                            assert.equal(k.inputs.enableKeyRotation, true, k.name);
                            return `arn:aws:kms:eu-west-1:${accountOf(stack)}:key/${idOf(k)}`;
                        });
                    for (const db of ofType(plan, INSTANCE)) {
                        const [arn] = keyArns(componentOf(plan, db));
                        assert.equal(db.inputs.storageEncrypted, true);
                        assert.equal(db.inputs.kmsKeyId, arn);
                        assert.equal(db.inputs.masterUserSecretKmsKeyId, arn);
                        assert.equal(db.inputs.performanceInsightsKmsKeyId, arn);
                    }
                    for (const domain of ofType(plan, DOMAIN)) {
                        const [arn] = keyArns(componentOf(plan, domain));
                        assert.deepEqual(domain.inputs.encryptAtRest, { enabled: true, kmsKeyId: arn });
                        assert.deepEqual(domain.inputs.nodeToNodeEncryption, { enabled: true });
                        assert.deepEqual(domain.inputs.domainEndpointOptions, { enforceHttps: true, tlsSecurityPolicy: SEARCH_TLS_POLICY });
                    }
                },
            );

            it("creates the database the app opens, and tells each environment's app its name", async () => {
                // GIVEN the fixture stack  WHEN planned  THEN RDS creates a database (dbName) and the app servers' settings
                // name it: without dbName only PostgreSQL's "postgres" exists, and the app's grants name nothing.
                const plan = await planOf(stack);
                for (const db of ofType(plan, INSTANCE)) assert.equal(db.inputs.dbName, APP_DATABASE_NAME, db.name);
                for (const lt of ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate")) {
                    const userData = Buffer.from(String(lt.inputs.userData), "base64").toString("utf8");
                    assert.match(userData, new RegExp(`DATABASE_NAME="${APP_DATABASE_NAME}"`), lt.name);
                }
            });

            it("forces TLS on every database through its own parameter group", async () => {
                const plan = await planOf(stack);
                for (const db of ofType(plan, INSTANCE)) {
                    const [group] = inComponent(plan, "aws:rds/parameterGroup:ParameterGroup", componentOf(plan, db));
                    assert.equal(db.inputs.parameterGroupName, idOf(group));
                    assert.equal(group.inputs.family, parameterGroupFamily("postgres", String(db.inputs.engineVersion)));
                    assert.ok(
                        (group.inputs.parameters as { name: string; value: string }[]).some(
                            p => p.name === "rds.force_ssl" && p.value === "1",
                        ),
                    );
                }
            });

            it("backs up, monitors and logs every database and domain", async () => {
                const plan = await planOf(stack);
                for (const db of ofType(plan, INSTANCE)) {
                    assert.ok(
                        Number(db.inputs.backupRetentionPeriod) >= (stack === "prod" ? 14 : 7),
                        `${db.name} keeps ${db.inputs.backupRetentionPeriod} days`,
                    );
                    assert.equal(db.inputs.copyTagsToSnapshot, true);
                    assert.equal(db.inputs.autoMinorVersionUpgrade, true);
                    assert.equal(db.inputs.performanceInsightsEnabled, true);
                    assert.ok(Number(db.inputs.monitoringInterval) > 0);
                    assert.ok(Number(db.inputs.maxAllocatedStorage) > Number(db.inputs.allocatedStorage), "storage autoscaling");
                    assert.deepEqual(db.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
                    const [role] = inComponent(plan, "aws:iam/role:Role", componentOf(plan, db));
                    assert.equal(
                        JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal.Service,
                        "monitoring.rds.amazonaws.com",
                    );
                    // The log groups exist (with a retention) before RDS would create them without one.
                    const groups = inComponent(plan, "aws:cloudwatch/logGroup:LogGroup", componentOf(plan, db));
                    assert.deepEqual(groups.map(g => g.inputs.name).sort(), [
                        `/aws/rds/instance/${db.inputs.identifier}/postgresql`,
                        `/aws/rds/instance/${db.inputs.identifier}/upgrade`,
                    ]);
                    for (const g of groups) assert.ok(db.options.dependsOn.includes(g.urn) && Number(g.inputs.retentionInDays) > 0);
                }
                for (const domain of ofType(plan, DOMAIN)) {
                    assert.ok(domain.inputs.snapshotOptions, `${domain.name} has no snapshot options`);
                    const logs = domain.inputs.logPublishingOptions as {
                        logType: string;
                        enabled: boolean;
                        cloudwatchLogGroupArn: string;
                    }[];
                    assert.deepEqual(logs.map(l => l.logType).sort(), ["ES_APPLICATION_LOGS", "INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS"]);
                    const [policy] = inComponent(plan, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy", componentOf(plan, domain));
                    const statement = JSON.parse(String(policy.inputs.policyDocument)).Statement[0];
                    assert.equal(statement.Principal.Service, "es.amazonaws.com");
                    assert.deepEqual(
                        statement.Resource,
                        logs.map(l => `${l.cloudwatchLogGroupArn}:*`),
                    );
                    assert.equal(
                        statement.Condition.ArnLike["aws:SourceArn"],
                        `arn:aws:es:eu-west-1:${accountOf(stack)}:domain/${domain.inputs.domainName}`,
                    );
                    assert.ok(domain.options.dependsOn.includes(policy.urn));
                    // VPC domains cannot be created before OpenSearch's service-linked role exists in the account.
                    const [serviceRole] = ofType(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole");
                    assert.equal(serviceRole.inputs.awsServiceName, "opensearchservice.amazonaws.com");
                    // ...nor right after it is created: the domain waits for the role to propagate, which the
                    // provider does not retry on (components/data/searchServiceRole.ts).
                    const [wait] = ofType(plan, "command:local:Command").filter(c => c.options.dependsOn.includes(serviceRole.urn));
                    assert.ok(wait, "a wait after the service-linked role");
                    assert.ok(Number(/^sleep (\d+)$/.exec(String(wait.inputs.create))?.[1]) >= 30, String(wait.inputs.create));
                    assert.equal((wait.inputs.triggers as unknown[]).length, 1, "runs again only when the role is replaced");
                    assert.ok(domain.options.dependsOn.includes(wait.urn), "the domain waits for it");
                }
            });

            it("admits to each data store only its environment's app group, and the bastion to a database someone tunnels to", async () => {
                const plan = await planOf(stack);
                // The bastion host itself (/32), not its whole VPC: only it runs the admin tunnels.
                const bastionPlan = await planOf("bastion");
                const bastionCidr = `${bastionPlan.outputs.bastionPrivateIp}/32`;
                const tunnels = (bastionPlan.outputs.tunnelTargets as Record<string, string[]>)[stack] ?? [];
                for (const db of ofType(plan, INSTANCE)) {
                    const env = String(db.inputs.identifier).replace(/^twine-/, "");
                    const dbGroup = named(plan, SG, `${env}-database-sg`);
                    assert.deepEqual(db.inputs.vpcSecurityGroupIds, [idOf(dbGroup)]);
                    const rules = ofType(plan, INGRESS).filter(r => r.inputs.securityGroupId === idOf(dbGroup));
                    const sources = rules.map(r => r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4).sort();
                    const admitted = tunnels.includes(env) ? [bastionCidr] : [];
                    // Behind RDS Proxy (prod), the database admits the proxy and not the app hosts.
                    const proxy = ofType(plan, SG).find(g => g.name === `${env}-database-proxy-sg`);
                    assert.equal(proxy !== undefined, stack === "prod", "a proxy in prod only");
                    assert.deepEqual(sources, [...admitted, idOf(proxy ?? named(plan, SG, `${env}-app`))].sort());
                    for (const r of rules) assert.deepEqual([r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort], ["tcp", 5432, 5432]);
                }
                for (const domain of ofType(plan, DOMAIN)) {
                    const env = String(domain.inputs.domainName).replace(/^twine-/, "");
                    const group = named(plan, SG, `${env}-search-sg`);
                    assert.deepEqual((domain.inputs.vpcOptions as { securityGroupIds: string[] }).securityGroupIds, [idOf(group)]);
                    const rules = ofType(plan, INGRESS).filter(r => r.inputs.securityGroupId === idOf(group));
                    assert.deepEqual(
                        rules.map(r => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]),
                        [[idOf(named(plan, SG, `${env}-app`)), 443, 443]],
                    );
                    const appRole = named(plan, "aws:iam/role:Role", `${env}-app`);
                    const policy = JSON.parse(String(domain.inputs.accessPolicies));
                    // Admitted by the Allow; the Deny (no snapshot writes) names the same roles.
                    assert.deepEqual(
                        policy.Statement.filter((s: { Effect: string }) => s.Effect === "Allow").map(
                            (s: { Principal: unknown }) => s.Principal,
                        ),
                        [{ AWS: [`arn:aws:iam::${accountOf(stack)}:role${appRole.inputs.path ?? "/"}${idOf(appRole)}`] }],
                    );
                    assert.equal(policy.Statement[0].Resource, `arn:aws:es:eu-west-1:${accountOf(stack)}:domain/twine-${env}/*`);
                }
                // The app groups themselves: ingress only from their load balancer (the app tier), egress to their data
                // tier and HTTPS to AWS APIs.
                for (const env of Object.keys(plan.outputs.environments as object)) {
                    const app = named(plan, SG, `${env}-app`);
                    const ingress = ofType(plan, INGRESS).filter(r => r.inputs.securityGroupId === idOf(app));
                    assert.deepEqual(
                        ingress.map(r => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort]),
                        [[idOf(named(plan, SG, `${env}-alb`)), 8080]],
                    );
                    assert.equal(app.inputs.ingress, undefined);
                    const egress = ofType(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(
                        r => r.inputs.securityGroupId === idOf(app),
                    );
                    assert.deepEqual(
                        egress.map(r => [r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4, r.inputs.fromPort]).sort(),
                        [
                            // The proxy in front of the database when there is one (prod), else the database.
                            [
                                idOf(
                                    ofType(plan, SG).find(g => g.name === `${env}-database-proxy-sg`) ??
                                        named(plan, SG, `${env}-database-sg`),
                                ),
                                5432,
                            ],
                            [idOf(named(plan, SG, `${env}-search-sg`)), 443],
                            ["0.0.0.0/0", 443],
                        ].sort(),
                    );
                }
            });

            it(
                stack === "prod"
                    ? "protects production data: Multi-AZ, deletion protection, final snapshot, protect, zone awareness, dedicated masters"
                    : "leaves dev data disposable: no protect, no final snapshot",
                async () => {
                    const plan = await planOf(stack);
                    const prod = stack === "prod";
                    for (const db of ofType(plan, INSTANCE)) {
                        assert.equal(db.options.protect, prod);
                        assert.equal(db.inputs.multiAz, prod);
                        assert.equal(db.inputs.deletionProtection, prod);
                        assert.equal(db.inputs.skipFinalSnapshot, !prod);
                        assert.equal(db.inputs.finalSnapshotIdentifier, prod ? `${db.inputs.identifier}-final` : undefined);
                    }
                    for (const domain of ofType(plan, DOMAIN)) {
                        const cluster = domain.inputs.clusterConfig as Record<string, unknown>;
                        assert.equal(domain.options.protect, prod);
                        assert.equal(cluster.zoneAwarenessEnabled, prod);
                        assert.equal(cluster.dedicatedMasterEnabled, prod);
                        if (prod) {
                            assert.deepEqual(cluster.zoneAwarenessConfig, { availabilityZoneCount: 3 });
                            assert.equal(Number(cluster.instanceCount) % 3, 0);
                            assert.equal((domain.inputs.vpcOptions as { subnetIds: string[] }).subnetIds.length, 3);
                        }
                    }
                    // A destroy must not take the keys with it: a deleted key leaves the final snapshot and the
                    // retained automated backups encrypted with nothing that can open them.
                    for (const key of ofType(plan, KEY).filter(k => componentOf(plan, k))) {
                        assert.equal(key.options.protect, prod, key.name);
                        if (["twine:index:Database", "twine:index:Search"].includes(componentOf(plan, key).type))
                            assert.equal(key.options.retainOnDelete, prod, `${key.name} retainOnDelete`);
                    }
                },
            );
        });
    }

    it("keeps a copy of prod's database backups in a locked vault no one in the account can empty; dev has none", async () => {
        // GIVEN the fixture stacks  WHEN planned  THEN prod's instance is selected by a daily AWS Backup plan whose copy
        // lands in a logically air-gapped vault (compliance-mode Vault Lock, AWS owned key) for its locked retention
        const prod = await planOf("prod");
        const [db] = ofType(prod, INSTANCE);
        const [locked] = ofType(prod, "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault");
        assert.ok(locked, "no logically air-gapped vault in prod");
        assert.deepEqual([locked.options.protect, locked.options.retainOnDelete], [true, true]);
        const [plan] = ofType(prod, "aws:backup/plan:Plan");
        const [rule] = plan.inputs.rules as {
            targetVaultName: string;
            copyActions: { destinationVaultArn: string; lifecycle: { deleteAfter: number } }[];
        }[];
        const [copy] = rule.copyActions;
        // The offline plan's generic ARN for the vault: arn:aws:backup:<region>:<account>:<name>/<id>.
        assert.match(copy.destinationVaultArn, new RegExp(`^arn:aws:backup:eu-west-1:${accountOf("prod")}:${locked.name}/`));
        // The lock refuses a copy whose retention lies outside the vault's bounds: the copy would never land.
        assert.ok(
            copy.lifecycle.deleteAfter >= Number(locked.inputs.minRetentionDays) &&
                copy.lifecycle.deleteAfter <= Number(locked.inputs.maxRetentionDays),
        );
        assert.ok(Number(locked.inputs.minRetentionDays) >= 7);
        const [daily] = ofType(prod, "aws:backup/vault:Vault");
        assert.equal(rule.targetVaultName, daily.inputs.name);
        // A destroy empties the daily vault instead of stopping on its recovery points; the locked copies stay.
        assert.equal(daily.inputs.forceDestroy, true);
        const [selection] = ofType(prod, "aws:backup/selection:Selection");
        assert.deepEqual(selection.inputs.resources, [`arn:aws:rds:eu-west-1:${accountOf("prod")}:db:${idOf(db)}`]);
        const role = ofType(prod, "aws:iam/role:Role").find(r => componentOf(prod, r)?.type === "twine:index:BackupCopy")!;
        // AWS Backup's role trusts the service alone: no aws:SourceAccount, which AWS Backup documents for resource
        // policies only and which, unsent, would fail every job (components/account/iamPolicy.ts backupTrustPolicy).
        assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement, [
            { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        assert.deepEqual(ofType(await planOf("dev"), "aws:backup/plan:Plan"), []);
    });

    it("puts no password in any resource's inputs or any stack's outputs", async () => {
        // RDS generates the master password and keeps it in Secrets Manager; only the flag that says so may appear.
        for (const stack of ["dns", "bastion", "dev", "prod"] as const) {
            const plan = await planOf(stack);
            for (const r of plan.resources) {
                for (const [path, key, value] of keysOf(r.inputs)) {
                    if (/pass(word|wd)|secretString/i.test(key)) {
                        // A value the stack makes itself may be stored, as a secret only.
                        const managed = key === "manageMasterUserPassword" && value === true;
                        assert.ok(
                            managed || (key === "secretString" && value === "[secret]"),
                            `${r.urn} has ${path} = ${JSON.stringify(value)}`,
                        );
                    }
                }
            }
            for (const [path, key] of keysOf(plan.outputs)) assert.doesNotMatch(key, /pass(word|wd)/i, `${stack} outputs ${path}`);
        }
    });

    it("shares one database and domain between dev environments when config says so", async () => {
        // GIVEN test shares the data tier of integration  WHEN planned  THEN one of each, admitting both app tiers
        const config = withPath(fixtureConfig("dev"), ENVS, "test", { shareDataWith: "integration" });
        const plan = await planWithConfig("dev", writeStackFile(config));
        assert.deepEqual(
            ofType(plan, INSTANCE).map(r => r.inputs.identifier),
            ["twine-integration"],
        );
        assert.deepEqual(
            ofType(plan, DOMAIN).map(r => r.inputs.domainName),
            ["twine-integration"],
        );
        const dbGroup = idOf(named(plan, SG, "integration-database-sg"));
        const admitted = ofType(plan, INGRESS).filter(r => r.inputs.securityGroupId === dbGroup && r.inputs.referencedSecurityGroupId);
        assert.deepEqual(
            admitted.map(r => r.inputs.referencedSecurityGroupId).sort(),
            ["integration-app", "test-app"].map(n => idOf(named(plan, SG, n))).sort(),
        );
        const principals = JSON.parse(String(ofType(plan, DOMAIN)[0].inputs.accessPolicies)).Statement[0].Principal.AWS;
        assert.equal(principals.length, 2);
        // Both show the same data tier (their app tiers stay their own).
        const outputs = plan.outputs.environments as Record<string, Record<string, unknown>>;
        for (const key of ["databaseEndpoint", "databasePort", "databaseSecretArn", "searchEndpoint"])
            assert.equal(outputs.test[key], outputs.integration[key], key);
        assert.notEqual(outputs.test.albDnsName, outputs.integration.albDnsName);
    });
});

describe("data tier helpers", () => {
    it("derives the parameter group family, TLS parameter, port and log exports per engine", () => {
        assert.equal(parameterGroupFamily("postgres", "16"), "postgres16");
        assert.equal(parameterGroupFamily("postgres", "16.4"), "postgres16");
        assert.equal(parameterGroupFamily("mysql", "8.0.39"), "mysql8.0");
        assert.deepEqual(tlsParameter("postgres"), { name: "rds.force_ssl", value: "1" });
        assert.deepEqual(tlsParameter("mysql"), { name: "require_secure_transport", value: "1" });
        assert.deepEqual([defaultPort("postgres"), defaultPort("mysql")], [5432, 3306]);
        assert.deepEqual(logExports("mysql"), ["error", "slowquery"]);
    });

    it("accepts engine versions RDS takes and refuses others", () => {
        for (const good of ["16", "16.4", "17.2", "11"]) assert.equal(engineVersionProblem("postgres", good), undefined, good);
        for (const bad of ["16.4.1", "v16", "9.6", "latest", "16."])
            assert.match(String(engineVersionProblem("postgres", bad)), /Fix: /, bad);
        assert.equal(engineVersionProblem("mysql", "8.0.39"), undefined);
        assert.match(String(engineVersionProblem("mysql", "5.7")), /Fix: /);
    });

    it("defaults by role: dev small and single-AZ, prod Multi-AZ with three search AZs and dedicated masters", () => {
        const [integration, test] = resolveEnvironments("dev", 2, undefined);
        assert.deepEqual([integration.name, test.name], ["integration", "test"]);
        assert.equal(integration.database.multiAz, false);
        assert.equal(integration.database.backupRetentionDays, 7);
        assert.deepEqual([integration.search.availabilityZones, integration.search.dedicatedMasterCount], [1, 0]);
        const [production] = resolveEnvironments("prod", 3, undefined);
        assert.equal(production.name, "production");
        assert.equal(production.database.multiAz, true);
        assert.ok(production.database.backupRetentionDays >= 14);
        assert.deepEqual(
            [production.search.availabilityZones, production.search.instanceCount, production.search.dedicatedMasterCount],
            [3, 3, 3],
        );
        // A two-AZ prod VPC gets a two-AZ domain by default, so the default is never itself invalid.
        assert.equal(resolveEnvironments("prod", 2, undefined)[0].search.availabilityZones, 2);
    });

    it("writes an access policy that names only the given roles, on this domain only", () => {
        const policy = searchAccessPolicy("arn:aws:es:eu-west-1:1:domain/d", ["arn:b", "arn:a"]);
        assert.deepEqual(policy.Statement[0].Principal, { AWS: ["arn:a", "arn:b"] });
        assert.equal(policy.Statement[0].Resource, "arn:aws:es:eu-west-1:1:domain/d/*");
    });
});

describe("database admin tunnels through the bastion", () => {
    // GIVEN the fixtures, with a bastion whose only database tunnel in dev is bob's to integration.
    let tree: string;
    const plans = new Map<string, Promise<Plan>>();
    const planInTree = (stack: "bastion" | "dev") => {
        if (!plans.has(stack))
            plans.set(
                stack,
                // The bastion as deployed after dev: it reads dev's data subnets from dev's outputs.
                serialPlan(() => planStack(stack, { projectDir: tree, peers: "deployed" })),
            );
        return plans.get(stack)!;
    };
    before(async () => {
        tree = fs.mkdtempSync(path.join(os.tmpdir(), "twine-tunnels-"));
        for (const f of fs.readdirSync(FIXTURES).filter(f => /^Pulumi\..*yaml$/.test(f)))
            fs.copyFileSync(path.join(FIXTURES, f), path.join(tree, f));
        const file = path.join(tree, "Pulumi.bastion.yaml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        const host = doc.config["twine-infra:bastionHost"];
        host.peers.dev.access = { integration: { login: ["bob"], tunnel: ["bob"] }, test: { login: ["bob"] } };
        fs.writeFileSync(file, stringify(doc));
    });
    after(() => fs.rmSync(tree, { recursive: true, force: true }));

    it("the runbook names the rule a first tunnel grant adds to the environment stack's preview as the plan names it", async () => {
        const [bastion, dev] = [await planInTree("bastion"), await planInTree("dev")];
        const runbook = fs.readFileSync(path.join(FIXTURES, "..", "..", "docs", "runbook.md"), "utf8");
        const cited = /`\+ <env>(-[a-z-]+)`/.exec(runbook.slice(runbook.indexOf("## 4. Granting")))?.[1];
        assert.ok(cited, "runbook section 4 names the rule a first tunnel grant adds");
        const rule = dev.resources.find(r => r.name === `integration${cited}`);
        assert.equal(rule?.inputs.cidrIpv4, `${bastion.outputs.bastionPrivateIp}/32`);
    });

    it("admits the bastion to the database of an environment someone tunnels to, and to no other in that account", async () => {
        const [bastion, dev] = [await planInTree("bastion"), await planInTree("dev")];
        assert.deepEqual(bastion.outputs.tunnelTargets, { dev: ["integration"], prod: [] });
        const fromBastion = (env: string) =>
            ofType(dev, INGRESS).filter(
                r =>
                    r.inputs.securityGroupId === idOf(named(dev, SG, `${env}-database-sg`), accountOf("dev")) &&
                    r.inputs.cidrIpv4 === `${bastion.outputs.bastionPrivateIp}/32`,
            );
        assert.equal(fromBastion("integration").length, 1, "integration's database admits the bastion");
        assert.deepEqual(fromBastion("test"), [], "no one tunnels to test: its database must not admit the bastion");
    });

    it("the bastion opens its database-port egress to the account's data subnets only, not its whole block", async () => {
        const [bastion, dev] = [await planInTree("bastion"), await planOf("dev")];
        const data = (dev.outputs.dataSubnetCidrs as string[]).slice().sort();
        assert.ok(data.length > 0);
        const rules = ofType(bastion, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(r =>
            /^bastion-to-dev-(3306|5432)/.test(r.name),
        );
        for (const port of [3306, 5432]) {
            assert.deepEqual(
                rules
                    .filter(r => r.inputs.fromPort === port)
                    .map(r => r.inputs.cidrIpv4)
                    .sort(),
                data,
                `port ${port}`,
            );
        }
        for (const stack of ["dev", "prod"] as const) {
            const env = await planOf(stack);
            assert.deepEqual(
                ofType(env, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(r => /bastion-db/.test(r.name)),
                [],
                stack,
            );
        }
    });
});
