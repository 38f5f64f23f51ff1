import { describe, expect, it } from 'vitest';
import { computeSignature, parseAuthorization } from '../../src/auth/c2.js';
import { authorizationFor } from '../../web/src/signer.js';

// The console signs with WebCrypto (Node has the same API); it must agree with the server's verifier.
const AK = 'globalaktest';
const SK = '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p';
const NOW = new Date('2024-10-31T14:06:52Z');

describe('the console signer (WebCrypto)', () => {
  it('reproduces published vector C', async () => {
    const header = await authorizationFor({
      ak: AK, sk: SK, method: 'GET', now: NOW,
      url: 'http://10.22.26.181:28080/rest/isales/v1/openapi/campaigns/1?status=0&deviceType=0&curPage=1&rowsPerPage=10&name=a%20b',
    });
    expect(header).toBe('auth-v2/globalaktest/2024-10-31T14:06:52Z/host/3bb0ce8c010a6f9cf5f114040659375c9a1681387e8cd17aa62798449a3f71c6');
  });

  it('signs host and content-type of a JSON POST as the server verifies them', async () => {
    const url = 'http://127.0.0.1:8080/rest/isales/v1/openapi/campaigns/2/calllogs/stats';
    const body = '{"beginTime":"2024-10-31 00:00:00","endTime":"2024-10-31 23:59:59","url":"/a/数据*"}';
    const header = await authorizationFor({ ak: AK, sk: SK, method: 'POST', url, contentType: 'application/json', body, now: NOW });
    const parts = parseAuthorization(header)!;
    expect(parts.signedHeaders).toEqual(['content-type', 'host']);
    expect(parts.signature).toBe(computeSignature(SK, parts, {
      method: 'POST', path: '/rest/isales/v1/openapi/campaigns/2/calllogs/stats', query: '',
      headers: { host: '127.0.0.1:8080', 'content-type': 'application/json' }, body,
    }));
  });
});
