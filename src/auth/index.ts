export * from './c2.js';
export * from './keys.js';
export * from './secrets.js';
export * from './verify.js';
export * from './key-store.js';
export * from './sign-request.js';
