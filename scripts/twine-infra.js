#!/usr/bin/env node
/**
 * The project's command: `npx twine-infra plan <stack> ...` (see `npx twine-infra --help`). Unlike `npm run`,
 * it prints nothing of its own, so stdout carries only the plan and pipes into jq.
 */
"use strict";
const path = require("path");

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("./plan").runCommandLine(process.argv.slice(2), { command: true });
