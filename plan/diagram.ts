/**
 * The architecture diagram, drawn from the offline plans of the four stacks: accounts as boxes, the notable
 * resources in each, and what crosses accounts (delegation, peering, roles, the promoted AMI) as labelled edges.
 * Pure: plans in, a graph out, rendered as Mermaid (GitHub draws it in the README) and as Graphviz DOT (for the
 * committed image).
 */
import { createHash } from "crypto";
import { Plan, PlannedResource } from "./run";
import { assumedRoleName } from "./providerRole";

export interface DiagramNode {
    readonly id: string;
    readonly account: string;
    readonly label: string;
}

export interface DiagramEdge {
    readonly from: string;
    readonly to: string;
    readonly label: string;
}

export interface Diagram {
    readonly accounts: readonly { readonly stack: string; readonly label: string }[];
    readonly nodes: readonly DiagramNode[];
    readonly edges: readonly DiagramEdge[];
}

const nodeId = (stack: string, urn: string) => `n${createHash("sha256").update(`${stack}\u0000${urn}`).digest("hex").slice(0, 8)}`;

type Labeller = (r: PlannedResource, plan: Plan) => string | undefined;

/** Resource types worth a box, and how to label them. Everything else stays out of the picture. */
export const NODE_LABELS: Readonly<Record<string, Labeller>> = {
    "aws:route53/zone:Zone": r => `Route53 zone ${r.inputs.name}`,
    "aws:ec2/vpc:Vpc": r => `VPC ${r.inputs.cidrBlock}`,
    "aws:ec2/natGateway:NatGateway": () => "NAT gateway",
    "aws:ec2/instance:Instance": r => (r.name.includes("jenkins") ? undefined : `EC2 ${r.name}`),
    "aws:lb/loadBalancer:LoadBalancer": r => `ALB ${r.name.replace(/-alb$/, "")}`,
    "aws:autoscaling/group:Group": r => `Auto Scaling group ${r.name.replace(/-app$/, "")}`,
    "aws:wafv2/webAcl:WebAcl": r => `WAF ${r.name.replace(/-waf$/, "")}`,
    "aws:rds/instance:Instance": r => `RDS ${r.inputs.engine ?? ""} ${r.name}`.replace(/\s+/g, " "),
    "aws:opensearch/domain:Domain": r => `OpenSearch ${r.name}`,
    "aws:ecr/repository:Repository": r => `ECR ${r.name}`,
    "twine:index:PackerImage": () => "Packer build: app AMI",
    "twine:index:Jenkins": () => "Jenkins in Docker",
    "twine:index:AptRepo": () => "apt repository (S3, Aptly)",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": () => "VPC peering to the bastion",
    "aws:cloudtrail/trail:Trail": () => "CloudTrail",
};

/** Collapses repeated boxes (three NAT gateways) into one labelled with the count. */
function countLabel(label: string, count: number): string {
    return count > 1 ? `${label} x${count}` : label;
}

function accountOf(plans: readonly Plan[], accountId: string | undefined): string | undefined {
    return plans.find(p => p.outputs.accountId === accountId)?.stack;
}

export function architectureDiagram(plans: readonly Plan[]): Diagram {
    const nodes: DiagramNode[] = [];
    const edges: DiagramEdge[] = [];
    const accounts = plans.map(p => ({ stack: p.stack, label: `${p.stack} account (${String(p.outputs.accountId ?? "?")})` }));

    for (const plan of plans) {
        const grouped = new Map<string, { first: PlannedResource; count: number }>();
        for (const r of plan.resources) {
            const label = NODE_LABELS[r.type]?.(r, plan);
            if (!label) continue;
            const entry = grouped.get(label);
            if (entry) entry.count++;
            else grouped.set(label, { first: r, count: 1 });
        }
        for (const [label, { first, count }] of grouped)
            nodes.push({ id: nodeId(plan.stack, first.urn), account: plan.stack, label: countLabel(label, count) });

        // Load balancer -> group, inside one AppCluster (its endpoint's and its fleet's).
        const byUrn = new Map(plan.resources.map(r => [r.urn, r]));
        const clusterOf = (r: PlannedResource): string | undefined => {
            for (let at = r.parent ? byUrn.get(r.parent) : undefined; at; at = at.parent ? byUrn.get(at.parent) : undefined) {
                if (at.type === "twine:index:AppCluster") return at.urn;
            }
            return undefined;
        };
        const sameCluster = (a: PlannedResource, b: PlannedResource) => clusterOf(a) !== undefined && clusterOf(a) === clusterOf(b);
        for (const group of plan.resources.filter(r => r.type === "aws:autoscaling/group:Group")) {
            const alb = plan.resources.find(r => r.type === "aws:lb/loadBalancer:LoadBalancer" && sameCluster(r, group));
            if (alb) edges.push({ from: nodeId(plan.stack, alb.urn), to: nodeId(plan.stack, group.urn), label: "HTTPS to app port" });
        }

        // Within an environment: the WAF guards its load balancer; the group talks to its own data stores.
        const find = (type: string, pred: (r: PlannedResource) => boolean) => plan.resources.find(r => r.type === type && pred(r));
        const node = (r: PlannedResource | undefined) => (r ? nodeId(plan.stack, r.urn) : undefined);
        const link = (from: string | undefined, to: string | undefined, label: string) => {
            if (from && to) edges.push({ from, to, label });
        };
        for (const group of plan.resources.filter(r => r.type === "aws:autoscaling/group:Group")) {
            const env = group.name.replace(/-app$/, "");
            link(
                node(find("aws:wafv2/webAcl:WebAcl", r => sameCluster(r, group))),
                node(find("aws:lb/loadBalancer:LoadBalancer", r => sameCluster(r, group))),
                "filters",
            );
            link(node(group), node(find("aws:rds/instance:Instance", r => r.name === `${env}-database-instance`)), "SQL over TLS");
            link(node(group), node(find("aws:opensearch/domain:Domain", r => r.name === `${env}-search-domain`)), "HTTPS, signed");
        }
        const apt = node(find("twine:index:AptRepo", () => true));
        link(node(find("twine:index:Jenkins", () => true)), apt, "publishes packages");
        link(apt, node(find("twine:index:PackerImage", () => true)), "installs from");
        const bastionVpc = plans.find(p => p.stack === "bastion")?.resources.find(r => r.type === "aws:ec2/vpc:Vpc");
        const peering = find("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", () => true);
        if (peering && bastionVpc) link(nodeId("bastion", bastionVpc.urn), node(peering), "SSH (22) from the bastion");

        // Writes into another account through an assumed role: one edge per (target account, role).
        const providers = new Map(plan.resources.filter(r => r.type === "pulumi:providers:aws").map(p => [p.urn, p]));
        const writes = new Map<string, { target: string; role: string; count: number }>();
        for (const r of plan.resources) {
            const provider = r.provider ? providers.get(r.provider) : undefined;
            const role = provider && assumedRoleName(provider.inputs);
            const target = accountOf(plans, (provider?.inputs.allowedAccountIds as string[] | undefined)?.[0]);
            if (!role || !target || target === plan.stack) continue;
            const key = `${target}\u0000${role}`;
            const entry = writes.get(key) ?? { target, role, count: 0 };
            entry.count++;
            writes.set(key, entry);
        }
        for (const { target, role, count } of writes.values()) {
            edges.push({
                from: `account_${plan.stack}`,
                to: `account_${target}`,
                label: `assumes ${role} (${count} resource${count === 1 ? "" : "s"})`,
            });
        }

        // Reads through StackReferences.
        for (const ref of plan.resources.filter(r => r.type === "pulumi:pulumi:StackReference")) {
            const upstream = String(ref.inputs.name).split("/").pop()!;
            // Only the read that carries a design decision is drawn: prod runs the image dev built and tested. The
            // other reads (ids, CIDRs, role ARNs) follow the deploy order and the role edges already show them.
            if (upstream === "dev" && plan.stack === "prod" && plans.some(p => p.stack === upstream)) {
                edges.push({
                    from: `account_${upstream}`,
                    to: `account_${plan.stack}`,
                    label: "tested AMI id (launch permission, KMS grant)",
                });
            }
        }
    }
    return { accounts, nodes, edges: dedupe(edges) };
}

function dedupe(edges: DiagramEdge[]): DiagramEdge[] {
    const seen = new Set<string>();
    return edges.filter(e => {
        const key = `${e.from}|${e.to}|${e.label}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

const mermaidText = (s: string) => s.replace(/"/g, "'");

export function renderMermaid(diagram: Diagram): string {
    const lines = ["flowchart LR"];
    for (const account of diagram.accounts) {
        lines.push(`  subgraph account_${account.stack}["${mermaidText(account.label)}"]`);
        for (const node of diagram.nodes.filter(n => n.account === account.stack))
            lines.push(`    ${node.id}["${mermaidText(node.label)}"]`);
        lines.push("  end");
    }
    for (const edge of diagram.edges) lines.push(`  ${edge.from} -->|"${mermaidText(edge.label)}"| ${edge.to}`);
    return `${lines.join("\n")}\n`;
}

const dotText = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

export function renderDot(diagram: Diagram): string {
    const lines = [
        "digraph twine {",
        '  rankdir=LR; newrank=true; fontname="Helvetica"; node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", ' +
            'fontname="Helvetica", fontsize=10]; edge [fontname="Helvetica", fontsize=9];',
    ];
    for (const account of diagram.accounts) {
        lines.push(`  subgraph cluster_${account.stack} {`, `    label="${dotText(account.label)}"; style="rounded"; color="#5b6b7f";`);
        // An invisible anchor per account lets account-to-account edges attach to the box.
        lines.push(`    account_${account.stack} [shape=point, style=invis, width=0];`);
        for (const node of diagram.nodes.filter(n => n.account === account.stack))
            lines.push(`    ${node.id} [label="${dotText(node.label)}"];`);
        lines.push("  }");
    }
    for (const edge of diagram.edges) {
        // Account-to-account edges end on the account's invisible anchor (clipping to the cluster box with
        // lhead/ltail makes Graphviz fail on graphs like this one).
        lines.push(`  ${edge.from} -> ${edge.to} [label="${dotText(edge.label)}"];`);
    }
    lines.push("}");
    return `${lines.join("\n")}\n`;
}
