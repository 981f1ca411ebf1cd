/** The end-to-end suite's mirror lookup: this machine's apt sources, one-line and deb822, read as apt reads them. */
import { strict as assert } from "assert";
import { debianMirror, parseAptSources } from "./e2e/debianMirror";

describe("the Debian mirror of the machine's apt sources", () => {
    it("reads deb822 stanzas, skipping deb-src, disabled ones and comments", () => {
        const sources = parseAptSources(
            "debian.sources",
            [
                "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main",
                "Types: deb\n# http://snapshot.example/archive\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main",
                "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main",
            ].join("\n\n"),
        );
        assert.deepEqual(sources, [
            { uri: "http://mirror.example/debian/", suites: ["bookworm", "bookworm-updates"], components: ["main"] },
        ]);
        assert.equal(debianMirror(sources, "bookworm"), "http://mirror.example/debian");
    });

    it("reads one-line entries with options, and picks the one carrying the suite's main component", () => {
        const sources = parseAptSources(
            "sources.list",
            "# deb http://old.example/debian bookworm main\ndeb [arch=amd64] http://sec.example/debian-security bookworm-security main\n" +
                "deb http://mirror.example/debian bookworm contrib\ndeb http://main.example/debian bookworm main contrib\n",
        );
        assert.equal(debianMirror(sources, "bookworm"), "http://main.example/debian");
    });

    it("says what is missing when no source carries the suite", () => {
        assert.throws(() => debianMirror([], "bookworm"), /no apt source of this machine carries bookworm main .*Fix:/);
    });
});
