import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * A content hash of a Docker build context: every file's relative path and bytes, in sorted order. The image
 * tag comes from it, so an unchanged context never rebuilds and an immutable tag is never reused for new content.
 */
export function buildContextHash(dir: string): string {
    const hash = createHash("sha256");
    const walk = (rel: string): void => {
        const entries = fs
            .readdirSync(path.join(dir, rel), { withFileTypes: true })
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
            const child = rel ? `${rel}/${entry.name}` : entry.name;
            if (entry.isDirectory()) {
                walk(child);
            } else if (entry.isFile()) {
                hash.update(`${child}\u0000`)
                    .update(fs.readFileSync(path.join(dir, child)))
                    .update("\u0000");
            }
        }
    };
    walk("");
    return hash.digest("hex");
}
