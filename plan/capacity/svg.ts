/** A plot of demand against capacity over time, for people: one SVG, no dependencies. */
import type { CapacityResult } from "./model";

const W = 720;
const H = 320;
const PAD = { left: 56, right: 16, top: 28, bottom: 40 };

/** The run as an SVG: demand (everyone), capacity of in-service servers, and the rushing tenant's refused rate. */
export function capacitySvg(result: CapacityResult): string {
    const steps = result.steps;
    const tMax = steps.length > 0 ? steps[steps.length - 1].t : 1;
    const yMax = Math.max(1, ...steps.map(s => Math.max(s.demand + s.throttled, s.capacity))) * 1.1;
    const x = (t: number) => PAD.left + (t / tMax) * (W - PAD.left - PAD.right);
    const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
    const line = (values: (s: (typeof steps)[number]) => number, color: string, label: string) =>
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${steps
            .map(s => `${x(s.t).toFixed(1)},${y(values(s)).toFixed(1)}`)
            .join(" ")}"><title>${label}</title></polyline>`;
    const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => {
        const v = yMax * f;
        return `<text x="${PAD.left - 6}" y="${y(v).toFixed(1)}" text-anchor="end" font-size="11">${Math.round(v)}</text>`;
    });
    const minutes = Array.from({ length: Math.floor(tMax / 600) + 1 }, (_, i) => i * 600).map(
        t => `<text x="${x(t).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11">${t / 60}</text>`,
    );
    const legend = [
        ["#1f77b4", "capacity (requests/s)"],
        ["#d62728", "demand served or queued (requests/s)"],
        ["#7f7f7f", "rushing tenant refused by WAF (requests/s)"],
    ].map(([color, text], i) => `<text x="${PAD.left + 10 + i * 220}" y="18" font-size="12" fill="${color}">${text}</text>`);
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
        `<title>${result.environment}: ${result.profile} (a model, not a measurement)</title>`,
        `<rect width="${W}" height="${H}" fill="white"/>`,
        `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="black"/>`,
        `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="black"/>`,
        ...ticks,
        ...minutes,
        `<text x="${(W + PAD.left) / 2}" y="${H - 6}" text-anchor="middle" font-size="12">minutes</text>`,
        line(s => s.capacity, "#1f77b4", "capacity"),
        line(s => s.demand, "#d62728", "demand"),
        line(s => s.throttled, "#7f7f7f", "refused"),
        ...legend,
        "</svg>",
        "",
    ].join("\n");
}
