import type { CallRecord } from '../../src/contract/record.js';

export const HOT_VDN: number;
export function generateRecords(options: { count: number; days?: number; endMs?: number; seed?: number }): Generator<CallRecord>;
