/**
 * `twine-infra doctor <stack>`: what the next `pulumi up` of a stack needs from its AWS account that the offline
 * plan cannot see, checked with read-only calls and the credentials in the environment. Verdicts are plain data
 * (this file); doctor/run.ts makes the calls and prints one line per check.
 */

/** ok: ready. fail: the next `up` fails or duplicates something. unknown: the check could not be made. */
export type Verdict = "ok" | "fail" | "unknown";

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
    const mark = { ok: "ok     ", fail: "FAIL   ", unknown: "unknown" }[check.verdict];
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
