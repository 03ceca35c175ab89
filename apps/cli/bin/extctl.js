#!/usr/bin/env node
// Entry point of the `extctl` binary; the program itself is compiled to dist/ by `npm run build`.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv);
