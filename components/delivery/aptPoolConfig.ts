/**
 * What the private apt repository holds, read from its S3 keys: Aptly publishes every package file under
 * `pool/<component>/<letter>/<source>/<name>_<version>_<arch>.deb` (Debian's pool layout; the file name drops the
 * version's epoch). Plain functions, unit-tested without Pulumi.
 */

import { APT_COMPONENT } from "./aptlyConfig";

/** The S3 prefix under which Aptly publishes package files. */
export const POOL_PREFIX = "pool/";

/**
 * The exact key prefix of a package's files at a version: `pool/main/t/twine/twine_2026.11.3-1_` (our packages are
 * built from a source of their own name; Debian files `lib*` sources under four letters). Listing it finds the
 * package whatever the pool holds besides: S3 lists at most 1,000 keys per page.
 */
export function packagePoolPrefix(name: string, version: string): string {
    const letter = name.startsWith("lib") ? name.slice(0, 4) : name[0];
    return `${POOL_PREFIX}${APT_COMPONENT}/${letter}/${name}/${name}_${version.replace(/^\d+:/, "")}_`;
}

/** The packages (of `packages`) with no `.deb` at `version` among the keys: empty when the image can install all. */
export function missingPackages(keys: readonly string[], packages: readonly string[], version: string): string[] {
    const fileVersion = version.replace(/^\d+:/, "");
    const published = new Set(
        keys
            .filter(key => key.startsWith(POOL_PREFIX) && key.endsWith(".deb"))
            .map(key => key.slice(key.lastIndexOf("/") + 1).split("_"))
            .filter(parts => parts.length === 3 && parts[1] === fileVersion)
            .map(parts => parts[0]),
    );
    return packages.filter(p => !published.has(p));
}

/** The bake's `notReady` message for missing packages, or "" when none is missing. */
export function unpublishedMessage(missing: readonly string[], version: string, bucket: string): string {
    if (missing.length === 0) return "";
    return (
        `the apt repository (s3://${bucket}) has no ${missing.join(", ")} at ${version}, so the image cannot install it; ` +
        "the bake did not start. Fix: run the twine-release pipeline to publish that version (on the first deploy of dev: " +
        "docs/runbook.md, the first release), or set image.aptRepo.twineVersion to a published version, then `pulumi up` again"
    );
}
