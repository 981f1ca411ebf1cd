/**
 * The release pipeline's secrets never reach its log. Jenkins runs each `sh` step with `sh -xe` (the trace prints
 * every command, expanded) and masks a secret only where its exact text appears on one line, so a multi-line
 * secret in a variable prints in clear. Each step that binds the signing key is run here under `sh -xe`, as
 * Jenkins runs it, with the bindings Jenkins would make and stubs for the tools it calls.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "./helpers/config";
import { ofType, planOf } from "./helpers/plans";

const JENKINSFILE = fs.readFileSync(path.join(REPO, "images", "jenkins", "jobs", "Jenkinsfile"), "utf8");

/** A withCredentials block: its bindings and the shell scripts of the sh steps inside it. */
interface CredentialStep {
    readonly bindings: { readonly kind: string; readonly credentialsId: string; readonly variable: string }[];
    readonly scripts: string[];
}

function credentialSteps(jenkinsfile: string): CredentialStep[] {
    const environment = Object.fromEntries([...jenkinsfile.matchAll(/^\s+(\w+) = '([^']*)'$/gm)].map(m => [m[1], m[2]]));
    const steps: CredentialStep[] = [];
    for (const block of jenkinsfile.split(/withCredentials\(/).slice(1)) {
        const body = block.slice(0, block.indexOf("\n                }\n"));
        const bindings = [...body.matchAll(/(\w+)\(credentialsId: env\.(\w+), variable: '(\w+)'\)/g)].map(m => ({
            kind: m[1],
            credentialsId: environment[m[2]],
            variable: m[3],
        }));
        const scripts = [...body.matchAll(/sh '''([\s\S]*?)'''/g)].map(m => m[1]);
        steps.push({ bindings, scripts });
    }
    return steps;
}

const SIGNING_KEY_ID = "twine/jenkins/apt-signing-key";
const KEY_LINES = ["-----BEGIN PGP PRIVATE KEY BLOCK-----", "lQOYBGZ0cHJpdmF0ZS1rZXktbWF0ZXJpYWwtb25lLWxpbmU", "=Xy9Z"];

/** Runs a script as Jenkins does (`sh -xe`), with the step's bindings, and returns everything it printed. */
function runAsJenkins(script: string, step: CredentialStep): string {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-"));
    try {
        const bin = path.join(work, "bin");
        fs.mkdirSync(bin);
        // The tools the steps call: read their input, print nothing of it.
        for (const tool of ["gpg", "twine-publish-apt", "curl"]) {
            fs.writeFileSync(path.join(bin, tool), "#!/bin/sh\ncat >/dev/null 2>&1 || true\nexit 0\n", { mode: 0o755 });
        }
        const env: Record<string, string> = {
            PATH: `${bin}:/usr/bin:/bin`,
            HOME: work,
            APT_DISTRIBUTION: "noble",
            APT_COMPONENT: "main",
            // the commit the build stage resolved (env.APP_COMMIT)
            APP_COMMIT: "0".repeat(40),
        };
        for (const b of step.bindings) {
            const value = b.credentialsId === SIGNING_KEY_ID ? `${KEY_LINES.join("\n")}\n` : "single-line-secret";
            if (b.kind === "file") {
                const file = path.join(work, `${b.variable}.secret`);
                fs.writeFileSync(file, value, { mode: 0o600 });
                env[b.variable] = file;
            } else {
                env[b.variable] = value;
            }
        }
        const run = spawnSync("sh", ["-xe", "-c", script], { cwd: work, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        assert.equal(run.status, 0, `the step failed under sh -xe: ${run.stderr}`);
        return `${run.stdout}${run.stderr}`;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

describe("the release pipeline's log (images/jenkins/jobs/Jenkinsfile under sh -xe)", () => {
    const steps = credentialSteps(JENKINSFILE);
    const signing = steps.filter(s => s.bindings.some(b => b.credentialsId === SIGNING_KEY_ID));

    it("finds the steps that bind credentials, the signing key among them", () => {
        assert.ok(steps.length >= 1, `${steps.length} withCredentials steps`); // the publish step: Jenkins binds no Pulumi token
        assert.equal(signing.length, 1);
        assert.ok(signing[0].scripts.length > 0);
    });

    it("binds the signing key as a file, never as a variable holding it", () => {
        const bound = signing[0].bindings.find(b => b.credentialsId === SIGNING_KEY_ID)!;
        assert.equal(bound.kind, "file", "a multi-line secret in a variable is printed by sh -x and never masked");
    });

    it("the stack offers the signing key's secret to Jenkins as a secret file, the binding's kind", async () => {
        const secrets = ofType(await planOf("dev"), "aws:secretsmanager/secret:Secret");
        const key = secrets.find(s => s.inputs.name === SIGNING_KEY_ID)!;
        assert.deepEqual(key.inputs.tags, { "jenkins:credentials:type": "file" });
    });

    it("prints no line of the signing key when the step runs as Jenkins runs it", () => {
        for (const script of signing[0].scripts) {
            const log = runAsJenkins(script, signing[0]);
            assert.match(log, /gpg --batch --import/, "the trace shows the import");
            for (const line of KEY_LINES) assert.ok(!log.includes(line), `the log holds the key's line ${line}:\n${log}`);
        }
    });
});
