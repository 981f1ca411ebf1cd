import { strict as assert } from "assert";
import { formatSummary, renderTable, summarize } from "../bench/stats";

describe("benchmark statistics", () => {
    it("takes the median and the spread, whatever the order of the runs", () => {
        assert.deepEqual(summarize([3000, 1000, 2000]), { median: 2000, min: 1000, max: 3000, runs: 3 });
        assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
        assert.throws(() => summarize([]), /at least one sample/);
    });

    it("prints seconds with the spread", () => {
        assert.equal(formatSummary(summarize([1100, 1230, 1400])), "1.23 s (1.10-1.40)");
        assert.equal(formatSummary(summarize([1230])), "1.23 s");
    });

    it("aligns columns under an underlined header", () => {
        assert.equal(
            renderTable([
                ["stack", "s"],
                ["prod", "1.5"],
            ]),
            "stack  s\n-----  ---\nprod   1.5",
        );
    });
});
