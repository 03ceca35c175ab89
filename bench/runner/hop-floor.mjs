// The floor under bench/runner/gateway.mjs: what the gateway's shape costs with no framework, no auth, no
// logging and no WebAssembly, on this machine. Three bare node:http servers answer a small JSON document:
//   one hop:                client -> front                                  (the plain route's shape)
//   two hops:               client -> front -> back                          (API -> Runner)
//   two hops + hand-off:    client -> front -> back -> worker thread -> back (API -> Runner -> sandbox)
// Each server is its own process; the client keeps connections alive (as the bench and the gateway do).
// It reports throughput at the given concurrency, the ratio to one hop (measured before and after), and the
// CPU time each server process spent per request (user + system, threads included, from /proc).
// On a shared machine throughput swings with the load; the CPU per request (and its ratio to one hop) is
// the figure to compare. What "two hops + hand-off" costs over one hop here, the real gateway pays on the
// same machine whatever the API and the Runner do (docs/operations.md, "Gateway performance").
//   node bench/runner/hop-floor.mjs [requests=20000] [concurrency=8]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { Worker } from 'node:worker_threads';

const ANSWER = JSON.stringify({
  id: '6f1c0c7e-2f51-4c36-9a59-2f4d0c6f2f0d',
  email: 'member@bench.test',
  role: 'member',
});

function get(agent, url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A server process: `plain` answers itself, `worker` answers through a worker thread, `forward` asks `next`. */
function serve(kind, next) {
  let answer;
  if (kind === 'worker') {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', ({ id, body }) => parentPort.postMessage({ id, body: body.toUpperCase() }));`,
      { eval: true },
    );
    const waiting = new Map();
    let nextId = 0;
    worker.on('message', ({ id, body }) => {
      waiting.get(id)(body);
      waiting.delete(id);
    });
    answer = () =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        worker.postMessage({ id, body: ANSWER });
      });
  } else if (kind === 'forward') {
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    answer = async () => (await get(agent, next)).body;
  } else {
    answer = () => Promise.resolve(ANSWER);
  }
  const server = createServer((req, res) => {
    req.resume();
    void answer().then((body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send(`http://127.0.0.1:${server.address().port}/`));
}

if (process.argv[2] === 'serve') {
  serve(process.argv[3], process.argv[4]);
} else {
  const requests = Number(process.argv[2] ?? 20000);
  const concurrency = Number(process.argv[3] ?? 8);
  const children = [];
  const start = (kind, next) =>
    new Promise((resolve, reject) => {
      const child = fork(new URL(import.meta.url).pathname, ['serve', kind, ...(next ? [next] : [])]);
      children.push(child);
      child.once('message', (url) => resolve({ child, url }));
      child.once('error', reject);
    });
  const cpuMs = (pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  async function measure(name, url, processes) {
    for (let i = 0; i < 2000; i++) await get(agent, url);
    const before = processes.map((p) => cpuMs(p.child.pid));
    const started = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < requests) {
          sent++;
          const { status } = await get(agent, url);
          if (status !== 200) throw new Error(`${name} answered ${status}`);
        }
      }),
    );
    const rps = requests / ((performance.now() - started) / 1000);
    const cpu = processes.map((p, i) => (cpuMs(p.child.pid) - before[i]) / requests);
    return { name, rps, cpu };
  }
  try {
    const single = await start('plain');
    const back = await start('plain');
    const front = await start('forward', back.url);
    const backWorker = await start('worker');
    const frontWorker = await start('forward', backWorker.url);
    const results = [
      await measure('one hop', single.url, [single]),
      await measure('two hops', front.url, [front, back]),
      await measure('two hops + worker hand-off', frontWorker.url, [frontWorker, backWorker]),
      await measure('one hop (again)', single.url, [single]),
    ];
    const oneHop = (results[0].rps + results[3].rps) / 2;
    const oneHopCpu = (results[0].cpu[0] + results[3].cpu[0]) / 2;
    console.log(
      `bare node:http, ${requests} requests at concurrency ${concurrency}, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    );
    for (const { name, rps, cpu } of results) {
      const total = cpu.reduce((a, b) => a + b, 0);
      console.log(
        `${name.padEnd(28)} ${rps.toFixed(0).padStart(6)} req/s  ${(rps / oneHop).toFixed(2)}x   CPU per request: ` +
          `${cpu.map((ms) => ms.toFixed(3)).join(' + ')} ms  (${(total / oneHopCpu).toFixed(2)}x one hop)`,
      );
    }
  } finally {
    agent.destroy();
    for (const child of children) child.kill();
  }
}
