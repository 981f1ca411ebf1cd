import { AppCluster, AppClusterArgs } from "../../components/app/appCluster";
import { AppIdentity } from "../../components/app/appIdentity";
import { withAppTierDefaults } from "../../config/appTier";

/** A "staging" cluster from hand-written args (no stack file) with the role's defaults, and `overrides` on top. */
export function stagingCluster(overrides: Partial<AppClusterArgs> = {}, role: "dev" | "prod" = "dev"): AppCluster {
    const identity = new AppIdentity("staging", { environment: "staging", vpcId: "vpc-1" });
    return new AppCluster("staging", {
        ...withAppTierDefaults(role, "staging"),
        environment: "staging",
        accountId: "123456789012",
        region: "eu-west-1",
        vpcId: "vpc-1",
        publicSubnetIds: ["subnet-a", "subnet-b"],
        privateSubnetIds: ["subnet-c", "subnet-d"],
        amiId: "ami-0123456789abcdef0",
        hostNames: [{ name: "staging.dev.example.com", zoneId: "Z1" }],
        deletionProtection: false,
        accessLogBucket: "twine-s3-access-logs-123456789012-eu-west-1",
        hostLogRetentionDays: 30,
        identity,
        settings: {},
        tags: {},
        ...overrides,
    });
}
