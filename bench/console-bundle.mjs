// The console's initial download as a browser gets it: index.html plus every stylesheet, module script and
// modulepreload it names, raw and compressed (gzip level 6 as nginx sends it by default, brotli 11 for
// precompressed files). Usage: node bench/console-bundle.mjs [dist/admin] [budget kB, default 150].
// Exits 1 when the gzip total is over the budget, so it can guard a build by hand or in a job.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist/admin';
const budgetKb = Number(process.argv[3] ?? 150);
const browserDir = join(dist, 'browser');
const index = readFileSync(join(browserDir, 'index.html'), 'utf8');
const files = [
  'index.html',
  ...[...index.matchAll(/<(?:link|script)\b[^>]*?(?:href|src)="([^"]+\.(?:js|css))"/g)].map((match) => match[1]),
];

const kb = (bytes) => (bytes / 1000).toFixed(2);
const rows = files.map((file) => {
  const bytes = readFileSync(join(browserDir, file));
  return {
    file,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 6 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const total = rows.reduce(
  (sum, row) => ({ raw: sum.raw + row.raw, gzip: sum.gzip + row.gzip, brotli: sum.brotli + row.brotli }),
  {
    raw: 0,
    gzip: 0,
    brotli: 0,
  },
);
console.log('file\traw kB\tgzip kB\tbrotli kB');
for (const row of [...rows, { file: 'total', ...total }]) {
  console.log(`${row.file}\t${kb(row.raw)}\t${kb(row.gzip)}\t${kb(row.brotli)}`);
}
console.log(`gzip total is ${((total.gzip / (budgetKb * 1000)) * 100).toFixed(0)}% of the ${budgetKb} kB budget`);
if (total.gzip > budgetKb * 1000) process.exitCode = 1;
