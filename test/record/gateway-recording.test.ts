import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../src/record/catalog.js';
import { loadRedactionRules } from '../../src/record/redaction-config.js';
import { createRedactor, DEFAULT_REDACTION, maskPhone } from '../../src/record/redact.js';
import { describeRequest } from '../../src/record/request-params.js';
import { extractResult } from '../../src/record/response-result.js';
import { pick, seededRandom } from '../helpers/seeded.js';
import { tempDir } from '../helpers/tmp.js';

describe('the route catalog', () => {
  it('names the parameters of the vendor interfaces the gateway forwards', () => {
    const cases: [string, string, Record<string, string>][] = [
      ['/rest/isales/v1/openapi/campaigns/2', 'queryCampaigns', { vdnId: '2' }],
      ['/rest/isales/v1/openapi/campaigns/2/456/resume', 'resumeCampaign', { vdnId: '2', campaignId: '456' }],
      ['/rest/isales/v1/openapi/campaigns/2/callNoType/query', 'queryCallNoType', { vdnId: '2' }],
      ['/rest/isales/v1/openapi/campaigns/2/calldata/456/789', 'callData', { vdnId: '2', campaignId: '456', dataId: '789' }],
      ['/rest/isales/v1/openapi/campaigns/2/file/addServer', 'addFileServer', { vdnId: '2' }],
      ['/rest/isales/v1/openapi/obs/business/tasks', 'createBusinessTask', {}],
      ['/rest/isales/v1/openapi/obs/business/callnos', 'addBusinessCallNos', {}],
      ['/rest/isales/v2/openapi/campaigns/2/456', 'modifyCampaignV2', { vdnId: '2', campaignId: '456' }],
      ['/rest/isales/v1/openapi/campaigns/2/calllogs', 'queryCalllogs', { vdnId: '2' }],
    ];
    for (const [path, name, params] of cases) expect(matchRoute(path)).toEqual({ route: expect.objectContaining({ name }), params });
  });
});

describe('result extraction from an answer prefix', () => {
  it('takes resultCode, else returnCode, else result; resultDesc, else returnDesc, description, message', () => {
    expect(extractResult('{"resultCode":"0200000","resultDesc":"ok","returnCode":"x"}')).toEqual({ code: '0200000', desc: 'ok' });
    expect(extractResult('{"returnDesc":"d","returnCode":"02000001"}')).toEqual({ code: '02000001', desc: 'd' });
    expect(extractResult('{"result":"1","description":"desc"}')).toEqual({ code: '1', desc: 'desc' });
    expect(extractResult('{"result":0,"message":"m"}')).toEqual({ code: '0', desc: 'm' });
    expect(extractResult('{"message":"only"}')).toEqual({ code: '', desc: 'only' });
  });

  it('ignores nested and non-scalar fields, and text that is not a JSON object', () => {
    expect(extractResult('{"data":{"resultCode":"nested"},"result":[{"resultCode":"x"}],"returnCode":"top"}'))
      .toEqual({ code: 'top', desc: '' });
    expect(extractResult('{"result":{"a":1}}')).toBeUndefined();
    expect(extractResult('<html>busy</html>')).toBeUndefined();
    expect(extractResult('[{"resultCode":"0"}]')).toBeUndefined();
    expect(extractResult('')).toBeUndefined();
  });

  it('reads what a cut prefix holds and nothing it does not', () => {
    const full = '{"resultCode":"0200000","resultDesc":"a \\"quoted\\" 中文 desc","data":"' + 'x'.repeat(1000) + '"}';
    expect(extractResult(full.slice(0, 100))).toEqual({ code: '0200000', desc: 'a "quoted" 中文 desc' });
    expect(extractResult('{"resultCode":"0200000","resultDesc":"cut her')).toEqual({ code: '0200000', desc: '' });
    expect(extractResult('{"result":12')).toBeUndefined();
    // A code after a large field beyond the prefix is simply not seen.
    expect(extractResult('{"data":"' + 'x'.repeat(50))).toBeUndefined();
  });
});

describe('default redaction, as recorded', () => {
  const record = (body: unknown, query = '') => JSON.parse(describeRequest({ pathParams: {}, query, body }, createRedactor()));

  it('phone fields keep their first 3 and last 4 digits', () => {
    expect(record({ calledNo: '13812345678', callerNo: 13812345678, phone: '+86-138-1234-5678', callNos: ['13912345678'] })).toEqual({
      calledNo: '138****5678', callerNo: '138****5678', phone: '+86-1**-****-5678', callNos: ['139****5678'],
    });
  });

  it('secret fields are replaced entirely, however they are spelled', () => {
    expect(record({ password: 'p', serverPwd: 'x', SK: 'k', client_secret: 's', token: 't', accessToken: 't', apiKey: 'a', userPassword: 'u', task: 'kept' }))
      .toEqual({ password: '******', serverPwd: '******', SK: '******', client_secret: '******', token: '******', accessToken: '******',
        apiKey: '******', userPassword: '******', task: 'kept' });
  });

  it('phone-like digit runs in other strings are masked, ids and shorter numbers are not', () => {
    expect(record({ remark: 'call 13812345678 or +8613912345678 later', campaignId: '123456', id: '100000000000000000000000000001' }))
      .toEqual({ remark: 'call 138****5678 or +861******5678 later', campaignId: '123456', id: '100000000000000000000000000001' });
    expect(record(undefined, 'calledNo=13812345678&note=13812345678')).toEqual({ calledNo: '138****5678', note: '138****5678' });
    // The README's example.
    expect(describeRequest({ pathParams: {}, query: '', body: { vdnId: 2, callNos: ['13812345678'], remark: 'call back 13800001111', serverPwd: 'x' } },
      createRedactor())).toBe('{"vdnId":2,"callNos":["138****5678"],"remark":"call back 138****1111","serverPwd":"******"}');
  });

  it('a phone number keeps its first 3 and last 4 digits of 8 or more, wherever the digits stand among other characters', () => {
    const rng = seededRandom(20261203);
    const pieces = ['1', '3', '8', '0', '9', '13812345678', '+', '-', ' ', '(', 'x', '٣', '１', '😀'];
    const asDefined = (value: string): string => {
      const digits = value.replace(/\D/g, '').length;
      if (digits < 8) return value.replace(/\d/g, '*');
      let seen = 0;
      return value.replace(/\d/g, (d) => {
        seen += 1;
        return seen <= 3 || seen > digits - 4 ? d : '*';
      });
    };
    for (let n = 0; n < 5000; n += 1) {
      const value = Array.from({ length: Math.floor(rng() * 20) }, () => pick(rng, pieces)).join('');
      expect([value, maskPhone(value)]).toEqual([value, asDefined(value)]);
    }
  });

  it('names its fields by what they are however often and in whatever spelling they recur', () => {
    const redact = createRedactor();
    const rows = Array.from({ length: 5000 }, (_, i) => ({ [i % 2 ? 'Server_Pwd' : 'serverpwd']: 'x', [i % 3 ? 'callNo' : 'CALL-NO']: '13812345678', [`note${i}`]: 'n' }));
    const masked = JSON.parse(redact(rows)) as Record<string, string>[];
    expect(masked.every((row, i) => Object.values(row).join() === `******,138****5678,n` && Object.keys(row).join() === Object.keys(rows[i]!).join())).toBe(true);
  });
});

describe('redaction config files', () => {
  const write = (name: string, text: string) => {
    const file = join(tempDir(), name);
    writeFileSync(file, text);
    return file;
  };

  it('adds to the defaults from YAML or JSON', () => {
    const yaml = loadRedactionRules(write('r.yaml', 'secretFields: [pin]\nphoneFields:\n  - contactTel\n'));
    expect(yaml.secretFields).toEqual([...DEFAULT_REDACTION.secretFields, 'pin']);
    const redact = createRedactor(yaml);
    expect(JSON.parse(redact({ pin: '1234', contact_tel: '13812345678', password: 'x' }))).toEqual({ pin: '******', contact_tel: '138****5678', password: '******' });
    const json = loadRedactionRules(write('r.json', '{"phoneValuePattern": null}'));
    expect(createRedactor(json)({ note: '13812345678' })).toBe('{"note":"13812345678"}');
  });

  it('can start from nothing', () => {
    const rules = loadRedactionRules(write('r.yml', 'useDefaults: false\nsecretFields: [pin]\n'));
    expect(createRedactor(rules)({ pin: '1', password: 'p', phone: '13812345678' })).toBe('{"pin":"******","password":"p","phone":"13812345678"}');
  });

  it('refuses a bad file with a message naming the problem', () => {
    expect(() => loadRedactionRules(write('a.yaml', 'secretFeilds: [pin]'))).toThrow(/unknown setting secretFeilds/);
    expect(() => loadRedactionRules(write('b.yaml', 'secretFields: pin'))).toThrow(/secretFields: must be a list/);
    expect(() => loadRedactionRules(write('c.yaml', 'phoneValuePattern: "("'))).toThrow(/not a valid regular expression/);
    expect(() => loadRedactionRules(write('d.yaml', '{ nope'))).toThrow(/not valid JSON or YAML/);
    expect(() => loadRedactionRules(join(tempDir(), 'missing.yaml'))).toThrow(/cannot be read \(ENOENT\)/);
  });
});
