export * from './client.js';
export * from './errors.js';
export * from './models.js';
export * from './schema.js';
