/**
 * Transpiles one component in a short-lived worker thread. jco-transpile is ~1.6 s of synchronous work
 * on a 12 MB component; on the main thread it would stall every request the Runner is serving.
 * Writes the output into `outDir` with the glue renamed to `component.mjs` (it is an ES module and the
 * cache directory has no package.json saying so) and answers with the component's imports.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { transpile } from '@bytecodealliance/jco-transpile';
import { GLUE_FILE, type TranspileJob, type TranspileReply } from './protocol.js';

async function run({ componentPath, outDir }: TranspileJob): Promise<TranspileReply> {
  const result = await transpile(componentPath, {
    name: 'component',
    instantiation: 'async',
    emitTypescriptDeclarations: false,
  });
  await mkdir(outDir, { recursive: true });
  const modules: string[] = [];
  for (const [name, data] of Object.entries(result.files)) {
    const file = basename(name);
    if (file !== name) throw new Error(`unexpected transpile output ${name}`);
    if (file.endsWith('.wasm')) modules.push(file);
    await writeFile(join(outDir, file === 'component.js' ? GLUE_FILE : file), data);
  }
  return { ok: true, imports: [...result.imports].sort(), modules: modules.sort() };
}

const port = parentPort;
if (port) {
  run(workerData as TranspileJob).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      port.postMessage({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        ...(typeof code === 'string' ? { code } : {}),
      });
    },
  );
}
