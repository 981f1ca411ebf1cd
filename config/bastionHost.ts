/**
 * The bastion account's `bastionHost` and `stacks` sections: who may reach the bastion, who may log in, and which
 * environment VPCs it peers with. Cross-field rules (peer CIDRs vs. the bastion VPC) are in checkBastionHost.
 */
import { z } from "zod";
import { grantProblems, JENKINS_TARGET, peerAccessList } from "../components/access/accessGrantsConfig";
import { cidrsOverlap, mustParseCidr, parseCidr } from "../components/network/cidr";
import { accountIdSchema, cidrSchema, logRetentionSchema, problem, restrictedCidrSchema, stackNameSchema } from "./primitives";

/** Key types OpenSSH on Ubuntu LTS accepts for login. */
export const SSH_KEY_TYPES = [
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
] as const;

/**
 * Why an authorized_keys line is not a usable public key, or undefined when it is: "<type> <base64 blob> [comment]",
 * where the blob decodes and names the same key type (a key pasted with the wrong prefix or truncated fails here,
 * not at the first login attempt). Pure, for the schema and the tests.
 */
export function sshPublicKeyProblem(line: string): string | undefined {
    if (/PRIVATE KEY/.test(line)) {
        return "this is a PRIVATE key: it must never be in config (remove it from the file and its history, and make a new key pair)";
    }
    const match = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: [^\r\n]*)?$/.exec(line);
    if (!match) {
        return "not an OpenSSH public key line (<type> <base64> [comment]) on one line";
    }
    const [, type, base64] = match;
    if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
        return `key type ${type} is not accepted (use one of ${SSH_KEY_TYPES.join(", ")})`;
    }
    const blob = Buffer.from(base64, "base64");
    const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
    const embedded = nameLength > 0 && blob.length >= 4 + nameLength ? blob.subarray(4, 4 + nameLength).toString("latin1") : undefined;
    if (embedded !== type) {
        return `the base64 key data ${embedded ? `is a ${embedded} key, not ${type}` : "is truncated or not a key"}`;
    }
    return keyDataProblem(type, blob, 4 + nameLength);
    return undefined;
}

/** The SSH wire strings (uint32 length + bytes) of `blob` from `offset`, or undefined if they do not end exactly at its end. */
function wireStrings(blob: Buffer, offset: number): Buffer[] | undefined {
    const fields: Buffer[] = [];
    while (offset < blob.length) {
        if (offset + 4 > blob.length) return undefined;
        const length = blob.readUInt32BE(offset);
        if (offset + 4 + length > blob.length) return undefined;
        fields.push(blob.subarray(offset + 4, offset + 4 + length));
        offset += 4 + length;
    }
    return fields;
}

/** Smallest RSA modulus accepted: NIST SP 800-57 and current OpenSSH defaults (ssh-keygen makes 3072). */
export const MIN_RSA_BITS = 2048;

/** The key fields after the type name, per RFC 4253 (rsa), RFC 5656 (ecdsa), RFC 8709 (ed25519) and PROTOCOL.u2f (sk-*). */
function keyDataProblem(type: string, blob: Buffer, offset: number): string | undefined {
    const fields = wireStrings(blob, offset);
    const truncated = `the ${type} key data is truncated or padded (copy the whole line again)`;
    if (!fields) return truncated;
    if (type === "ssh-ed25519" || type === "sk-ssh-ed25519@openssh.com") {
        const expected = type === "ssh-ed25519" ? 1 : 2;
        if (fields.length !== expected || fields[0].length !== 32)
            return "the ssh-ed25519 key data does not hold a 32-byte key (truncated or padded copy)";
        return undefined;
    }
    if (type === "ssh-rsa") {
        if (fields.length !== 2) return truncated;
        const modulus = fields[1][0] === 0 ? fields[1].subarray(1) : fields[1];
        const bits = modulus.length === 0 ? 0 : (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0]));
        if (bits < MIN_RSA_BITS)
            return `the ssh-rsa key has ${bits} bits (truncated, or too short: at least ${MIN_RSA_BITS}; better, use ssh-ed25519)`;
        return undefined;
    }
    // ecdsa-sha2-<curve> and sk-ecdsa-sha2-nistp256@openssh.com: the curve's name, its point, (sk) the application.
    const curve = /nistp(256|384|521)/.exec(type)![1];
    const pointLength = { "256": 65, "384": 97, "521": 133 }[curve];
    if (
        fields.length !== (type.startsWith("sk-") ? 3 : 2) ||
        fields[0].toString("latin1") !== `nistp${curve}` ||
        fields[1].length !== pointLength
    )
        return truncated;
    return undefined;
}

export const sshPublicKeySchema = z.string().superRefine((line, ctx) => {
    const reason = sshPublicKeyProblem(line);
    if (reason) {
        ctx.addIssue({ code: "custom", message: problem(reason, "paste the whole line of the user's ~/.ssh/id_ed25519.pub") });
    }
});

/** An Ubuntu 24.04 amd64 AMI id, as the bastion and the Jenkins host pin theirs. */
export const ubuntuAmiIdSchema = z
    .string()
    .regex(/^ami-[0-9a-f]{8,17}$/, problem("not an AMI id", "write the id of an Ubuntu 24.04 amd64 image, e.g. ami-0123456789abcdef0"));

/** Login names: POSIX-portable, and never an account the image or the system already owns. */
export const RESERVED_USER_NAMES = [
    "root",
    "ubuntu",
    "admin",
    "daemon",
    "bin",
    "sys",
    "sync",
    "nobody",
    "sshd",
    "syslog",
    "cwagent",
    "ssm-user",
];

export const linuxUserSchema = z
    .string()
    .regex(
        /^[a-z_][a-z0-9_-]{0,31}$/,
        problem("not a valid login name", "use lower-case letters, digits, _ and -, starting with a letter, at most 32 characters"),
    )
    .refine(
        n => !RESERVED_USER_NAMES.includes(n),
        problem("reserved for the system or the image", `choose a personal login name, not one of ${RESERVED_USER_NAMES.join(", ")}`),
    );

/** An SSH source range: IPv4 only (the bastion VPC is IPv4), and never the whole Internet. */
export const sshSourceCidrSchema = z.string().superRefine((value, ctx) => {
    if (value.includes(":")) {
        const wholeInternet = /\/0$/.test(value.trim());
        ctx.addIssue({
            code: "custom",
            message: wholeInternet
                ? problem(
                      `${value} opens SSH to the whole IPv6 Internet`,
                      "list the office or VPN ranges that need access, e.g. 203.0.113.0/24",
                  )
                : problem("the bastion has no IPv6 address, so an IPv6 range admits nobody", "list IPv4 ranges, e.g. 203.0.113.0/24"),
        });
        return;
    }
    const parsed = restrictedCidrSchema.safeParse(value);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
    }
});

const grantedUsers = (what: string) =>
    z.array(linuxUserSchema).default([]).describe(`${what} Names from bastionHost.users. Defaults to nobody.`);

/** Who may do what on one target of a peered account (components/access/accessGrantsConfig.ts TargetGrant). */
const targetGrantSchema = z.strictObject({
    login: grantedUsers("People with a shell on the target's boxes, without sudo."),
    admin: grantedUsers("People with a shell and sudo on the target's boxes."),
    tunnel: grantedUsers("People who may tunnel through the bastion to the target's database (an environment) or UI (jenkins)."),
});

const peerSchema = z.strictObject({
    accountId: accountIdSchema.describe("The environment's account; only it may assume its peering role. Required."),
    cidr: cidrSchema.describe("The environment's VPC block (its network.cidr); the bastion routes SSH to it. Required."),
    stack: stackNameSchema.describe(
        "The environment's stack (organization/project/stack): the bastion reads its peeringConnectionId and dataSubnetCidrs " +
            "outputs to route to it and to tunnel to its data subnets (nothing is copied by hand; before its first deploy, " +
            "no route). Of the organization and project of twine-infra:stacks. Required.",
    ),
    access: z
        .record(
            z
                .string()
                .regex(
                    /^[a-z]([a-z0-9-]*[a-z0-9])?$/,
                    problem("a target is an environment name of that account, or jenkins", "use the environment's name, e.g. integration"),
                ),
            targetGrantSchema,
        )
        .default({})
        .describe(
            "Who may reach which boxes of this account: per environment (or jenkins, the dev Jenkins host), login, admin and " +
                "tunnel lists. Defaults to nobody.",
        ),
});

export const bastionHostSchema = z
    .strictObject({
        instanceType: z
            .string()
            .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, problem("not an EC2 instance type", "write a type such as t3.micro"))
            .refine(
                t => !/^[a-z]+\d[a-z-]*g[a-z-]*\./.test(t),
                problem(
                    "a Graviton (arm64) type cannot boot the x86_64 Ubuntu image the bastion uses",
                    "pick an x86_64 type such as t3.micro or t3a.micro",
                ),
            )
            .default("t3.micro")
            .describe("EC2 instance type of the bastion (x86_64, to match the Ubuntu image). Defaults to t3.micro."),
        amiId: ubuntuAmiIdSchema
            .optional()
            .describe(
                "Pins the bastion's AMI: Canonical's Ubuntu 24.04 amd64 (checked at preview). Defaults to Canonical's newest " +
                    "build at each deploy, so a new " +
                    "build replaces the host (about a minute without SSH).",
            ),
        sshAllowedCidrs: z
            .array(sshSourceCidrSchema)
            .min(1)
            .describe("IPv4 ranges allowed to reach port 22 (offices, VPN). Never 0.0.0.0/0 or ::/0. Required, at least one."),
        users: z
            .array(
                z.strictObject({
                    name: linuxUserSchema.describe("Login name on the bastion. Required."),
                    publicKeys: z.array(sshPublicKeySchema).min(1).describe("The user's OpenSSH public keys. Required, at least one."),
                    sudo: z
                        .boolean()
                        .default(false)
                        .describe(
                            "Whether the user may administer the bastion itself (sudo without a password; passwords are " +
                                "locked). Defaults to false.",
                        ),
                }),
            )
            .min(1)
            .describe("People who may log in (passwords and root login are off; keys only). Required, at least one."),
        logRetentionDays: logRetentionSchema.default(365).describe("Days CloudWatch keeps the SSH auth and session logs. Defaults to 365."),
        peers: z
            .strictObject({ dev: peerSchema.optional(), prod: peerSchema.optional() })
            .default({})
            .describe(
                "Environment accounts that peer with the bastion VPC, with their VPC blocks; each gets its own peering role. " +
                    "Defaults to none.",
            ),
    })
    .describe("The SSH bastion host (bastion account only).");

export const bastionStacksSchema = z
    .strictObject({
        dns: stackNameSchema.describe("Fully qualified name of the dns stack, whose delegation role writes bastion.<apex>. Required."),
    })
    .describe("Upstream stacks the bastion reads (dns only).");

export type BastionHostConfig = z.output<typeof bastionHostSchema>;

/** Cross-field rules: each peer VPC is disjoint from the bastion's and from the other peer. */
export function checkBastionHost(value: { network: { cidr: string }; bastionHost: BastionHostConfig }, ctx: z.RefinementCtx): void {
    const own = parseCidr(value.network.cidr);
    const peers = Object.entries(value.bastionHost.peers).filter((e): e is [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined);
    const seen: { role: string; cidr: string }[] = [{ role: "bastion", cidr: value.network.cidr }];
    for (const [role, peer] of peers) {
        const parsed = parseCidr(peer.cidr);
        if (typeof own === "string" || typeof parsed === "string") {
            continue; // reported by the fields' own schemas
        }
        for (const other of seen) {
            if (cidrsOverlap(parsed, mustParseCidr(other.cidr))) {
                ctx.addIssue({
                    code: "custom",
                    path: ["bastionHost", "peers", role, "cidr"],
                    input: peer.cidr,
                    message: problem(
                        `overlaps the ${other.role} VPC ${other.cidr}; peered VPCs need disjoint blocks`,
                        `set it to the ${role} stack's network.cidr, which must not overlap ${other.cidr}`,
                    ),
                });
            }
        }
        seen.push({ role, cidr: peer.cidr });
    }
    for (const problemFound of grantProblems(value.bastionHost.users, peerAccessList(value.bastionHost.peers))) {
        const [peer, target, list, index] = problemFound.path;
        ctx.addIssue({
            code: "custom",
            path: ["bastionHost", "peers", peer, "access", target, list, ...(index === undefined ? [] : [Number(index)])],
            input: problemFound.input,
            message: problemFound.message,
        });
    }
    if (value.bastionHost.peers.prod?.access[JENKINS_TARGET]) {
        ctx.addIssue({
            code: "custom",
            path: ["bastionHost", "peers", "prod", "access", JENKINS_TARGET],
            message: problem("Jenkins runs in the dev account, not in prod", "move this grant to bastionHost.peers.dev.access.jenkins"),
        });
    }
    const names = value.bastionHost.users.map(u => u.name);
    for (const [i, name] of names.entries()) {
        if (names.indexOf(name) !== i) {
            ctx.addIssue({
                code: "custom",
                path: ["bastionHost", "users", i, "name"],
                input: name,
                message: problem("listed twice", `merge the two entries for ${name} into one with all of their publicKeys`),
            });
        }
    }
}
