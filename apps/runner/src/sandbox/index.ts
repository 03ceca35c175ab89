export { Sandbox } from './sandbox.js';
export { SandboxError, isSandboxError, type SandboxErrorCode } from './errors.js';
export { ALLOWED_COMPONENT_IMPORTS, disallowedImports } from './allowed-imports.js';
export * from './types.js';
export type { SharedTranspiles } from './component-store.js';
export { TOOLCHAIN_KEY } from './toolchain.js';
