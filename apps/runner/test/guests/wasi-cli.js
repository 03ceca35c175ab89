// Test guest built with all WASI features left on: its component imports wasi:cli, wasi:filesystem and
// wasi:http beyond the platform's allowed set, so the sandbox must refuse to load it.
const encoder = new TextEncoder();

export function handle() {
  // eslint-disable-next-line no-console -- writing to stdout is what makes this component import wasi:cli/stdout
  console.log('hello from stdout');
  return { status: 200, headers: [], body: encoder.encode('ok') };
}
