export * from './bootstrap.js';
export * from './config/index.js';
export * from './database/index.js';
export * from './errors/index.js';
export * from './health/index.js';
export * from './logging/index.js';
export * from './public.decorator.js';
export * from './storage/index.js';
