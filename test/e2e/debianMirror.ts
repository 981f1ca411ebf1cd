/**
 * The Debian mirror this machine's apt uses, read from its sources at run time (never a hard-coded address), so
 * debootstrap fetches from wherever the machine's packages come from.
 */
import * as fs from "fs";
import * as path from "path";

export interface AptSource {
    readonly uri: string;
    readonly suites: readonly string[];
    readonly components: readonly string[];
}

/** Every `deb` entry of one-line (`.list`) and deb822 (`.sources`) files; other types and disabled entries are skipped. */
export function parseAptSources(file: string, content: string): AptSource[] {
    if (file.endsWith(".sources")) {
        return content
            .split(/\n\s*\n/)
            .map(stanza => {
                const uncommented = stanza.replace(/^#.*$/gm, "");
                const field = (name: string) =>
                    (new RegExp(`^${name}:[ \\t]*(.*)$`, "mi").exec(uncommented)?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
                const enabled = field("Enabled")[0]?.toLowerCase() !== "no";
                return { types: field("Types"), uris: field("URIs"), suites: field("Suites"), components: field("Components"), enabled };
            })
            .filter(s => s.enabled && s.types.includes("deb"))
            .flatMap(s => s.uris.map(uri => ({ uri, suites: s.suites, components: s.components })));
    }
    return content
        .split("\n")
        .map(line => line.replace(/#.*$/, "").trim())
        .filter(line => /^deb\s/.test(line))
        .map(line => line.replace(/\[[^\]]*\]\s*/, "").split(/\s+/))
        .map(([, uri, suite, ...components]) => ({ uri, suites: [suite], components }));
}

/** The first source carrying `suite` with the main component: what debootstrap needs. */
export function debianMirror(sources: readonly AptSource[], suite: string): string {
    const found = sources.find(s => s.suites.includes(suite) && s.components.includes("main") && /^https?:\/\//.test(s.uri));
    if (!found) {
        throw new Error(
            `no apt source of this machine carries ${suite} main over http(s) (read ${sources.length} entries). ` +
                "Fix: add one to /etc/apt/sources.list.d",
        );
    }
    return found.uri.replace(/\/+$/, "");
}

/** This machine's release codename and the mirror its apt reads it from. */
export function machineMirror(): { suite: string; mirror: string } {
    const osRelease = fs.readFileSync("/etc/os-release", "utf8");
    const suite = /^VERSION_CODENAME=("?)([a-z]+)\1$/m.exec(osRelease)?.[2];
    if (!suite) throw new Error("/etc/os-release names no VERSION_CODENAME: this test needs a Debian machine");
    const dir = "/etc/apt/sources.list.d";
    const files = ["/etc/apt/sources.list", ...(fs.existsSync(dir) ? fs.readdirSync(dir).map(f => path.join(dir, f)) : [])];
    const sources = files
        .filter(f => fs.existsSync(f) && (f.endsWith(".list") || f.endsWith(".sources")))
        .flatMap(f => parseAptSources(f, fs.readFileSync(f, "utf8")));
    return { suite, mirror: debianMirror(sources, suite) };
}
