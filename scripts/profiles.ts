/**
 * npx twine-infra profiles <stack> (--source-profile <profile> | --credential-source Environment) [--preview] [--append]
 *
 * Prints the AWS config profiles a stack's cross-account providers name (components/account/roleProfileConfig.ts),
 * or with --append writes them into the user's AWS config ($AWS_CONFIG_FILE, else ~/.aws/config), replacing
 * earlier blocks of the same names. The program itself never writes them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mergeProfileBlocks, ProfileSource, roleProfileBlock } from "../components/account/roleProfileConfig";
import { InputError } from "../plan/inputError";
import { stackCrossAccountRoles } from "../plan/providerRole";

export const PROFILES_USAGE = `usage: npx twine-infra profiles <stack> (--source-profile <profile> | --credential-source Environment)
                                        [--preview] [--append]

Prints the AWS config profiles that <stack>'s cross-account providers name (one per role in the dns or bastion
account, named like the role), from the stack files in this folder.

options:
  --source-profile <p>              the profile whose credentials assume the roles: on a laptop, your SSO profile of
                                    the stack's account; the SDK refreshes its session from the SSO token cache
  --credential-source Environment   assume them with the credentials in the environment (CI, Pulumi Deployments)
  --preview                         the read-only counterparts (<role>-read), for the stack's preview role
  --append                          write them into $AWS_CONFIG_FILE (else ~/.aws/config) instead of printing them,
                                    replacing blocks of the same names
  -h, --help                        print this help`;

export class ProfilesUsageError extends Error {}

export interface ProfilesArgs {
    readonly stack: string;
    readonly source: ProfileSource;
    readonly preview: boolean;
    readonly append: boolean;
}

export function parseProfilesArgs(argv: readonly string[]): ProfilesArgs | "help" {
    let stack: string | undefined;
    let source: ProfileSource | undefined;
    let preview = false;
    let append = false;
    const setSource = (s: ProfileSource) => {
        if (source) throw new ProfilesUsageError("give one of --source-profile and --credential-source");
        source = s;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("-")) throw new ProfilesUsageError(`${arg} needs a value`);
            return v;
        };
        if (arg === "--help" || arg === "-h") return "help";
        else if (arg === "--preview") preview = true;
        else if (arg === "--append") append = true;
        else if (arg === "--source-profile") {
            const profile = value();
            if (!/^[A-Za-z0-9_.+@-]+$/.test(profile)) throw new ProfilesUsageError(`--source-profile: "${profile}" is not a profile name`);
            setSource({ sourceProfile: profile });
        } else if (arg === "--credential-source") {
            const v = value();
            if (v !== "Environment") throw new ProfilesUsageError(`--credential-source must be Environment, got ${v}`);
            setSource({ credentialSource: "Environment" });
        } else if (arg.startsWith("-")) throw new ProfilesUsageError(`unknown option ${arg}`);
        else if (stack === undefined) stack = arg;
        else throw new ProfilesUsageError(`one stack at a time, got ${stack} and ${arg}`);
    }
    if (!stack) throw new ProfilesUsageError("name the stack");
    if (!source)
        throw new ProfilesUsageError(
            "say where the roles' credentials come from: --source-profile <profile> or --credential-source Environment",
        );
    return { stack, source, preview, append };
}

/** The profile blocks of a stack, from its file and its upstream stacks' files in projectDir. */
export function stackProfileBlocks(projectDir: string, args: Omit<ProfilesArgs, "append">): string[] {
    return stackCrossAccountRoles(projectDir, args.stack).map(r => roleProfileBlock(r, args.source, args.preview));
}

/** The user's AWS config file, as the SDKs find it. */
export function awsConfigFile(env: NodeJS.ProcessEnv = process.env): string {
    return env.AWS_CONFIG_FILE ? path.resolve(env.AWS_CONFIG_FILE) : path.join(env.HOME || os.homedir(), ".aws", "config");
}

/** Runs the command and returns what to print (with --append: which file it wrote). */
export function profilesCommand(projectDir: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
    const args = parseProfilesArgs(argv);
    if (args === "help") return `${PROFILES_USAGE}\n`;
    const blocks = stackProfileBlocks(projectDir, args);
    if (blocks.length === 0) return `# the ${args.stack} stack assumes no role of another account: no profile needed\n`;
    if (!args.append) return blocks.join("\n");
    const file = awsConfigFile(env);
    const relative = path.relative(path.resolve(projectDir), file);
    if (!relative.startsWith("..") && !path.isAbsolute(relative)) {
        throw new InputError({
            file,
            why: "is inside the project folder, where credentials configuration does not belong",
            fix: "point AWS_CONFIG_FILE outside it",
        });
    }
    const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, mergeProfileBlocks(existing, blocks), { mode: 0o600 });
    return `wrote ${blocks.length} profile(s) for ${args.stack} into ${file}\n`;
}

/** `twine-infra profiles <stack> ...`; exit 0, or 2 on bad input with the message. */
export function runProfilesCommandLine(argv: readonly string[]): void {
    try {
        process.stdout.write(profilesCommand(process.cwd(), argv));
    } catch (err) {
        if (err instanceof ProfilesUsageError) process.stderr.write(`${err.message}\n\n${PROFILES_USAGE}\n`);
        else if (err instanceof InputError) process.stderr.write(`${err.message}\n`);
        else throw err;
        process.exit(2);
    }
}
