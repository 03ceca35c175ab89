export * from './shared-state.js';
export * from './shared-state.module.js';
