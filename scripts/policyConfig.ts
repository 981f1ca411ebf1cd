/**
 * npm run -s policy:config > policy-config.json
 *
 * Prints the guardrails pack's config for `pulumi preview --policy-pack policy --policy-pack-config <file>`, from the
 * project's stack files (their account ids and the bastion VPC), so a real preview checks what the offline plan does.
 */
import * as path from "path";
import { packConfig, projectPackSettings } from "../plan/policy";

process.stdout.write(`${JSON.stringify(packConfig(projectPackSettings(path.resolve(__dirname, ".."))), null, 2)}\n`);
