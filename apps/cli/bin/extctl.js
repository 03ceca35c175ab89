#!/usr/bin/env node
// Entry point of the `extctl` binary; the program itself is compiled to dist/ by `npm run build`.
// The checkout's native addons (re2, zstd-napi) are built for Node 24: on an older Node, say so plainly
// instead of failing inside an addon's loader. The program is imported only after the check.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `extctl needs Node 24 or later (this is ${process.version}). In the platform checkout, run ` +
      '`source scripts/node.sh` first, or `bash scripts/node.sh node apps/cli/bin/extctl.js ...`.',
  );
  process.exit(1);
}
const { main } = await import('../dist/main.js');

process.exitCode = await main(process.argv);
