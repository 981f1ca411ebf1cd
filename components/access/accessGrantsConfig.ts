/**
 * The access model, as plain data: who may reach which boxes through the bastion, and what that means on each host.
 * The bastion stack's config names the people (with their keys) and, per peered account, per target (an environment
 * of that account, or its Jenkins host), who may log in, who may administer, and who may open tunnels. Everything
 * else (the bastion's sshd and firewall, each box's users and keys) is derived here, so one grant is written once.
 * Pure: no resources, unit-tested, and run for real with OpenSSH in test/sshAccess.test.ts.
 */
import { cidrKey } from "../network/cidr";

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
    /** The account's VPC block: SSH and the Jenkins UI are forwarded inside it. */
    readonly cidr: string;
    /**
     * The account's data subnets (its stack's dataSubnetCidrs output), where its databases are: database tunnels are
     * forwarded there only. @default - none: no database tunnel into this account until they are set
     */
    readonly dataSubnetCidrs?: readonly string[];
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
export function grantProblems(
    users: readonly AccessUser[],
    peers: readonly PeerAccess[],
): { path: string[]; input: unknown; message: string }[] {
    const known = new Set(users.map(u => u.name));
    const problems: { path: string[]; input: unknown; message: string }[] = [];
    for (const peer of peers) {
        for (const [target, grant] of Object.entries(peer.targets)) {
            for (const list of ["login", "admin", "tunnel"] as const) {
                for (const [i, name] of (grant[list] ?? []).entries()) {
                    if (!known.has(name)) {
                        problems.push({
                            path: [peer.name, target, list, String(i)],
                            input: name,
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
                        input: grant.login,
                        message: `${name} is in both login and admin. Fix: keep ${name} in admin only (admin includes login)`,
                    });
                }
            }
        }
        problems.push(...sharedTunnelProblems(peer));
    }
    return problems;
}

/**
 * Database tunnels into one account go to its data subnets, which all of its environments share (the bastion's
 * per-user rules cannot name one database: RDS addresses change on failover and replacement); so a tunnel to one
 * environment reaches every database there that admits the bastion. Two environments of an account may be tunnel
 * targets only when the same people hold both grants.
 */
function sharedTunnelProblems(peer: PeerAccess): { path: string[]; input: unknown; message: string }[] {
    const tunnels = Object.entries(peer.targets)
        .filter(([target, grant]) => target !== JENKINS_TARGET && (grant.tunnel ?? []).length > 0)
        .map(([target, grant]) => ({ target, people: [...new Set(grant.tunnel)].sort() }))
        .sort((a, b) => a.target.localeCompare(b.target));
    const [first, ...rest] = tunnels;
    return rest
        .filter(other => other.people.join() !== first.people.join())
        .map(other => ({
            path: [peer.name, other.target, "tunnel"],
            input: other.people,
            message:
                `tunnels to ${first.target} (${first.people.join(", ")}) and ${other.target} (${other.people.join(", ")}) of ` +
                `${peer.name} reach both databases: the bastion tells the account's data subnets apart, not its databases. ` +
                `Fix: list the same people in both tunnel lists, or grant tunnels to one environment of ${peer.name} only`,
        }));
}

/**
 * Where a grant on `target` lets `user` forward in one account: SSH (login/admin) anywhere in its block, the Jenkins
 * UI likewise, and an environment's database ports only to the account's data subnets.
 */
function targetForwards(peer: PeerAccess, target: string, grant: TargetGrant, user: string): Forward[] {
    const forwards: Forward[] = [];
    if ((grant.login ?? []).includes(user) || (grant.admin ?? []).includes(user)) forwards.push({ cidr: peer.cidr, port: SSH_PORT });
    if ((grant.tunnel ?? []).includes(user)) {
        if (target === JENKINS_TARGET) forwards.push({ cidr: peer.cidr, port: JENKINS_TUNNEL_PORT });
        else for (const cidr of peer.dataSubnetCidrs ?? []) forwards.push(...DATABASE_TUNNEL_PORTS.map(port => ({ cidr, port })));
    }
    return forwards;
}

const byPortThenCidr = (a: Forward, b: Forward) => a.port - b.port || a.cidr.localeCompare(b.cidr, "en", { numeric: true });

/**
 * Where `user`'s forwarded connections may go from the bastion: per peered account, the blocks and ports its grants
 * open (targetForwards). The bastion cannot tell one environment's boxes from another's in the same VPC (they share
 * subnets), so it enforces per account and tier; each box then admits only the people granted its own target, and
 * each database only the bastion when someone may tunnel to its environment (tunnelTargets).
 */
export function bastionForwards(user: string, peers: readonly PeerAccess[]): Forward[] {
    const forwards: Forward[] = [];
    for (const peer of [...peers].sort((a, b) => a.name.localeCompare(b.name))) {
        const all = Object.entries(peer.targets).flatMap(([target, grant]) => targetForwards(peer, target, grant, user));
        const distinct = new Map(all.map(f => [`${f.cidr} ${f.port}`, f]));
        forwards.push(...[...distinct.values()].sort(byPortThenCidr));
    }
    return forwards;
}

/**
 * Per peered account, the environments someone may tunnel to (not jenkins): only their databases admit the bastion.
 * A grant to one environment must not open another's database in the same account.
 */
export function tunnelTargets(peers: readonly PeerAccess[]): Record<string, string[]> {
    return Object.fromEntries(
        peers.map(peer => [
            peer.name,
            Object.entries(peer.targets)
                .filter(([target, grant]) => target !== JENKINS_TARGET && (grant.tunnel ?? []).length > 0)
                .map(([target]) => target)
                .sort(),
        ]),
    );
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
    readonly dataSubnetCidrs?: readonly string[];
    readonly access?: Readonly<Record<string, TargetGrant>>;
}

/** The peers' grants as a list, by account name. */
export function peerAccessList(peers: Readonly<Record<string, PeerAccessConfig | undefined>>): PeerAccess[] {
    return Object.entries(peers)
        .filter((e): e is [string, PeerAccessConfig] => e[1] !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, peer]) => ({ name, cidr: peer.cidr, dataSubnetCidrs: peer.dataSubnetCidrs ?? [], targets: peer.access ?? {} }));
}

/**
 * The peers as the bastion host itself enforces them (sshd PermitOpen and its per-person firewall, both in its user
 * data): database tunnels to the account's whole VPC block, on the database ports only. The data subnets come from the
 * environment's stack after the bastion's first deploy, and a change of user data replaces the host (new host keys for
 * everyone); so they narrow the bastion's security group egress instead (bastionEgressRules over the peers as they are),
 * which changes in place, and the host stays as its first deploy made it.
 */
export function hostEnforcedPeers(peers: readonly PeerAccess[]): PeerAccess[] {
    return peers.map(peer => ({ ...peer, dataSubnetCidrs: [peer.cidr] }));
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
 * The bastion's egress toward the peered accounts: per account, each block and port someone is granted there, and
 * nothing for an account nobody may reach. The bastion stack owns these (it knows the blocks), so no environment's
 * role needs to change the bastion's rules. A rule to the account's whole block keeps its key `<peer>-<port>`; one to
 * a data subnet adds the block.
 */
export function bastionEgressRules(users: readonly AccessUser[], peers: readonly PeerAccess[]): BastionEgressRule[] {
    const rules: BastionEgressRule[] = [];
    for (const peer of [...peers].sort((a, b) => a.name.localeCompare(b.name))) {
        const granted = new Map(users.flatMap(u => bastionForwards(u.name, [peer])).map(f => [`${f.cidr} ${f.port}`, f]));
        for (const { cidr, port } of [...granted.values()].sort(byPortThenCidr)) {
            const what = port === SSH_PORT ? "SSH" : port === JENKINS_TUNNEL_PORT ? "Jenkins UI tunnels" : "database tunnels";
            const whole = cidr === peer.cidr;
            rules.push({
                peer: peer.name,
                cidr,
                port,
                key: whole ? `${peer.name}-${port}` : `${peer.name}-${port}-${cidrKey(cidr)}`,
                description: whole ? `${what} to the ${peer.name} VPC` : `${what} to the ${peer.name} data subnet ${cidr}`,
            });
        }
    }
    return rules;
}
