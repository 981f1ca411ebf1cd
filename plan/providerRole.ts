/**
 * The role an AWS provider of a plan assumes: from its assumeRoles, or from the role profile it names (the file the
 * program wrote, see components/account/roleProfileConfig.ts), read from the folder the plan ran in.
 */
import * as fs from "fs";
import * as path from "path";

export function assumedRoleArn(providerInputs: Record<string, unknown>, baseDir: string = process.cwd()): string | undefined {
    const direct = (providerInputs.assumeRoles as { roleArn?: string }[] | undefined)?.[0]?.roleArn;
    if (direct) return direct;
    const files = providerInputs.sharedConfigFiles as string[] | undefined;
    const profile = providerInputs.profile as string | undefined;
    if (!files?.length || !profile) return undefined;
    const text = fs.readFileSync(path.resolve(baseDir, files[0]), "utf8");
    const section = text.split(/^\[/m).find(s => s.startsWith(`profile ${profile}]`));
    return section && /^role_arn = (\S+)$/m.exec(section)?.[1];
}
