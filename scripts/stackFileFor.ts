/**
 * npm run -s stack-file -- <stack> --credentials deploy|preview|none [--in-place] > <file>
 *
 * Prints Pulumi.<stack>.yaml with its AWS credentials environment chosen for the job, for `pulumi <command>
 * --config-file <file>` (or rewrites it, with --in-place, where the checkout is throwaway: a Pulumi Deployments
 * run, a CI job); comments and every other key are kept as they are:
 *   deploy   imports twine-infra/<stack>-aws, the deploy role (what the committed file does),
 *   preview  imports twine-infra/<stack>-aws-preview instead, the describe-only role: pull-request previews,
 *            whose Pulumi token may open only that environment,
 *   none     imports neither: the first deploy of an account, before its roles and environments exist, with
 *            credentials from the shell (docs/runbook.md, section 1); and runs that bring their own AWS
 *            credentials (Pulumi Deployments' OIDC, GitHub Actions' OIDC), whose Pulumi token must not open
 *            the deploy environment.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { escEnvironmentNames, qualifiedEnvironment } from "../components/account/escEnvironmentConfig";

export const CREDENTIALS = ["deploy", "preview", "none"] as const;
export type Credentials = (typeof CREDENTIALS)[number];

const REPO = path.resolve(__dirname, "..");
const USAGE = "usage: npm run -s stack-file -- <stack> --credentials deploy|preview|none [--in-place]";

/** The stack file's text with its credentials import replaced; other imports keep their order. */
export function stackFileFor(text: string, stack: string, credentials: Credentials): string {
    const document = parseDocument(text);
    const names = escEnvironmentNames(stack);
    const ours = [qualifiedEnvironment(names.deploy), qualifiedEnvironment(names.preview)];
    const current = document.get("environment");
    const imports: unknown[] = current === undefined ? [] : ((document.toJS() as { environment?: unknown[] }).environment ?? []);
    const others = imports.filter(name => !(typeof name === "string" && ours.includes(name)));
    const wanted = credentials === "none" ? others : [credentials === "deploy" ? ours[0] : ours[1], ...others];
    if (wanted.length === 0) document.delete("environment");
    else document.set("environment", document.createNode(wanted, { flow: false }));
    return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function main(argv: string[]): number {
    const [stack, flag, credentials, ...rest] = argv;
    const inPlace = rest.length === 1 && rest[0] === "--in-place";
    if (!stack || flag !== "--credentials" || !(CREDENTIALS as readonly string[]).includes(credentials) || (rest.length > 0 && !inPlace)) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
    const file = path.join(REPO, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        process.stderr.write(
            `No stack file Pulumi.${stack}.yaml in ${REPO}. Fix: name a stack of this project (dns, bastion, dev, prod...).\n`,
        );
        return 2;
    }
    const text = stackFileFor(fs.readFileSync(file, "utf8"), stack, credentials as Credentials);
    if (inPlace) fs.writeFileSync(file, text);
    else process.stdout.write(text);
    return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
