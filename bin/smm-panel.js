#!/usr/bin/env node
// The operator CLI entry point; the code lives in src/cli (compiled to dist/ by `npm install`).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
