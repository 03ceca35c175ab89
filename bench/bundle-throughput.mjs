// Throughput of pack and inspect (the streaming safe reader) on a ~100 MB bundle, next to the zstd and
// tar command-line tools doing the equivalent work on the same files, in the same run.
//   npm run build:server && node bench/bundle-throughput.mjs [sizeMiB=100] [runs=3] [random|text]
// random: incompressible files, so the bundle itself is about sizeMiB (the worst case for hashing and I/O);
// text: compressible files of sizeMiB in all (the bundle is then a fraction of that).
// Prints each timing (median of the runs) and the ratio ours/baseline in throughput (1.0 = as fast).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_ZSTD_LEVEL, inspectBundle, listTree, packFilesToFile } from '@extplat/bundle';
import { componentImporting, leb128 } from '@extplat/testing';

const sizeMiB = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 3);
const content = process.argv[4] ?? 'random';
const WORDS = 'extension tenant install bundle runner gateway signature manifest component handler'.split(' ');
const payload = (bytes) => {
  if (content === 'random') return randomBytes(bytes);
  const words = [];
  for (let length = 0; length < bytes;) {
    const word = WORDS[Math.floor(Math.random() * WORDS.length)];
    words.push(word);
    length += word.length + 1;
  }
  return Buffer.from(words.join(' ')).subarray(0, bytes);
};
const work = mkdtempSync(join(tmpdir(), 'extplat-bench-'));
const tree = join(work, 'tree');

mkdirSync(join(tree, 'dist'), { recursive: true });
mkdirSync(join(tree, 'ui/assets'), { recursive: true });
// A component shaped like componentize-js output: preamble, an import section, then a ~12 MiB core module section.
const core = payload(12 * 1024 * 1024);
writeFileSync(
  join(tree, 'dist/main.wasm'),
  Buffer.concat([componentImporting(['extplat:extension/log@1.0.0']), Buffer.from([0x01]), leb128(core.length), core]),
);
for (let i = 0; i < sizeMiB - 12; i++)
  writeFileSync(join(tree, `ui/assets/blob-${String(i).padStart(3, '0')}.bin`), payload(1024 * 1024));
writeFileSync(join(tree, 'ui/index.html'), '<!doctype html><title>bench</title>');
writeFileSync(
  join(tree, 'manifest.json'),
  JSON.stringify({
    name: 'com.example.bench',
    publisher: 'example',
    version: '1.0.0',
    runtime: 'wasm-component@1',
    entry: 'dist/main.wasm',
    ui: { type: 'iframe', entry: 'ui/index.html' },
  }),
);
const files = await listTree(tree);
const limits = { maxBytes: 1024 * 1024 * 1024, maxUnpackedBytes: 2 * 1024 * 1024 * 1024 };

async function time(fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

const ours = join(work, 'ours.tar.zst');
const packMs = await time(async (i) => {
  rmSync(ours, { force: true });
  await packFilesToFile(tree, files, ours, { limits });
  if (i === 0) process.stderr.write(`bundle: ${(statSync(ours).size / 1024 / 1024).toFixed(1)} MiB\n`);
});
const baselinePackMs = await time(() => {
  execFileSync('sh', [
    '-c',
    `tar -cf - -C "${tree}" ${files.map((f) => `"${f}"`).join(' ')} | zstd -q -${BUNDLE_ZSTD_LEVEL} -T1 -f -o "${join(work, 'cli.tar.zst')}"`,
  ]);
});
const inspectMs = await time(() => inspectBundle(createReadStream(ours, { highWaterMark: 1024 * 1024 }), { limits }));
const baselineListMs = await time(() => {
  execFileSync('sh', ['-c', `zstd -q -d -c "${ours}" | tar -tf - > /dev/null`]);
});
const extractMs = await time(async (i) => {
  await inspectBundle(createReadStream(ours, { highWaterMark: 1024 * 1024 }), {
    limits,
    extractTo: join(work, `x-${i}`),
  });
});
const baselineExtractMs = await time((i) => {
  mkdirSync(join(work, `t-${i}`));
  execFileSync('sh', ['-c', `zstd -q -d -c "${ours}" | tar -xf - -C "${join(work, `t-${i}`)}"`]);
});

const mib = statSync(ours).size / 1024 / 1024;
const row = (name, ms, baseline, baselineName) =>
  `${name.padEnd(24)} ${ms.toFixed(0).padStart(6)} ms  ${(mib / (ms / 1000)).toFixed(0).padStart(5)} MiB/s   ` +
  `${baselineName.padEnd(28)} ${baseline.toFixed(0).padStart(6)} ms   ratio ${(baseline / ms).toFixed(2)}x`;
console.log(
  `bundle ${mib.toFixed(1)} MiB (${content} content), ${files.length} files, median of ${runs} runs, zstd level ${BUNDLE_ZSTD_LEVEL}`,
);
console.log(row('pack', packMs, baselinePackMs, `tar -c | zstd -${BUNDLE_ZSTD_LEVEL} -T1`));
console.log(row('inspect (hash+checks)', inspectMs, baselineListMs, 'zstd -d | tar -t'));
console.log(row('inspect + extract', extractMs, baselineExtractMs, 'zstd -d | tar -x'));
rmSync(work, { recursive: true, force: true });
