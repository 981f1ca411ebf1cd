/**
 * The access model, as plain data: who may reach which boxes through the bastion, and what that means on each host.
 * The bastion stack's config names the people (with their keys) and, per peered account, per target (an environment
 * of that account, or its Jenkins host), who may log in, who may administer, and who may open tunnels. Everything
 * else (the bastion's sshd and firewall, each box's users and keys) is derived here, so one grant is written once.
 * Pure: no resources, unit-tested, and run for real with OpenSSH in test/sshAccess.test.ts.
 */

/** A person on the bastion: login name and OpenSSH public keys. */
export interface AccessUser {
    readonly name: string;
    readonly publicKeys: readonly string[];
    /** Administers the bastion itself: a shell and sudo. Everyone else may only jump through it. @default false */
    readonly sudo?: boolean;
}

/** Who may do what on one target (an environment's app boxes, or the Jenkins host). Each list defaults to nobody. */
export interface TargetGrant {
    /** A shell on the target's boxes, without sudo. */
    readonly login?: readonly string[];
    /** A shell with sudo on the target's boxes. */
    readonly admin?: readonly string[];
    /** Tunnels through the bastion to the target's services: its database, or the Jenkins UI. */
    readonly tunnel?: readonly string[];
}

/** The target name of the Jenkins host in the dev account's grants; every other target is an environment. */
export const JENKINS_TARGET = "jenkins";

export const SSH_PORT = 22;
/** Database ports an environment's tunnel users may forward to: postgres and mysql (the engines the data tier offers). */
export const DATABASE_TUNNEL_PORTS = [3306, 5432] as const;
/** The Jenkins UI (components/jenkinsHost.ts JENKINS_PORT). */
export const JENKINS_TUNNEL_PORT = 8080;

/** One peered account the bastion reaches: its VPC block and its targets' grants. */
export interface PeerAccess {
    /** The account's role, e.g. dev or prod. */
    readonly name: string;
    /** The account's VPC block: everything the bastion forwards to in this account is inside it. */
    readonly cidr: string;
    /** Grants by target: an environment name of that account, or "jenkins". */
    readonly targets: Readonly<Record<string, TargetGrant>>;
}

/** A destination a bastion user's forwarded connections may open. */
export interface Forward {
    readonly cidr: string;
    readonly port: number;
}

/** A person on one box (app server or Jenkins host): their keys, and whether they administer it. */
export interface HostLogin {
    readonly name: string;
    readonly publicKeys: readonly string[];
    readonly sudo: boolean;
}

const unique = <T>(values: readonly T[]) => [...new Set(values)];

/** Every problem with the grants: names that are not bastion users, one person listed twice on one target. */
export function grantProblems(users: readonly AccessUser[], peers: readonly PeerAccess[]): { path: string[]; message: string }[] {
    const known = new Set(users.map(u => u.name));
    const problems: { path: string[]; message: string }[] = [];
    for (const peer of peers) {
        for (const [target, grant] of Object.entries(peer.targets)) {
            for (const list of ["login", "admin", "tunnel"] as const) {
                for (const [i, name] of (grant[list] ?? []).entries()) {
                    if (!known.has(name)) {
                        problems.push({
                            path: [peer.name, target, list, String(i)],
                            message:
                                `${name} is not a bastion user. Fix: add ${name} to bastionHost.users with their public ` +
                                `key, or remove them here`,
                        });
                    }
                }
            }
            for (const name of grant.login ?? []) {
                if ((grant.admin ?? []).includes(name)) {
                    problems.push({
                        path: [peer.name, target, "login"],
                        message: `${name} is in both login and admin. Fix: keep ${name} in admin only (admin includes login)`,
                    });
                }
            }
        }
    }
    return problems;
}

/** The ports a grant on `target` opens for `user` through the bastion: SSH for login/admin, the tunnel ports. */
function targetPorts(target: string, grant: TargetGrant, user: string): number[] {
    const ports: number[] = [];
    if ((grant.login ?? []).includes(user) || (grant.admin ?? []).includes(user)) ports.push(SSH_PORT);
    if ((grant.tunnel ?? []).includes(user)) ports.push(...(target === JENKINS_TARGET ? [JENKINS_TUNNEL_PORT] : DATABASE_TUNNEL_PORTS));
    return ports;
}

/**
 * Where `user`'s forwarded connections may go from the bastion: per peered account, its VPC block and the ports its
 * grants open. The bastion cannot tell one environment's boxes from another's in the same VPC (they share subnets),
 * so it enforces per account; each box then admits only the people granted its own target.
 */
export function bastionForwards(user: string, peers: readonly PeerAccess[]): Forward[] {
    const forwards: Forward[] = [];
    for (const peer of [...peers].sort((a, b) => a.name.localeCompare(b.name))) {
        const ports = unique(Object.entries(peer.targets).flatMap(([target, grant]) => targetPorts(target, grant, user))).sort(
            (a, b) => a - b,
        );
        forwards.push(...ports.map(port => ({ cidr: peer.cidr, port })));
    }
    return forwards;
}

/** The ports any bastion user may forward to, across all grants (PermitOpen takes ports, the firewall the blocks). */
export function forwardPorts(forwards: readonly Forward[]): number[] {
    return unique(forwards.map(f => f.port)).sort((a, b) => a - b);
}

/** The people on one target's boxes, by name: everyone in login or admin, with their keys; admins get sudo. */
export function hostLogins(users: readonly AccessUser[], grant: TargetGrant | undefined): HostLogin[] {
    const admins = new Set(grant?.admin ?? []);
    const names = unique([...(grant?.login ?? []), ...admins]).sort();
    return names.map(name => {
        const user = users.find(u => u.name === name);
        if (!user) throw new Error(`hostLogins: ${name} is granted access but is not a bastion user (grantProblems reports this)`);
        return { name, publicKeys: [...user.publicKeys], sudo: admins.has(name) };
    });
}

/** A peered account as config gives it: its VPC block and, per target, its grant. */
export interface PeerAccessConfig {
    readonly cidr: string;
    readonly access?: Readonly<Record<string, TargetGrant>>;
}

/** The peers' grants as a list, by account name. */
export function peerAccessList(peers: Readonly<Record<string, PeerAccessConfig | undefined>>): PeerAccess[] {
    return Object.entries(peers)
        .filter((e): e is [string, PeerAccessConfig] => e[1] !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, peer]) => ({ name, cidr: peer.cidr, targets: peer.access ?? {} }));
}

/** Every user's forwards, by name (users with none get an empty list). */
export function forwardsByUser(users: readonly AccessUser[], peers: readonly PeerAccess[]): Record<string, Forward[]> {
    return Object.fromEntries(users.map(u => [u.name, bastionForwards(u.name, peers)]));
}

/** An egress rule the bastion's security group needs: one granted port to one peered account's block. */
export interface BastionEgressRule {
    readonly peer: string;
    readonly cidr: string;
    readonly port: number;
    /** Stable, by value: removing one grant never renames another rule. */
    readonly key: string;
    readonly description: string;
}

/**
 * The bastion's egress toward the peered accounts: per account, each port someone is granted there, and nothing
 * for an account nobody may reach. The bastion stack owns these (it knows the blocks), so no environment's role
 * needs to change the bastion's rules.
 */
export function bastionEgressRules(users: readonly AccessUser[], peers: readonly PeerAccess[]): BastionEgressRule[] {
    const rules: BastionEgressRule[] = [];
    for (const peer of [...peers].sort((a, b) => a.name.localeCompare(b.name))) {
        const ports = forwardPorts(users.flatMap(u => bastionForwards(u.name, [peer])));
        for (const port of ports) {
            const what = port === SSH_PORT ? "SSH" : port === JENKINS_TUNNEL_PORT ? "Jenkins UI tunnels" : "database tunnels";
            rules.push({
                peer: peer.name,
                cidr: peer.cidr,
                port,
                key: `${peer.name}-${port}`,
                description: `${what} to the ${peer.name} VPC`,
            });
        }
    }
    return rules;
}
