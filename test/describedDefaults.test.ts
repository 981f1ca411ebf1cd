/**
 * Every "Defaults to X" in a config key's description is checked against what the loader actually resolves for
 * a stack that leaves the key out: the prose in the README's reference cannot drift from the one function that
 * defines each default.
 */
import { strict as assert } from "assert";
import { parseStackConfig } from "../config";
import { configKeyDocs } from "../config/reference";
import { fixtureConfig, objectKey, withKey } from "./helpers/config";

const P = "twine-infra";
const DEPLOYMENTS = { enabled: true, organization: "twine", repository: "twine/twine-infra" };

/** The smallest valid config of each role: required keys only (and deployments on, so their defaults show). */
function minimalConfig(role: "dns" | "bastion" | "dev" | "prod"): Record<string, string> {
    const committed = fixtureConfig(role);
    const keep = (keys: string[]) =>
        Object.fromEntries(Object.entries(committed).filter(([k]) => keys.includes(k) || k.startsWith("pulumi:")));
    let config = keep([`${P}:accountRole`, `${P}:accountId`, "aws:region", `${P}:stacks`]);
    config = withKey(config, `${P}:deployments`, DEPLOYMENTS);
    if (role === "dns") {
        const delegation = objectKey(committed, `${P}:delegation`);
        config = withKey(config, `${P}:dns`, objectKey(committed, `${P}:dns`));
        config = withKey(config, `${P}:delegation`, { ...delegation, prod: { accountId: delegation.prod.accountId } });
    } else {
        config = withKey(config, `${P}:network`, { cidr: objectKey(committed, `${P}:network`).cidr });
    }
    if (role === "bastion") {
        const host = objectKey(committed, `${P}:bastionHost`);
        const users = host.users.map((u: { name: string; publicKeys: string[] }) => ({ name: u.name, publicKeys: u.publicKeys }));
        config = withKey(config, `${P}:bastionHost`, { sshAllowedCidrs: host.sshAllowedCidrs, users });
    }
    if (role === "dev") {
        const image = objectKey(committed, `${P}:image`);
        const { url, signingKey, twineVersion } = image.aptRepo;
        config = withKey(config, `${P}:image`, { prodAccountId: image.prodAccountId, aptRepo: { url, signingKey, twineVersion } });
        // The Jenkins host's AMI pin is required: no default to check.
        config = withKey(config, `${P}:buildTooling`, { jenkins: { amiId: objectKey(committed, `${P}:buildTooling`).jenkins.amiId } });
    }
    if (role === "prod") {
        // A prod environment must page someone (or the stack set a secret pagingWebhook).
        config = withKey(config, `${P}:environments`, { production: { alarms: { subscriptions: [{ email: "oncall@example.com" }] } } });
    }
    return config;
}

/** The value at a reference key ("environments.<name>.app.minSize", "bastionHost.users[].sudo") in resolved settings. */
function valueAt(settings: unknown, key: string): unknown {
    let cursor: any = settings;
    for (const part of key.replace(`${P}:`, "").split(".")) {
        if (cursor === undefined || cursor === null) return undefined;
        if (part === "<name>") cursor = Array.isArray(cursor) ? cursor[0] : Object.values(cursor)[0];
        else if (part.endsWith("[]")) cursor = cursor[part.slice(0, -2)]?.[0];
        else cursor = cursor[part];
    }
    return cursor;
}

const ROLES = ["dns", "bastion", "dev", "prod"] as const;
type Role = (typeof ROLES)[number];

/**
 * The default a description states for a role: "Defaults to X.", "X (dev) or Y (prod)", "X in dev, Y in prod",
 * "true in prod and bastion (...), false in dns and dev". A parenthesis that names no role is a comment.
 */
export function statedDefault(description: string, role: Role): string | undefined {
    const match = /Defaults to (.*?)(?:\.\s|\.$|;|$)/.exec(description);
    if (!match) return undefined;
    const alternatives = match[1].split(/, | or /);
    let first: string | undefined;
    for (const alternative of alternatives) {
        // One value, then at most a role ("(dev)", "in prod and bastion") and a comment in parentheses.
        const m = /^(\S+?)(?:\s+\((\w+)\)|\s+in (\w+(?: and \w+)*))?(?:\s+\([^)]*\))?(?::\s.*)?$/.exec(alternative.trim());
        if (!m) continue;
        const roles = (m[2] ?? m[3] ?? "").split(" and ").filter(r => (ROLES as readonly string[]).includes(r));
        if (roles.includes(role)) return m[1];
        if (roles.length === 0) first ??= m[1];
    }
    return first;
}

describe("defaults stated in the config reference", () => {
    const resolved = Object.fromEntries(ROLES.map(role => [role, parseStackConfig(role, minimalConfig(role))])) as Record<Role, unknown>;
    const checked: string[] = [];
    for (const doc of configKeyDocs()) {
        for (const role of doc.roles) {
            const stated = statedDefault(doc.description, role);
            const actual = valueAt(resolved[role], doc.key);
            // Only literal statements about plain values: "Defaults to minSize" or "to none" describe, not state.
            const comparable =
                stated !== undefined &&
                (typeof actual === "string" ||
                    (typeof actual === "number" && /^\d+(\.\d+)?$/.test(stated)) ||
                    (typeof actual === "boolean" && /^(true|false)$/.test(stated)));
            if (!comparable) continue;
            checked.push(`${doc.key} (${role})`);
            it(`${doc.key} in ${role}: "Defaults to ${stated}" is what the loader applies`, () => {
                assert.equal(String(actual), stated);
            });
        }
    }
    it("checks a good share of the documented defaults", () => {
        assert.ok(checked.length >= 40, `only ${checked.length} defaults checked:\n${checked.join("\n")}`);
    });
});
