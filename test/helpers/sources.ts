/** Reads the program's own source files, for tests of its layout (import graph, who constructs what). */
import * as fs from "fs";
import * as path from "path";
import { listSourceFiles } from "../../plan/resourceIndex";

export const REPO = path.resolve(__dirname, "..", "..");

/** Every .ts file under a folder of the repository, as repository-relative paths with forward slashes, sorted. */
export function sourceFiles(folder: string): string[] {
    return listSourceFiles(REPO, folder);
}

/** The repository-relative files a source file imports (relative specifiers only, `import type` included). */
export function relativeImports(file: string): string[] {
    const text = fs.readFileSync(path.join(REPO, file), "utf8");
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)].map(m => m[1]);
    return specifiers.map(spec => {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        for (const candidate of [`${base}.ts`, `${base}/index.ts`]) {
            if (fs.existsSync(path.join(REPO, candidate))) return candidate;
        }
        throw new Error(`${file}: cannot resolve import "${spec}"`);
    });
}

/** One import cycle among the given files, as a list of files that ends where it starts, or undefined. */
export function findCycle(files: readonly string[]): string[] | undefined {
    const inside = new Set(files);
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string): string[] | undefined => {
        state.set(file, "open");
        stack.push(file);
        for (const next of relativeImports(file).filter(f => inside.has(f))) {
            if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
            if (!state.has(next)) {
                const cycle = visit(next);
                if (cycle) return cycle;
            }
        }
        stack.pop();
        state.set(file, "done");
        return undefined;
    };
    for (const file of files) {
        if (!state.has(file)) {
            const cycle = visit(file);
            if (cycle) return cycle;
        }
    }
    return undefined;
}
