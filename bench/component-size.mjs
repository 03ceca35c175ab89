// What makes the template's component big: builds the hello-world template with extctl (or reads the
// component given) and prints its core module's sections next to the stock StarlingMonkey engine that
// componentize-js ships, plus the size zstd makes of it at the bundle's level.
//   npm run build:server && node bench/component-size.mjs [component.wasm]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_ZSTD_LEVEL } from '@extplat/bundle';
import { compress } from 'zstd-napi';

const root = fileURLToPath(new URL('../', import.meta.url));
const extctl = join(root, 'apps/cli/bin/extctl.js');

function templateComponent() {
  const work = mkdtempSync(join(tmpdir(), 'extplat-component-size-'));
  try {
    execFileSync(process.execPath, [extctl, 'init', 'hello', '--publisher', 'acme'], { cwd: work, stdio: 'ignore' });
    const started = Date.now();
    execFileSync(process.execPath, [extctl, 'build'], { cwd: join(work, 'hello'), stdio: 'inherit' });
    console.log(`build: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return readFileSync(join(work, 'hello/dist/main.wasm'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function leb(bytes, position) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[position++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, position];
}

const CORE_SECTIONS = { 1: 'type', 2: 'import', 3: 'function', 7: 'export', 9: 'elem', 10: 'code', 11: 'data' };

/** Section sizes of a core module, or of the core modules inside a component (section 1 of layer 1). */
function sections(bytes, start = 0, end = bytes.length, totals = new Map()) {
  const component = bytes[start + 6] === 1;
  let position = start + 8;
  while (position < end) {
    const id = bytes[position++];
    let size;
    [size, position] = leb(bytes, position);
    if (component && (id === 1 || id === 4)) sections(bytes, position, position + size, totals);
    else {
      let name = component ? `component section ${id}` : (CORE_SECTIONS[id] ?? `section ${id}`);
      if (id === 0) {
        const [length, at] = leb(bytes, position);
        name = `custom ${bytes.subarray(at, at + length).toString()}`;
      }
      totals.set(name, (totals.get(name) ?? 0) + size);
    }
    position += size;
  }
  return totals;
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
function report(label, bytes) {
  console.log(`${label}: ${bytes.length} bytes (${mib(bytes.length)})`);
  for (const [name, size] of [...sections(bytes)].sort((a, b) => b[1] - a[1]).filter(([, size]) => size > 10_000)) {
    console.log(`  ${name.padEnd(28)} ${mib(size)}`);
  }
}

const component = process.argv[2] ? readFileSync(process.argv[2]) : templateComponent();
// The package exports only its module (src/componentize.js); the engine sits in lib/ next to src/.
const engineDir = join(dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/componentize-js'))), '../lib');
report('component', component);
report('stock engine (starlingmonkey_embedding.wasm)', readFileSync(join(engineDir, 'starlingmonkey_embedding.wasm')));
const packed = await compress(component, { compressionLevel: BUNDLE_ZSTD_LEVEL });
console.log(
  `zstd level ${BUNDLE_ZSTD_LEVEL}: ${packed.length} bytes (${mib(packed.length)}), ratio ${(packed.length / component.length).toFixed(2)}`,
);
