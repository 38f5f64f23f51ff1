import type { CallRecord } from '../../src/contract/record.js';
import { createIdGenerator } from '../../src/record/ids.js';

const nextId = createIdGenerator(12345);

/** A record with plausible defaults; `operTime` is epoch ms. */
export function makeRecord(patch: Partial<CallRecord> = {}): CallRecord {
  const operTime = patch.operTime ?? Date.UTC(2022, 7, 20, 12);
  return {
    id: nextId(operTime),
    operTime,
    url: '/rest/isales/v1/openapi/campaigns/2/456/queryObsResultDetail',
    request: '{"defId":"456","vdnId":2}',
    resultCode: '0200000',
    resultDesc: 'queryObsResultDetail success',
    httpStatus: 200,
    type: 'GET',
    vdnId: 2,
    ak: 'ak-test',
    clientIp: '127.0.0.1',
    durationMs: 1.5,
    ...patch,
  };
}
