export * from './content-hash.js';
export * from './http.js';
export * from './runner.js';
export * from './part-math.js';
export * from './semver.js';
export * from './roles.js';
export * from './error-codes.js';
export * from './capabilities.js';
