export * from './codes.js';
export * from './time.js';
export * from './query.js';
export * from './body.js';
export * from './record.js';
export * from './response.js';
export * from './outcome.js';
export * from './stats.js';
