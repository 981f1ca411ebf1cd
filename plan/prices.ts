/**
 * On-demand list prices the cost estimate (plan/cost.ts) multiplies by what the plan declares, in USD, each with
 * its region, its source and the date it was read there. Only fixed, always-on charges are here; the estimate
 * leaves out everything that grows with use (see LEFT_OUT). A price missing for a region or an instance type
 * makes the estimate say so rather than guess: add a row here.
 *
 * A month is 730 hours, as the AWS Pricing Calculator counts it. The figures were transcribed from the AWS price
 * pages named beside them; the build machines cannot reach those pages, so re-read them before budgeting on a figure,
 * and update the row and its date when a price moves.
 */
export interface Price {
    /** What is priced: "ec2:t3.small", "natGateway", "rds:postgres:db.t4g.medium", "ebs:gp3"... */
    readonly item: string;
    readonly region: string;
    readonly usd: number;
    readonly per: "hour" | "GiB-month" | "month";
    /** Where the figure was read. */
    readonly source: string;
    /** The month the figure was current at its source (YYYY-MM). */
    readonly date: string;
}

export const HOURS_PER_MONTH = 730;

/** What the estimate does not count, printed beside every estimate. */
export const LEFT_OUT =
    "traffic (data transfer, NAT data processing), requests (load balancer LCUs, WAF and KMS requests), storage growth " +
    "(RDS storage autoscaling, snapshots and backups, S3 objects, CloudWatch Logs), usage-priced services (CloudTrail, " +
    "GuardDuty, Secrets Manager, Route 53 queries), and the short-lived instances Packer builds on";

const EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, shared tenancy)";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const RDS = "https://aws.amazon.com/rds/postgresql/pricing/ (on-demand, Single-AZ; Multi-AZ is twice)";
const OPENSEARCH = "https://aws.amazon.com/opensearch-service/pricing/ (on-demand)";
const EBS = "https://aws.amazon.com/ebs/pricing/";
const KMS = "https://aws.amazon.com/kms/pricing/";
const WAF = "https://aws.amazon.com/waf/pricing/";
const ROUTE53 = "https://aws.amazon.com/route53/pricing/";
const DATE = "2025-01";
const IE = "eu-west-1";

const row = (item: string, usd: number, per: Price["per"], source: string): Price => ({ item, region: IE, usd, per, source, date: DATE });

export const PRICES: readonly Price[] = [
    row("ec2:t3.micro", 0.0114, "hour", EC2),
    row("ec2:t3.small", 0.0228, "hour", EC2),
    row("ec2:t3.medium", 0.0456, "hour", EC2),
    row("ec2:t3.large", 0.0912, "hour", EC2),
    row("ec2:m7i.large", 0.1124, "hour", EC2),
    row("ec2:m7i.xlarge", 0.2247, "hour", EC2),
    row("natGateway", 0.048, "hour", VPC),
    // Every public IPv4 address, attached or not, since February 2024 (an Elastic IP of a NAT gateway or the bastion).
    row("publicIpv4", 0.005, "hour", VPC),
    row("alb", 0.0252, "hour", `${ELB} (hourly charge only; LCUs are usage)`),
    row("nlb", 0.0252, "hour", `${ELB} (hourly charge only; NLCUs are usage)`),
    row("rds:postgres:db.t4g.micro", 0.018, "hour", RDS),
    row("rds:postgres:db.t4g.medium", 0.072, "hour", RDS),
    row("rds:postgres:db.m7g.large", 0.183, "hour", RDS),
    row("rds:gp3", 0.127, "GiB-month", `${RDS} (gp3 storage; Multi-AZ is twice)`),
    row("opensearch:t3.small.search", 0.04, "hour", OPENSEARCH),
    row("opensearch:t3.medium.search", 0.08, "hour", OPENSEARCH),
    row("opensearch:m7g.large.search", 0.152, "hour", OPENSEARCH),
    row("opensearch:gp3", 0.134, "GiB-month", `${OPENSEARCH} (gp3 EBS storage)`),
    row("ebs:gp3", 0.088, "GiB-month", EBS),
    row("ebs:gp2", 0.11, "GiB-month", EBS),
    row("kms:key", 1, "month", `${KMS} (customer managed key, before requests)`),
    row("waf:webAcl", 5, "month", `${WAF} (per web ACL, before requests)`),
    row("waf:rule", 1, "month", `${WAF} (per rule in a web ACL)`),
    row("route53:zone", 0.5, "month", `${ROUTE53} (hosted zone, first 25)`),
];

export function priceOf(item: string, region: string, prices: readonly Price[] = PRICES): Price | undefined {
    return prices.find(p => p.item === item && p.region === region);
}
