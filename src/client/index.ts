/** The SDK for integrators: no server code is imported from here. */
export { signRequest, type SignRequestInput } from '../auth/sign-request.js';
export { CalllogsClient, type CalllogsClientOptions, type PageParams, type ProofParams, type RecordParams, type StatsParams } from './calllogs-client.js';
export { CalllogsApiError, CalllogsTransportError } from './errors.js';
export type { RecordsParams } from './records.js';
export type { WindowVerificationOptions, WindowVerificationParams } from './window-proofs.js';
export type { FilterParams } from './filters.js';
export type { RetryOptions } from './retry.js';
export type { QueryResponseBody, ErrorBody } from '../contract/response.js';
export type { OpenapiLog, RecordLine } from '../contract/record.js';
export type { StatsResult, StatsBucket, InterfaceCounts, AccessKeyCounts, ResultCodeCounts, CallCounts, Percentiles } from '../contract/stats.js';
export type { LogProof, ProofExtraFields, ProofLeaves } from '../contract/proof.js';
// Offline verification of records against a proof (pure: the hashing and the signature check come in;
// Node's are below, a browser passes WebCrypto's).
export { verifyLogProof, type ProofCheck, type ProofVerification, type ProvableRecord } from '../integrity/verify-proof.js';
export { IntegrityError } from '../integrity/integrity-error.js';
export { parseVerifierKey, verifyCheckpoint, type Checkpoint, type NoteKey } from '../integrity/checkpoint.js';
export { nodeHashing, verifyEd25519 } from '../integrity/node-crypto.js';
