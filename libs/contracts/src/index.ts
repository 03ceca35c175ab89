export * from './content-hash.js';
export * from './http.js';
