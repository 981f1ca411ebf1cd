// twine-infra's organization stack: every Pulumi Cloud resource of the project's stacks (teams, grants, Deployments
// settings, drift schedules, ESC environments), read from the stack files one folder up. Only an organization admin
// updates it, by hand; no Deployments settings, no machine token (docs/build-and-delivery.md).
import * as path from "path";
import { buildPulumiCloud } from "../stacks/organizationStack";

export = buildPulumiCloud(path.join(__dirname, ".."));
