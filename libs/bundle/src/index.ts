export * from './digest.js';
export * from './entry-path.js';
export * from './errors.js';
export * from './inspect.js';
export * from './limits.js';
export * from './manifest.js';
export * from './pack.js';
export * from './wit.js';
