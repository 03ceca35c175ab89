export * from './request-guards.js';
export * from './request-text.js';
