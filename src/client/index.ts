/** The SDK for integrators: no server code is imported from here. */
export { signRequest, type SignRequestInput } from '../auth/sign-request.js';
export { CalllogsClient, type CalllogsClientOptions, type PageParams, type RecordParams, type StatsParams } from './calllogs-client.js';
export { CalllogsApiError, CalllogsTransportError } from './errors.js';
export type { RecordsParams } from './records.js';
export type { FilterParams } from './filters.js';
export type { RetryOptions } from './retry.js';
export type { QueryResponseBody, ErrorBody } from '../contract/response.js';
export type { OpenapiLog, RecordLine } from '../contract/record.js';
export type { StatsResult, StatsBucket, InterfaceCounts, AccessKeyCounts, ResultCodeCounts, CallCounts, Percentiles } from '../contract/stats.js';
