export * from './environment.js';
export * from './database.js';
export * from './bucket.js';
export * from './global-setup.js';
export * from './process.js';
export * from './bundles.js';
export * from './components.js';
export * from './poll.js';
