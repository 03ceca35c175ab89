export * from './database.module.js';
export * from './unavailable.js';
export * from './like.js';
