export * from './env-reader.js';
export * from './sections.js';
