export * from './digest.js';
export * from './limits.js';
