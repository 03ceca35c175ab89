// Throughput of pack and inspect (the streaming safe reader) on a ~100 MB bundle, next to the zstd and
// tar command-line tools doing the equivalent work on the same files, in the same run.
//   npm run build:server && node bench/bundle-throughput.mjs [sizeMiB=100] [runs=3] [random|text]
// random: incompressible files, so the bundle itself is about sizeMiB (the worst case for hashing and I/O);
// text: compressible files of sizeMiB in all (the bundle is then a fraction of that).
// Ours and the baseline run alternately. Prints each timing (median and best of the runs) and the ratio
// ours/baseline in throughput (1.0 = as fast); on a shared machine the best runs are the steadier figure.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { componentImporting, leb128 } from '@extplat/testing';

// BUNDLE_DIST=<path to another build's dist/index.js> measures that build instead, e.g. a copy of dist kept
// from before a change: run the bench with and without it by turns, so both meet the same load.
const bundle = process.env.BUNDLE_DIST
  ? await import(pathToFileURL(process.env.BUNDLE_DIST).href)
  : await import('@extplat/bundle');
const { BUNDLE_ZSTD_LEVEL, inspectBundle, listTree, packFilesToFile } = bundle;
// Builds from before 2026-12-04 have no reusing reader; a read stream is what extctl used then.
const readFileReusingBuffer =
  bundle.readFileReusingBuffer ?? ((file) => createReadStream(file, { highWaterMark: 1024 * 1024 }));

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

/** Runs a shell command; returns the CPU time of its processes in ms (the shell's `times` builtin). */
function shell(command) {
  const output = execFileSync('sh', ['-c', `${command}; times`], { encoding: 'utf8' });
  const [user, system] = [
    ...output
      .trim()
      .split('\n')
      .at(-1)
      .matchAll(/(\d+)m([\d.]+)s/g),
  ].map(([, minutes, seconds]) => (Number(minutes) * 60 + Number(seconds)) * 1000);
  return { cpuMs: user + system };
}

const cpuMs = ({ user, system }) => (user + system) / 1000;

let collections = 0;
new PerformanceObserver((list) => (collections += list.getEntries().length)).observe({ entryTypes: ['gc'] });

/**
 * Runs ours and the baseline alternately, so that a change of load on a shared machine hits both alike.
 * Returns the samples of each, sorted: wall time, and CPU time (ours: every thread of this process, and the
 * main thread alone; the baseline: both of its processes). CPU time depends far less on the machine's load.
 * For ours also the garbage collections and how far the resident memory rose above where it started
 * (sampled every 5 ms): a streaming reader's stays far below the bundle's size.
 */
async function paired(ours, baseline) {
  const samples = { ours: { wall: [], cpu: [], main: [], gc: [], rss: [] }, baseline: { wall: [], cpu: [] } };
  for (let i = 0; i < runs; i++) {
    const rssBefore = process.memoryUsage.rss();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 5);
    const gcBefore = collections;
    const [cpu, main, started] = [process.cpuUsage(), process.threadCpuUsage(), process.hrtime.bigint()];
    await ours(i);
    samples.ours.wall.push(Number(process.hrtime.bigint() - started) / 1e6);
    samples.ours.cpu.push(cpuMs(process.cpuUsage(cpu)));
    samples.ours.main.push(cpuMs(process.threadCpuUsage(main)));
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    samples.ours.rss.push((rssPeak - rssBefore) / 1024 / 1024);
    // Collections are reported asynchronously: let the observer catch up before counting.
    await new Promise((resolve) => setTimeout(resolve, 20));
    samples.ours.gc.push(collections - gcBefore);
    const baselineStarted = process.hrtime.bigint();
    const { cpuMs: children } = baseline(i);
    samples.baseline.wall.push(Number(process.hrtime.bigint() - baselineStarted) / 1e6);
    samples.baseline.cpu.push(children);
  }
  for (const side of Object.values(samples)) for (const list of Object.values(side)) list.sort((a, b) => a - b);
  return samples;
}

const ours = join(work, 'ours.tar.zst');
const pack = await paired(
  async (i) => {
    rmSync(ours, { force: true });
    await packFilesToFile(tree, files, ours, { limits });
    if (i === 0) process.stderr.write(`bundle: ${(statSync(ours).size / 1024 / 1024).toFixed(1)} MiB\n`);
  },
  () =>
    shell(
      `tar -cf - -C "${tree}" ${files.map((f) => `"${f}"`).join(' ')} | zstd -q -${BUNDLE_ZSTD_LEVEL} -T1 -f -o "${join(work, 'cli.tar.zst')}"`,
    ),
);
// From a file as `extctl inspect` reads it (one reused buffer), and from a read stream, whose fresh buffer
// per chunk is what the API and the Runner get from storage.
const inspect = await paired(
  () => inspectBundle(readFileReusingBuffer(ours), { limits }),
  () => shell(`zstd -q -d -c "${ours}" | tar -tf - > /dev/null`),
);
const inspectStream = await paired(
  () => inspectBundle(createReadStream(ours, { highWaterMark: 1024 * 1024 }), { limits }),
  () => shell(`zstd -q -d -c "${ours}" | tar -tf - > /dev/null`),
);
const extract = await paired(
  (i) => inspectBundle(readFileReusingBuffer(ours), { limits, extractTo: join(work, `x-${i}`) }),
  (i) => {
    mkdirSync(join(work, `t-${i}`));
    return shell(`zstd -q -d -c "${ours}" | tar -xf - -C "${join(work, `t-${i}`)}"`);
  },
);

const mib = statSync(ours).size / 1024 / 1024;
const median = (samples) => samples[Math.floor(samples.length / 2)];
const ms = (samples) => `${median(samples).toFixed(0).padStart(5)} ms (best ${samples[0].toFixed(0).padStart(4)})`;
const row = (name, { ours: our, baseline }, baselineName) =>
  `${name.padEnd(22)} ${ms(our.wall)} ${(mib / (median(our.wall) / 1000)).toFixed(0).padStart(5)} MiB/s   ` +
  `${baselineName.padEnd(26)} ${ms(baseline.wall)}   ratio ${(median(baseline.wall) / median(our.wall)).toFixed(2)}x ` +
  `(best ${(baseline.wall[0] / our.wall[0]).toFixed(2)}x)\n` +
  `${''.padEnd(22)} CPU ${ms(our.cpu)}, main thread ${ms(our.main)}   baseline CPU ${ms(baseline.cpu)}\n` +
  `${''.padEnd(22)} GC ${median(our.gc)} collections (${our.gc.join(', ')}), resident memory +${median(our.rss).toFixed(0)} MiB ` +
  `(most ${our.rss.at(-1).toFixed(0)})`;
console.log(
  `bundle ${mib.toFixed(1)} MiB (${content} content), ${files.length} files, median of ${runs} runs, zstd level ${BUNDLE_ZSTD_LEVEL}`,
);
console.log(row('pack', pack, `tar -c | zstd -${BUNDLE_ZSTD_LEVEL} -T1`));
console.log(row('inspect (hash+checks)', inspect, 'zstd -d | tar -t'));
console.log(row('inspect, read stream', inspectStream, 'zstd -d | tar -t'));
console.log(row('inspect + extract', extract, 'zstd -d | tar -x'));
rmSync(work, { recursive: true, force: true });
// Streaming means memory far below the bundle: a reader that held it would rise by its whole size. Only the
// rows that read into one reused buffer are checked: a read stream's fresh buffers are garbage that may
// pile up to tens of MiB before a collection, which says nothing about what the reader holds.
for (const [name, { ours: our }] of Object.entries({ inspect, extract })) {
  if (our.rss.at(-1) > mib / 2) {
    console.error(`${name}: resident memory rose by ${our.rss.at(-1).toFixed(0)} MiB, half the bundle or more`);
    process.exitCode = 1;
  }
}
