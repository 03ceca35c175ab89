export * from './database.module.js';
export * from './unavailable.js';
