export * from './content-hash.js';
export * from './http.js';
export * from './runner.js';
