export * from './domain-error.js';
export * from './exception-filter.js';
export * from './validation.js';
