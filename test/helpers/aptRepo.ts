/** A throwaway signing key and an aptly.conf pointed at a local endpoint: what the apt publishing tests share. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { APTLY_ENDPOINT, aptlyConfig } from "../../components/delivery/aptlyConfig";

function gpg(args: string[], gnupgHome: string, input?: string): string {
    const result = spawnSync("gpg", ["--batch", ...args], { env: { ...process.env, GNUPGHOME: gnupgHome }, encoding: "utf8", input });
    if (result.status !== 0) throw new Error(`gpg ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
}

/** A fresh GnuPG home at `home` holding one signing key for `uid`; returns its fingerprint. */
export function makeSigningKey(home: string, uid: string): string {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    gpg(["--pinentry-mode", "loopback", "--passphrase", "", "--quick-generate-key", uid, "rsa3072", "sign", "1d"], home);
    return fingerprintOf(home);
}

/** The first secret key's fingerprint, read the way the release pipeline reads it. */
export function fingerprintOf(home: string): string {
    return gpg(["--with-colons", "--list-secret-keys"], home)
        .split("\n")
        .find(l => l.startsWith("fpr:"))!
        .split(":")[9];
}

/** The public key, ASCII-armored (what the image gets as apt_signing_key) or binary (a keyring gpgv reads). */
export function exportKey(home: string, fingerprint: string, armor: boolean): string | Buffer {
    const env = { ...process.env, GNUPGHOME: home };
    const result = spawnSync("gpg", ["--batch", ...(armor ? ["--armor"] : []), "--export", fingerprint], { env });
    return armor ? result.stdout.toString() : result.stdout;
}

/**
 * The aptly.conf the stack gives the Jenkins host (components/aptly.ts), with its S3 endpoint swapped for a
 * filesystem endpoint of the same name under `publicDir`: `filesystem:<endpoint>:` publishes what `s3:<endpoint>:`
 * would. Returns the config's path.
 */
export function localAptlyConfig(work: string, publicDir: string, endpoint = APTLY_ENDPOINT): string {
    const conf = aptlyConfig({ bucket: "unused", region: "eu-west-1", rootDir: path.join(work, "aptly") });
    const file = path.join(work, "aptly.conf");
    const local = { [endpoint]: { rootDir: publicDir, linkMethod: "copy" } };
    fs.writeFileSync(file, JSON.stringify({ ...conf, S3PublishEndpoints: {}, FileSystemPublishEndpoints: local }));
    return file;
}
