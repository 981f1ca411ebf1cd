/**
 * Who may open a stack's ESC environments, as plain data. Opening `<stack>-aws` hands out a deploy-role session, so
 * it is granted to one team per stack, its deployers, and nobody else gets it by default: ESC's organization-wide
 * default environment permission is `write` for every member unless an admin sets it to `none` (Pulumi Cloud,
 * Settings > Access Management > Default environment permission), and no resource of the Pulumi Cloud provider
 * declares that default. `twine-infra doctor` is to check it with escDefaultPermissionProblem before a first deploy.
 */
import * as pulumiservice from "@pulumi/pulumiservice";
import { escEnvironmentNames, goDuration } from "./escEnvironmentConfig";

/** The team whose members may open the stack's credentials environments (`pulumi up` and `pulumi preview` by a person). */
export function deployersTeamName(stack: string): string {
    return `twine-infra-${stack}-deployers`;
}

export interface EnvironmentGrant {
    readonly team: string;
    /** The environment's name inside the ESC project. */
    readonly environment: string;
    readonly permission: pulumiservice.EnvironmentPermission;
    /** Go duration; at most the roles' session length, so an open never outlives what IAM grants. */
    readonly maxOpenDuration: string;
}

/**
 * The stack's environment grants: its deployers open its deploy and preview credentials. The outputs environment
 * holds no credential; other teams are granted it by an admin, per team.
 */
export function escEnvironmentGrants(stack: string, sessionSeconds: number): EnvironmentGrant[] {
    const names = escEnvironmentNames(stack);
    const team = deployersTeamName(stack);
    const maxOpenDuration = goDuration(sessionSeconds);
    return [names.deploy, names.preview].map(environment => ({
        team,
        environment,
        permission: pulumiservice.EnvironmentPermission.Open,
        maxOpenDuration,
    }));
}

/** ESC's permission levels, weakest first: what an organization default may be. */
const LEVELS = ["none", "read", "open", "write", "admin"] as const;

/**
 * The organization's default environment permission (Pulumi Cloud REST API, the organization's settings) is
 * acceptable only when it is `none`: any other level lets every member read, or open, `<stack>-aws` and take a
 * deploy-role session. Returns the problem, with its fix, or undefined.
 */
export function escDefaultPermissionProblem(organization: string, defaultPermission: string | undefined): string | undefined {
    if (defaultPermission === "none") return undefined;
    const level = defaultPermission === undefined ? "not set (ESC then uses write)" : `"${defaultPermission}"`;
    const known = defaultPermission === undefined || (LEVELS as readonly string[]).includes(defaultPermission);
    return (
        `Pulumi Cloud organization ${organization}: the default environment permission is ${level}` +
        `${known ? "" : ", not an ESC permission level"}: every member could open the deploy environments ` +
        `(a deploy-role session). Fix: set it to none (Settings > Access Management), then grant each stack's ` +
        `${deployersTeamName("<stack>")} team`
    );
}

/** What the check found: ok, a problem to fix, or unknown (the API did not say) with what to verify by hand. */
export interface EscDefaultPermissionCheck {
    readonly status: "ok" | "problem" | "unknown";
    readonly message: string;
}

export interface EscDefaultPermissionQuery {
    readonly organization: string;
    /** An organization admin's token: the settings are an admin's to read. */
    readonly token: string;
    /** The Pulumi Cloud API, https://api.pulumi.com unless self-hosted. */
    readonly apiUrl?: string;
    /** Milliseconds before the call counts as unanswered. */
    readonly timeoutMs?: number;
}

/**
 * Reads the organization's default environment permission from the Pulumi Cloud REST API and checks it with
 * escDefaultPermissionProblem. Pulumi documents the setting as settable (UpdateOrganizationRequest,
 * setDefaultEnvironmentPermission: none, read, open, write, admin) and the organization's settings as
 * OrganizationMetadata; the read is GET /api/orgs/{organization} with the API's required headers (REST API docs,
 * "Required Request Headers"), and the field defaultEnvironmentPermission. Any other answer (an error, no such
 * field) is "unknown": the console is then the place to verify it. The caller (`twine-infra doctor`) reports it.
 */
export async function checkEscDefaultPermission(q: EscDefaultPermissionQuery): Promise<EscDefaultPermissionCheck> {
    const apiUrl = (q.apiUrl ?? "https://api.pulumi.com").replace(/\/+$/, "");
    const url = `${apiUrl}/api/orgs/${encodeURIComponent(q.organization)}`;
    const verify =
        `verify by hand: Pulumi Cloud > ${q.organization} > Settings > Access Management > Default environment permission ` +
        `must be none`;
    let body: unknown;
    try {
        const response = await fetch(url, {
            headers: { Accept: "application/vnd.pulumi+8", "Content-Type": "application/json", Authorization: `token ${q.token}` },
            signal: AbortSignal.timeout(q.timeoutMs ?? 10_000),
        });
        if (!response.ok) return { status: "unknown", message: `GET ${url} answered ${response.status}; ${verify}` };
        body = await response.json();
    } catch (e) {
        return { status: "unknown", message: `GET ${url} failed (${e instanceof Error ? e.message : String(e)}); ${verify}` };
    }
    const value = (body as Record<string, unknown> | null)?.defaultEnvironmentPermission;
    if (typeof value !== "string") {
        return { status: "unknown", message: `GET ${url} did not name defaultEnvironmentPermission; ${verify}` };
    }
    const problem = escDefaultPermissionProblem(q.organization, value);
    return problem
        ? { status: "problem", message: problem }
        : { status: "ok", message: `${q.organization}: default environment permission is none` };
}
