// ESLint (flat config): ESLint's and typescript-eslint's recommended rules over our TypeScript and the plain
// JavaScript in bench/. Formatting is prettier's job (.prettierrc.json); no rule here checks layout.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
    // Installed packages (node_modules is ignored by default), build output, plans written by `npm run plan`,
    // and the image sources, which hold no JavaScript.
    globalIgnores(["bin/", "plans/", "images/", "docs/", "packages/outputs/dist/"]),
    {
        linterOptions: {
            // An eslint-disable comment that no longer suppresses anything is an error, so none outlives its reason.
            reportUnusedDisableDirectives: "error",
        },
    },
    js.configs.recommended,
    tseslint.configs.recommended,
    {
        rules: {
            // Lines of at most 140 characters (STYLE.md). prettier wraps code at 140 but leaves long strings,
            // template literals and comments alone; this catches those. (A core rule, deprecated in favour of
            // @stylistic/max-len and kept until ESLint 11.)
            "max-len": ["error", { code: 140, tabWidth: 4, ignoreUrls: true }],
            // tsc's noUnusedLocals/noUnusedParameters already let an underscore mark a name unused on purpose
            // (`_inputs`, `const { region: _region, ...rest }`); the same convention here, so the two agree.
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
            ],
        },
    },
    {
        files: ["test/**/*.ts"],
        rules: {
            // Tests reach into a planned resource's untyped inputs by path (`(r.inputs as any).policyDetails`): the
            // assertion is the check, and a wrong path fails it. Program code keeps the rule.
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
    {
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                process: "readonly",
                console: "readonly",
                Buffer: "readonly",
                __dirname: "readonly",
            },
        },
        rules: {
            // Plain Node scripts (bench/*.js) load modules with require; that is what they are.
            "@typescript-eslint/no-require-imports": "off",
        },
    },
);
