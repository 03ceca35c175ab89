export * from './storage.module.js';
