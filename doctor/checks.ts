/**
 * `twine-infra doctor <stack>`: what the next `pulumi up` of a stack needs from its AWS account that the offline
 * plan cannot see, checked with read-only calls and the credentials in the environment. Verdicts are plain data
 * (this file); doctor/run.ts makes the calls and prints one line per check.
 */
import type { ArchiveRuleSpec } from "../components/account/expectedAccessConfig";
import { peakServers } from "../components/app/fleetPeakConfig";
import { EnvStackConfig } from "../config";
import type { StateReading } from "./pulumiState";

/**
 * ok: ready. fail: the next `up` fails or duplicates something. unknown: the check could not be made. pending: what it
 * checks does not exist yet and the next `up` makes it (the registrar's NS before the apex zone): not a pass, printed
 * as "not yet", but nothing that stops that `up`, so it leaves the exit status to the other checks.
 */
export type Verdict = "ok" | "fail" | "unknown" | "pending";

export interface Check {
    readonly name: string;
    readonly verdict: Verdict;
    /** What was found. */
    readonly detail: string;
    /** What to do, when not ok: a command, a config key, or the permission the check needs. */
    readonly fix?: string;
}

/** Exit statuses, documented in docs/runbook.md. */
export const DOCTOR_EXIT = {
    ready: 0,
    failed: 1,
    invalidInput: 2,
    noCredentials: 3,
    wrongAccount: 4,
    unknown: 5,
    /** doctor itself failed (a bug, or an AWS answer it did not expect): nothing was decided about the account. */
    crashed: 6,
} as const;

/** The exit status for a set of checks: a failure first, then an unknown (never counted as passed). */
export function exitStatus(checks: readonly Check[]): number {
    if (checks.some(c => c.verdict === "fail")) return DOCTOR_EXIT.failed;
    if (checks.some(c => c.verdict === "unknown")) return DOCTOR_EXIT.unknown;
    return DOCTOR_EXIT.ready;
}

export function formatCheck(check: Check): string {
    const mark = { ok: "ok     ", fail: "FAIL   ", unknown: "unknown", pending: "not yet" }[check.verdict];
    return `${mark} ${check.name}: ${check.detail}${check.fix ? ` Fix: ${check.fix}` : ""}`;
}

/** Error names AWS uses when the caller lacks a permission. */
export function isAccessDenied(err: unknown): boolean {
    const name = (err as { name?: string })?.name ?? "";
    return /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized/i.test(name);
}

/** An unknown verdict for a call that failed: the permission it needs when access was denied, else the error. */
export function unknownFrom(name: string, err: unknown, permission: string): Check {
    const message = (err as Error)?.message ?? String(err);
    return isAccessDenied(err)
        ? { name, verdict: "unknown", detail: `not allowed to check (${message})`, fix: `run doctor with ${permission}` }
        : {
              name,
              verdict: "unknown",
              detail: `could not check: ${message}`,
              fix: `check that ${permission} works in this account and Region`,
          };
}

/**
 * vCPUs of an instance type, by AWS's size naming for the families the stacks use (t3, m7i, c7i, r7i...):
 * large 2, xlarge 4, Nxlarge 4N; burstable t sizes below large have 2
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html). Undefined for a size it does not know.
 */
export function vcpusOf(instanceType: string): number | undefined {
    const size = instanceType.split(".")[1] ?? "";
    if (size === "large") return 2;
    if (size === "xlarge") return 4;
    const n = /^(\d+)xlarge$/.exec(size);
    if (n) return 4 * Number(n[1]);
    if (instanceType.startsWith("t") && ["nano", "micro", "small", "medium"].includes(size)) return 2;
    return undefined;
}

/**
 * The most instances the stack runs at once: each environment's group at its peak (peakServers: an instance refresh
 * of a full group runs to 110 % of maxSize, and the warm pool's servers run while they are prepared), Jenkins and
 * the Packer build in dev. maxSize alone would pass a quota the first refresh at full size runs into.
 */
export function fleetPeak(config: EnvStackConfig): { what: string; instanceType: string; count: number }[] {
    const fleet = config.environments.map(e => {
        const peak = peakServers({ minSize: e.app.minSize, maxSize: e.app.maxSize, warmPool: e.app.warmPool });
        const how = `refresh of ${e.app.maxSize} to ${peak.refresh}${peak.warmPool ? ` + warm pool ${peak.warmPool}` : ""}`;
        return { what: `${e.name} app (${how})`, instanceType: e.app.instanceType, count: peak.total };
    });
    if (config.accountRole === "dev") {
        fleet.push({ what: "Jenkins", instanceType: config.buildTooling.jenkins.instanceType, count: 1 });
        if (config.image.build) fleet.push({ what: "Packer build", instanceType: config.image.instanceType, count: 1 });
    }
    return fleet;
}

/** The Running On-Demand Standard instances quota (L-1216C47A, in vCPUs) against the stack's largest fleet. */
export function quotaCheck(quota: number, fleet: readonly { what: string; instanceType: string; count: number }[]): Check {
    const name = "EC2 On-Demand vCPU quota (L-1216C47A)";
    const unknownTypes = fleet.filter(f => vcpusOf(f.instanceType) === undefined).map(f => f.instanceType);
    const needed = fleet.reduce((sum, f) => sum + f.count * (vcpusOf(f.instanceType) ?? 0), 0);
    const parts = fleet.map(f => `${f.what} ${f.count} x ${f.instanceType}`).join(", ");
    if (unknownTypes.length > 0) {
        return { name, verdict: "unknown", detail: `no vCPU count for ${unknownTypes.join(", ")}`, fix: "compare the quota by hand" };
    }
    return needed <= quota
        ? { name, verdict: "ok", detail: `${quota} vCPUs, the stack needs at most ${needed} (${parts}).` }
        : {
              name,
              verdict: "fail",
              detail: `${quota} vCPUs, but the stack can run ${needed} (${parts}): scale-out and instance refresh stop at the quota.`,
              fix: `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-1216C47A --desired-value ${needed}`,
          };
}

/**
 * What HeadBucket's status says of a bucket: 200, it exists and this session may list it; 404, no such bucket; 403,
 * either this session lacks s3:ListBucket on it or it is another account's (AWS, S3 API Reference, HeadBucket: "If the
 * bucket does not exist or you do not have permission to access it, the HEAD request returns a generic 400 Bad
 * Request, 403 Forbidden or 404 Not Found code"; "you must have permissions to perform the s3:ListBucket action").
 * Anything else is not an answer.
 */
export function headBucketExistence(status: number | undefined): boolean | "forbidden" | undefined {
    return status === 200 ? true : status === 404 ? false : status === 403 ? "forbidden" : undefined;
}

/**
 * The retained, fixed-name buckets of the plan against the account and the stack's state. A bucket that exists and
 * that the state does not hold makes the next `up` fail (BucketAlreadyOwnedByYou): its import line is the fix.
 * Without the state (no Pulumi token) an existing bucket is unknown: it may be the stack's own (a normal update).
 * A 403 is unknown too: the session may lack s3:ListBucket (headBucketExistence).
 */
export function retainedBucketCheck(
    found: readonly { bucket: string; exists: boolean | "forbidden"; importLine: string }[],
    state: StateReading,
): Check {
    const name = "retained buckets";
    const forbidden = found.filter(f => f.exists === "forbidden").map(f => f.bucket);
    if (forbidden.length > 0) {
        return {
            name,
            verdict: "unknown",
            detail:
                `HeadBucket on ${forbidden.join(", ")} answered 403: this session lacks s3:ListBucket on ` +
                `${forbidden.length === 1 ? "it" : "them"}, or ${forbidden.length === 1 ? "it is" : "they are"} another account's.`,
            fix:
                `give the session s3:ListBucket on ${forbidden.map(b => `arn:aws:s3:::${b}`).join(", ")} and run doctor again; ` +
                "a 403 then means another account holds the name: check twine-infra:accountId and the Region",
        };
    }
    const existing = found.filter(f => f.exists === true);
    if (existing.length === 0)
        return { name, verdict: "ok", detail: `none of ${found.map(f => f.bucket).join(", ")} exists yet: the stack creates them.` };
    const held =
        state.status === "ok"
            ? new Set(state.state.resources.filter(r => r.type === "aws:s3/bucket:Bucket").map(r => r.id))
            : new Set<string>();
    const orphans = existing.filter(f => !held.has(f.bucket));
    if (orphans.length === 0)
        return { name, verdict: "ok", detail: `${existing.map(f => f.bucket).join(", ")}: the stack's state holds them.` };
    const lines = orphans.map(f => f.importLine).join(" && ");
    const names = orphans.map(f => f.bucket).join(", ");
    return state.status === "unknown"
        ? {
              name,
              verdict: "unknown",
              detail: `${names} exist${orphans.length === 1 ? "s" : ""}; the stack's state was not read (${state.message})`,
              fix: `if the stack does not hold them (a retry after a destroyed first deploy), import: ${lines}`,
          }
        : {
              name,
              verdict: "fail",
              detail:
                  `${names} exist${orphans.length === 1 ? "s" : ""}, kept by an earlier deploy, and the stack's state does not ` +
                  "hold them: the next up fails with BucketAlreadyOwnedByYou.",
              fix: lines,
          };
}

export const REGISTRAR_NS = "registrar NS";

/** Before the dns stack's first `up` there is no apex zone: nothing to compare the registrar's NS with yet. */
export function registrarNsBeforeZone(apex: string): Check {
    return {
        name: REGISTRAR_NS,
        verdict: "pending",
        detail: `no public zone ${apex} yet (the dns stack's first up creates it): nothing to compare the registrar's NS with.`,
        fix: "after that up, set the registrar's NS to its nameServers output (docs/runbook.md, step 6) and run doctor dns again",
    };
}

/** Lower case, without the root's trailing dot: how name servers compare. */
const hostKey = (name: string) => name.toLowerCase().replace(/\.$/, "");

/**
 * The domain's NS as a public lookup answers (what the registrar's delegation leads resolvers to) against the apex
 * zone's name servers (Route 53 GetHostedZone's DelegationSet). `lookup` is the answer's servers, or the resolver's
 * error code: no answer (ENODATA, ENOTFOUND) means the domain is not delegated; any other is unknown. The lookup asks
 * a recursive resolver, which may answer from its cache up to the NS records' TTL (two days for .com's delegations):
 * a registrar change shows once the old answer expires, and a mismatch just after the change says so.
 */
export function registrarNsCheck(apex: string, zoneServers: readonly string[], lookup: readonly string[] | { code: string }): Check {
    const name = REGISTRAR_NS;
    const wanted = [...new Set(zoneServers.map(hostKey))].sort();
    const fix = `set ${apex}'s NS records at the registrar to ${wanted.join(", ")} (docs/runbook.md, step 6)`;
    if (!Array.isArray(lookup)) {
        const code = (lookup as { code: string }).code;
        return code === "ENODATA" || code === "ENOTFOUND"
            ? { name, verdict: "fail", detail: `a public lookup of ${apex} NS finds none (${code}): the domain is not delegated.`, fix }
            : {
                  name,
                  verdict: "unknown",
                  detail: `the lookup of ${apex} NS failed (${code}).`,
                  fix: `check by hand: dig +short NS ${apex} must list ${wanted.join(", ")}`,
              };
    }
    const found = [...new Set(lookup.map(hostKey))].sort();
    return found.length === wanted.length && found.every((s, i) => s === wanted[i])
        ? { name, verdict: "ok", detail: `${apex} is delegated to the apex zone's ${wanted.length} name servers.` }
        : {
              name,
              verdict: "fail",
              detail:
                  `${apex}'s NS are ${found.join(", ")}, not the apex zone's ${wanted.join(", ")} (a recursive resolver's answer: ` +
                  "after a change at the registrar it may hold the old NS until their TTL runs out).",
              fix,
          };
}

/** What doctor finds of the external-access alert: the analyzer, its archive rules, the EventBridge rule and targets. */
export interface ExternalAccessFound {
    /** The analyzer's status (ACTIVE, CREATING, DISABLED, FAILED), or undefined when there is none (or no rule yet). */
    readonly analyzerStatus?: string;
    readonly archiveRules: readonly ArchiveRuleSpec[];
    /** The rule's state and pattern, or undefined when there is none. */
    readonly rule?: { readonly state: string; readonly pattern: unknown };
    readonly targetArns: readonly string[];
}

const filterKey = (r: Pick<ArchiveRuleSpec, "filter">) =>
    JSON.stringify(
        Object.entries(r.filter)
            .map(([k, c]) => [k, [...c.eq].sort()])
            .sort(),
    );

/**
 * The alert's verdict. An archive rule the stack does not declare, or wider than declared, silences the findings it
 * matches: a fail, as is a disabled rule, another pattern, or no target on the account topic. Without the rule, the
 * stack's next `up` creates it (its first, or the first since the alert exists): pending. (A rule deleted by hand
 * looks the same: the deploy role's guard is what keeps it.)
 */
export function externalAccessCheck(
    found: ExternalAccessFound,
    wanted: {
        readonly analyzer: string;
        readonly archiveRules: readonly ArchiveRuleSpec[];
        readonly rule: string;
        readonly pattern: unknown;
        readonly topicArn: string;
    },
): Check {
    const name = "external-access alert";
    if (found.rule === undefined) {
        return {
            name,
            verdict: "pending",
            detail: `no EventBridge rule ${wanted.rule} yet: the next up creates it and the analyzer's archive rules.`,
        };
    }
    const problems: string[] = [];
    if (found.analyzerStatus !== "ACTIVE") problems.push(`the analyzer ${wanted.analyzer} is ${found.analyzerStatus ?? "missing"}`);
    const declared = new Map(wanted.archiveRules.map(r => [r.ruleName, filterKey(r)]));
    for (const r of found.archiveRules) {
        if (!declared.has(r.ruleName)) problems.push(`archive rule ${r.ruleName} is not the stack's: the findings it matches never page`);
        else if (declared.get(r.ruleName) !== filterKey(r)) problems.push(`archive rule ${r.ruleName} differs from the stack's filter`);
    }
    if (found.rule.state !== "ENABLED") problems.push(`the rule ${wanted.rule} is ${found.rule.state}`);
    if (JSON.stringify(found.rule.pattern) !== JSON.stringify(wanted.pattern)) problems.push(`the rule ${wanted.rule} has another pattern`);
    if (!found.targetArns.includes(wanted.topicArn)) problems.push(`the rule ${wanted.rule} does not notify ${wanted.topicArn}`);
    return problems.length === 0
        ? { name, verdict: "ok", detail: `${wanted.analyzer}'s active findings reach ${wanted.topicArn}; only the stack's archive rules.` }
        : {
              name,
              verdict: "fail",
              detail: `${problems.join("; ")}.`,
              fix: "delete what the stack does not declare, then `pulumi up` as an administrator (docs/runbook.md, external access)",
          };
}
