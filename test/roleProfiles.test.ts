/**
 * Cross-account providers reach their role through a profile (stacks/roleProfiles.ts): the same provider inputs in
 * a preview and an update, with the role chosen by who runs the program.
 */
import { strict as assert } from "assert";
import { isPreviewIdentity, roleForCaller, roleProfileIni } from "../stacks/roleProfiles";
import { assumedRoleArn } from "../plan/providerRole";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const WRITE = "arn:aws:iam::111111111111:role/twine-dns-delegation-dev";

describe("role profiles of the cross-account providers", () => {
    it("picks the read-only counterpart for a stack's preview session, the role itself for anyone else", () => {
        assert.equal(roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/pulumi-dev-preview/GitHubActions"), `${WRITE}-read`);
        assert.equal(roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/pulumi-dev-preview/pulumi-deployments-dev"), `${WRITE}-read`);
        assert.equal(roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/pulumi-dev-deploy/pulumi-deployments-dev"), WRITE);
        assert.equal(roleForCaller(WRITE, "arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_Admin_0123/alice"), WRITE);
        // Names that only look like a preview role are not one.
        assert.equal(isPreviewIdentity("arn:aws:sts::333333333333:assumed-role/pulumi-dev-preview-admin/x"), false);
        assert.equal(isPreviewIdentity("arn:aws:iam::333333333333:role/pulumi-dev-preview"), false);
    });

    it("writes a profile that assumes the role from the environment's credentials, which the plan reads back", () => {
        const ini = roleProfileIni({ profile: "twine-dns-delegation-dev", roleArn: WRITE, sessionName: "twine-infra-dev-dns" });
        assert.equal(ini, `[profile twine-dns-delegation-dev]\nrole_arn = ${WRITE}\nrole_session_name = twine-infra-dev-dns\ncredential_source = Environment\n`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "profiles-"));
        fs.writeFileSync(path.join(dir, "p.ini"), ini);
        assert.equal(assumedRoleArn({ profile: "twine-dns-delegation-dev", sharedConfigFiles: ["p.ini"] }, dir), WRITE);
        assert.equal(assumedRoleArn({ profile: "other", sharedConfigFiles: ["p.ini"] }, dir), undefined);
        fs.rmSync(dir, { recursive: true });
    });
});
