/** isales-calllogs: the contract, the signature, the store and the server, for embedding and tests. */
export * from './contract/index.js';
export * from './auth/index.js';
export * from './client/index.js';
export type { LogStore, StoreQuery, QueryPage, ScanFilter, StoredKey, KeyRepository, ImportSession } from './store/types.js';
export { openStore } from './store/open.js';
export { startServer, type RunningServer } from './server/serve.js';
export { defaultConfig, type ServerConfig } from './server/config.js';
