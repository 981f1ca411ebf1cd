/**
 * Values that live outside the stack files, in files the program does not read: each must agree with the stack
 * files, the one source of truth, so that replacing the placeholders there and running this test finds the rest.
 * Over the committed files: invariants only (agreement), never the values themselves.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../config";
import { committedConfig, REPO } from "./helpers/config";
import { STACKS } from "./helpers/plans";

const configs = Object.fromEntries(STACKS.map(s => [s, parseStackConfig(s, committedConfig(s))]));
const read = (file: string) => fs.readFileSync(path.join(REPO, file), "utf8");

describe("values outside the stack files agree with them", () => {
    it("the release job clones this repository: INFRA_REPOSITORY is dev's deployments.repository", () => {
        // Both repositories are pinned (no parameter chooses either): this one in the pipeline.
        const jenkinsfile = read("images/jenkins/jobs/Jenkinsfile");
        const infra = /INFRA_REPOSITORY = '([^']+)'/.exec(jenkinsfile)?.[1];
        const repository = configs.dev.deployments?.repository;
        assert.ok(repository, "Pulumi.dev.yaml sets twine-infra:deployments.repository");
        assert.equal(infra, `https://github.com/${repository}.git`, "images/jenkins/jobs/Jenkinsfile INFRA_REPOSITORY");
        // The app repository lives under the same GitHub owner; the image's release check pins it.
        const app = /^APP_REPOSITORY="\$\{TWINE_APP_REPOSITORY:-([^}]+)\}"$/m.exec(read("images/jenkins/release-commit.sh"))?.[1];
        assert.equal(app?.split("/")[3], repository.split("/")[0], "APP_REPOSITORY's owner");
    });

    it("the runbook's placeholder search covers these files", () => {
        const runbook = read("docs/runbook.md");
        for (const file of ["images/jenkins/jobs/pipelines.groovy", "images/jenkins/jobs/Jenkinsfile", ".github/workflows/preview.yml"]) {
            assert.ok(new RegExp(`grep -n[^\\n]*${file.replace(/[./]/g, "\\$&")}`).test(runbook), file);
        }
    });
});
