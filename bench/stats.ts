/** Small statistics and table rendering for the benchmark: medians and spreads, since the machine is shared. */

export interface Summary {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly runs: number;
}

export function summarize(samples: readonly number[]): Summary {
    if (samples.length === 0) throw new Error("summarize needs at least one sample");
    const sorted = [...samples].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** "1.23 s (1.10-1.40)": the median, then the spread of the runs. */
export function formatSummary(s: Summary): string {
    const sec = (ms: number) => (ms / 1000).toFixed(2);
    return s.runs > 1 ? `${sec(s.median)} s (${sec(s.min)}-${sec(s.max)})` : `${sec(s.median)} s`;
}

/** Columns padded to their widest cell; the first row is the header, underlined. */
export function renderTable(rows: readonly (readonly string[])[]): string {
    const widths = rows[0].map((_c, i) => Math.max(...rows.map(r => (r[i] ?? "").length)));
    const line = (r: readonly string[]) =>
        r
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(rows[0]), widths.map(w => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
