/**
 * The slice of the WebAssembly JS API the sandbox uses. The workspace compiles without the DOM lib, which
 * is where TypeScript declares `WebAssembly`; typing the few members here avoids a global declaration
 * that could clash with another package's.
 */
export interface WasmModule {
  readonly __brand: 'WebAssembly.Module';
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WebAssemblyNamespace {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports?: Record<string, unknown>): Promise<WasmInstance>;
  Memory: abstract new (...args: never[]) => WasmMemory;
}

export const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyNamespace }).WebAssembly;
