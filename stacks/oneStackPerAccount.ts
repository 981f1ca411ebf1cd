/**
 * One stack per AWS account. Each stack owns its account's singletons (see components/awsNames.ts), and the
 * bastion's routes, the dns delegation roles and the subzones are keyed by account role, so a second stack in the
 * same account (a personal `dev-alice` in the dev account) would collide on its first `pulumi up`. The stack files
 * beside this program are compared before anything is declared; a personal stack needs its own account.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { StackAccount, stacksSharingAnAccount } from "../components/account/awsNameConfig";
import { PROJECT, problem } from "../config";

/** The config: map of every Pulumi.<stack>.yaml in the project directory, as plain values (an unreadable file: none). */
export function stackFileConfigs(projectDir: string): { stack: string; config: Record<string, unknown> }[] {
    return fs
        .readdirSync(projectDir)
        .map(file => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .flatMap(stack => {
            try {
                return [
                    { stack, config: (parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) ?? {}).config ?? {} },
                ];
            } catch {
                return []; // its own stack reports a file it cannot parse
            }
        });
}

/** Every Pulumi.<stack>.yaml in the project directory, with the account and region it names. */
export function committedStackAccounts(projectDir: string): StackAccount[] {
    return stackFileConfigs(projectDir).flatMap(({ stack, config }) => {
        const accountId = config[`${PROJECT}:accountId`];
        return typeof accountId === "string" || typeof accountId === "number"
            ? [{ stack, accountId: String(accountId), region: String(config["aws:region"] ?? "") }]
            : [];
    });
}

/** Problems for `stack` if another stack file deploys into its account. */
export function oneStackPerAccountProblems(stack: StackAccount, others: readonly StackAccount[]): string[] {
    const group = stacksSharingAnAccount([stack, ...others.filter(o => o.stack !== stack.stack)]).find(g =>
        g.some(s => s.stack === stack.stack),
    );
    if (!group) return [];
    const rest = group.filter(s => s.stack !== stack.stack).map(s => `Pulumi.${s.stack}.yaml`);
    return [
        `${PROJECT}:accountId = "${stack.accountId}": ${problem(
            `${rest.join(", ")} also deploy${rest.length === 1 ? "s" : ""} into this account, and each stack owns the account's ` +
                "CloudTrail trail, Access Analyzer, OIDC providers and role-named resources",
            "give each stack its own account (a personal stack needs a personal account), or remove the other stack file",
        )}`,
    ];
}
