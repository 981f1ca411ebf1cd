/**
 * The secret inventory: every secret in the state of every stack, classified, and the invariant that no stack a
 * pull request can preview holds a credential worth more than what the pull request already has (its Pulumi
 * token has Read on every stack, and Stack Read decrypts the state).
 */
import { strict as assert } from "assert";
import { PULUMI_TEAMS, stackGrants } from "../components/account/pulumiCloudAccessPolicy";
import { Plan } from "../plan/run";
import { SECRET_CLASSES, secretClassOf, stateSecretProblems, stateSecrets } from "../plan/stateSecrets";
import { STACKS, committedPlanOf, ofType, organizationPlanOf, planOf } from "./helpers/plans";
import { REPO } from "./helpers/config";

/** Whether the previews team (every pull-request run's Pulumi token) has Read on the stack: it can decrypt its state. */
function previewable(): boolean {
    return stackGrants().some(g => g.team === PULUMI_TEAMS.previews);
}

describe("secrets in state (the offline plans)", () => {
    it("every stack can be previewed by a pull request, so every stack is held to the invariant", () => {
        for (const stack of STACKS) assert.ok(previewable(), stack);
    });

    for (const stack of STACKS) {
        it(`${stack}: every secret is classified, its claim holds, and none is a credential (fixture and committed files)`, async () => {
            for (const plan of [await planOf(stack), await committedPlanOf(stack)]) {
                assert.deepEqual(stateSecretProblems(plan, previewable()), []);
            }
        });
    }

    it("the organization stack, which no team may read, holds no credential either: the admin token stays in the environment", async () => {
        for (const plan of [await organizationPlanOf(), await organizationPlanOf(REPO)]) {
            assert.deepEqual(stateSecretProblems(plan, true), []);
            for (const p of ofType(plan, "pulumi:providers:pulumiservice")) assert.equal(p.inputs.accessToken, undefined);
        }
    });

    it("the secrets Jenkins's pipelines may bind hold no Pulumi token: its build agent runs the app's build code", async () => {
        // Tagged jenkins:credentials:type, a Secrets Manager secret is offered to every pipeline as a credential; a
        // process the app's build leaves on the shared agent reads a later step's binding from /proc/<pid>/environ.
        for (const plan of [await planOf("dev"), await committedPlanOf("dev")]) {
            const offered = ofType(plan, "aws:secretsmanager/secret:Secret")
                .filter(s => (s.inputs.tags as Record<string, string> | undefined)?.["jenkins:credentials:type"])
                .map(s => String(s.inputs.name));
            assert.deepEqual(offered, ["twine/jenkins/apt-signing-key"]);
        }
    });

    it("the inventory finds the secrets the plans hold (providers, the managed password, the image build's log)", async () => {
        const dev = stateSecrets(await planOf("dev")).map(s => `${s.type} ${s.field}`);
        for (const expected of ["pulumi:providers:aws secretKey", "aws:rds/instance:Instance password", "command:local:Command stdout"]) {
            assert.ok(dev.includes(expected), `${expected} not found in ${dev.join(", ")}`);
        }
        for (const s of stateSecrets(await planOf("dev"))) assert.ok(secretClassOf(s), `${s.type} ${s.field}`);
    });

    it("names a credential and an unclassified secret, and a claim its resource breaks", () => {
        // GIVEN a plan with a team token, a secret of an unknown type and a provider given a key in its inputs
        const resource = (type: string, name: string, inputs: Record<string, unknown>, secretOutputs?: string[]) => ({
            urn: `urn:pulumi:dev::twine-infra::${type}::${name}`,
            type,
            name,
            parent: null,
            provider: null,
            inputs,
            options: {
                protect: false,
                retainOnDelete: false,
                ignoreChanges: [],
                dependsOn: [],
                deleteBeforeReplace: false,
                additionalSecretOutputs: secretOutputs,
            },
        });
        const plan: Plan = {
            stack: "dev",
            project: "twine-infra",
            outputs: {},
            resources: [
                resource("pulumiservice:index:TeamAccessToken", "jenkins-token", { teamName: "t" }, ["value"]),
                resource("example:index:Thing", "thing", { key: "[secret]" }),
                resource("pulumi:providers:aws", "dev", { accessKey: "AKIA" }, ["accessKey"]),
            ],
        };
        // WHEN the plan is checked as a previewable stack, THEN each is named
        const problems = stateSecretProblems(plan, true);
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.match(problems[0], /TeamAccessToken jenkins-token output value: a credential .* every pull request's preview/);
        assert.match(problems[1], /example:index:Thing thing input key: unclassified secret/);
        assert.match(problems[2], /pulumi:providers:aws dev output accessKey: classed absent .* sets accessKey/);
        // and a stack no pull request previews may hold the credential
        assert.equal(stateSecretProblems({ ...plan, resources: plan.resources.slice(0, 1) }, false).length, 0);
    });

    it("classes every credential type as a credential", () => {
        for (const key of ["pulumiservice:index:TeamAccessToken value", "docker:index/image:Image registry"]) {
            assert.equal(SECRET_CLASSES[key].worth, "credential", key);
        }
    });
});
