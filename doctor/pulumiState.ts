/**
 * A stack's state as Pulumi Cloud holds it, read with the user's PULUMI_ACCESS_TOKEN: the outputs other stacks read,
 * and the cloud ids of the resources the stack holds. Pulumi Cloud REST API, Stacks > "Get Stack State":
 * GET /api/stacks/{organization}/{project}/{stack}/export, with `Authorization: token {token}` and
 * `Accept: application/vnd.pulumi+8` (https://www.pulumi.com/docs/reference/cloud-rest-api/, "Required Request
 * Headers"). The answer is `{ version: 3, deployment: { resources: [{ urn, type, id?, outputs? }] } }`; the root
 * resource (type pulumi:pulumi:Stack) carries the stack's outputs. A read only: doctor never writes.
 */
import { z } from "zod";
import { ContractReading, readContractOutputs } from "../stacks/readOutputs";

/** The key the engine marks a secret value with in a checkpoint (sdk/go/common/resource/sig/sig.go: Secret). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface StackState {
    readonly outputs: Readonly<Record<string, unknown>>;
    /** Each resource the state holds: type and cloud id (custom resources only). */
    readonly resources: readonly { readonly type: string; readonly urn: string; readonly id?: string }[];
}

export type StateReading =
    | { readonly status: "ok"; readonly state: StackState }
    | { readonly status: "no-stack"; readonly message: string }
    | { readonly status: "unknown"; readonly message: string };

export interface StateQuery {
    /** organization/project/stack. */
    readonly stack: string;
    readonly token: string;
    /** The Pulumi Cloud API, https://api.pulumi.com unless self-hosted (PULUMI_BACKEND_URL). */
    readonly apiUrl?: string;
    readonly timeoutMs?: number;
}

/** The API base doctor uses: PULUMI_BACKEND_URL when it is an http(s) URL (self-hosted), else Pulumi Cloud's. */
export function pulumiApiUrl(env: NodeJS.ProcessEnv): string {
    const backend = env.PULUMI_BACKEND_URL;
    return backend && /^https?:\/\//.test(backend) ? backend : "https://api.pulumi.com";
}

const exportSchema = z.object({
    deployment: z
        .object({
            resources: z
                .array(
                    z.object({
                        urn: z.string(),
                        type: z.string(),
                        id: z.string().optional(),
                        outputs: z.record(z.string(), z.unknown()).optional(),
                    }),
                )
                .nullish(),
        })
        .nullish(),
});

export async function readStackState(q: StateQuery): Promise<StateReading> {
    const [organization, project, stack] = q.stack.split("/");
    const apiUrl = (q.apiUrl ?? "https://api.pulumi.com").replace(/\/+$/, "");
    const url = `${apiUrl}/api/stacks/${[organization, project, stack].map(encodeURIComponent).join("/")}/export`;
    let body: unknown;
    try {
        const response = await fetch(url, {
            headers: { Accept: "application/vnd.pulumi+8", "Content-Type": "application/json", Authorization: `token ${q.token}` },
            signal: AbortSignal.timeout(q.timeoutMs ?? 10_000),
        });
        if (response.status === 404) return { status: "no-stack", message: `Pulumi Cloud has no stack ${q.stack}` };
        if (response.status === 401 || response.status === 403) {
            return { status: "unknown", message: `GET ${url} answered ${response.status}: the token may not read ${q.stack}` };
        }
        if (!response.ok) return { status: "unknown", message: `GET ${url} answered ${response.status}` };
        body = await response.json();
    } catch (e) {
        return { status: "unknown", message: `GET ${url} failed (${e instanceof Error ? e.message : String(e)})` };
    }
    const parsed = exportSchema.safeParse(body);
    if (!parsed.success) return { status: "unknown", message: `GET ${url} answered something other than a stack's state` };
    const resources = parsed.data.deployment?.resources ?? [];
    const root = resources.find(r => r.type === "pulumi:pulumi:Stack");
    return {
        status: "ok",
        state: { outputs: root?.outputs ?? {}, resources: resources.map(({ type, urn, id }) => ({ type, urn, ...(id ? { id } : {}) })) },
    };
}

/**
 * The state's outputs read against an outputs contract, with the reader the program's StackReferences use
 * (stacks/readOutputs.ts): the same "missing" and "does not match", and a secret where a plain value belongs refused.
 */
export function contractReading<S extends z.ZodObject>(
    outputs: Readonly<Record<string, unknown>>,
    schema: S,
): Promise<ContractReading<z.infer<S>>> {
    const isSecret = (v: unknown) => typeof v === "object" && v !== null && SECRET_SIG in v;
    return readContractOutputs(
        {
            getOutputDetails: async (key: string) => (isSecret(outputs[key]) ? { secretValue: outputs[key] } : { value: outputs[key] }),
        },
        schema,
    );
}
