import Database from 'better-sqlite3';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { makeRecord } from '../helpers/records.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { sealEverything } from '../helpers/sealing.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const A = '/rest/isales/v1/openapi/campaigns/2';
const B = '/rest/isales/v1/openapi/obs/business/callnos';
const HOUR = 3_600_000;
const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** 24 hours of seeded calls for VDN 2 (and some for VDN 3 the key's view must not mix in). */
function seed(now: number): CallRecord[] {
  const records: CallRecord[] = [];
  for (let i = 0; i < 120; i++) {
    const failed = i % 12 === 0;
    records.push(makeRecord({
      vdnId: 2, url: A, type: 'GET', operTime: now - 2 * HOUR - i * 9 * 60_000, request: `{"vdnId":2,"curPage":"${i}"}`,
      httpStatus: failed ? 500 : 200, resultCode: failed ? '0200500' : '0200000', resultDesc: failed ? 'campaign service busy' : 'query success',
      ak: i % 10 === 5 ? null : i % 3 === 0 ? 'ak-beta' : 'ak-alpha', clientIp: i % 2 ? '10.0.0.1' : '2001:db8::1', durationMs: 10 + i * 25,
    }));
  }
  for (let i = 0; i < 30; i++) {
    records.push(makeRecord({
      vdnId: 2, url: B, type: 'POST', operTime: now - 3 * HOUR - i * 17 * 60_000,
      request: JSON.stringify({ vdnId: 2, callNos: ['138****5678'], task: { id: `t-${i}`, retries: [1, 2] } }),
      httpStatus: 200, resultCode: '02000001', resultDesc: 'callNos: is required', ak: 'ak-beta', clientIp: '10.0.0.2', durationMs: 3000 + i,
    }));
  }
  for (let i = 0; i < 40; i++) records.push(makeRecord({ vdnId: 3, url: A, operTime: now - HOUR - i * 60_000 }));
  return records;
}

describe.skipIf(!chromiumAvailable())('the console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const sent: string[] = [];
  let seeded: CallRecord[];
  /** A window holding every seeded call and none of the console's own (recorded) calls, as the hash says it. */
  let seededWindow: string;
  /** How many of VDN 2's seeded calls a test's filter selects. */
  const countOf = (match: (r: CallRecord) => boolean) => String(seeded.filter((r) => r.vdnId === 2 && match(r)).length);

  beforeAll(async () => {
    server = await startTestServer();
    const now = Date.now();
    seeded = seed(now);
    seededWindow = `vdn=2&range=custom&begin=${encodeURIComponent(wall(now - 23 * HOUR))}&end=${encodeURIComponent(wall(now - HOUR))}`;
    await server.store.insertBatch(seeded);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function leafOf(id: string): Promise<number> {
    for await (const leaf of server.store.integrity.leaves(2)) if (leaf.recordId === id) return leaf.index;
    throw new Error(`no leaf for ${id}`);
  }

  /** A fresh browser context on the console, signed in with `sk` (the chart shown when it is right). */
  async function openConsole(sk: string, options: BrowserContextOptions = {}): Promise<{ page: Page; context: BrowserContext }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.on('request', (r) => sent.push(JSON.stringify({ url: r.url(), headers: r.headers(), body: r.postData() })));
    await page.goto(`${server.endpoint}/console/`);
    await page.fill('input[name=ak]', server.key.ak);
    await page.fill('input[name=sk]', sk);
    await page.fill('input[name=vdn]', '2');
    await page.click('button[type=submit]');
    if (sk === server.key.sk) await page.waitForSelector('[data-testid=chart] canvas');
    return { page, context };
  }

  it('signs in, shows the chart, the top interfaces and the rows; filters; opens a record; exports the filter as CSV', async () => {
    const { page, context } = await openConsole(server.key.sk, { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    expect(Number((await page.textContent('[data-testid=total-calls]'))!.replace(/,/g, ''))).toBeGreaterThanOrEqual(150);
    expect(Number(await page.textContent('[data-testid=total-failures]'))).toBe(40);
    await expect.poll(() => page.locator('table.records tbody tr').count()).toBe(20);
    expect(await page.textContent('.tops')).toContain(B);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}console.png`, fullPage: true });

    // Filter: one interface, failures only.
    await page.fill('input[name=url]', B);
    await page.selectOption('select[name=outcome]', 'failure');
    await page.click('form.controls button[type=submit]');
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe('30');
    expect(page.url()).toContain(`url=${encodeURIComponent(B)}`);
    expect(page.url()).toContain('outcome=failure');
    const rows = await page.locator('table.records tbody tr').allTextContents();
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.includes(B) && r.includes('02000001'))).toBe(true);

    // Page 2 holds the rest.
    await page.click('text=Older ›');
    await expect.poll(() => page.textContent('[data-testid=range]')).toMatch(/^21–30 of 30/);

    // A row opens the record, its request pretty-printed.
    await page.locator('table.records tbody tr').first().click();
    const request = await page.textContent('[data-testid=request]');
    expect(request).toContain('\n  "callNos": [\n    "138****5678"\n  ]');
    expect(await page.textContent('[data-testid=result]')).toContain('02000001');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.overlay').count()).toBe(0);

    // CSV of the current filter, not of everything.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,operTime,url,type,httpStatus,resultCode,resultDesc,request');
    expect(csv).toHaveLength(31);
    expect(csv.slice(1).every((line) => line.includes(B) && line.includes('02000001'))).toBe(true);

    // The URL holds the filter: a reload shows the same view.
    await page.reload();
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe('30');
    expect(await page.inputValue('input[name=url]')).toBe(B);

    // The SK is kept in this tab's session storage only and never sent.
    expect(await page.evaluate(() => JSON.stringify(localStorage) + document.cookie)).not.toContain(server.key.sk);
    expect(sent.some((s) => s.includes(server.key.sk))).toBe(false);
    await context.close();
  }, 60_000);

  it('opens a deep link with a custom range on that window', async () => {
    const { page, context } = await openConsole(server.key.sk);
    const now = Date.now();
    const hash = new URLSearchParams({ vdn: '2', range: 'custom', begin: wall(now - 6 * HOUR), end: wall(now - HOUR), url: B });
    await page.goto(`${server.endpoint}/console/#${hash}`);
    // Calls to B were seeded 3 h + 17 min × i ago: i = 0…10 fall in the last 6 hours.
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe('11');
    // A datetime-local input leaves out seconds that are zero (one start in sixty).
    const shown = await page.inputValue('input[name=begin]');
    expect(shown.length === 16 ? `${shown}:00` : shown).toBe(wall(now - 6 * HOUR).replace(' ', 'T'));
    expect(await page.textContent('[data-testid=total-calls]')).toBe('11');
    await context.close();
  }, 60_000);

  it('filters by access key, result code, status, method, address, duration and text, one by one and together', async () => {
    const { page, context } = await openConsole(server.key.sk, { viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.endpoint}/console/#${seededWindow}`);
    // The access keys and result codes of the window are offered as values.
    await expect.poll(() => page.locator('#ak-options option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['ak-alpha', 'ak-beta']);
    expect(await page.locator('#code-options option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['0200000', '02000001', '0200500']);

    const cases: [string, (p: Page) => Promise<void>, (r: CallRecord) => boolean][] = [
      ['access keys', (p) => p.fill('input[name=byAk]', 'ak-alpha, ak-beta'), (r) => r.ak !== null],
      ['result code', (p) => p.fill('input[name=resultCode]', '0200500'), (r) => r.resultCode === '0200500'],
      ['status', (p) => p.fill('input[name=httpStatus]', '500, 404'), (r) => r.httpStatus === 500],
      ['method', (p) => p.check('input[name=method][value=POST]'), (r) => r.type === 'POST'],
      ['client address', (p) => p.fill('input[name=clientIp]', '2001:db8::1'), (r) => r.clientIp === '2001:db8::1'],
      ['duration', (p) => p.fill('input[name=minDurationMs]', '2000'), (r) => r.durationMs! >= 2000],
      ['text', (p) => p.fill('input[name=text]', '138****5678'), (r) => r.request.includes('138****5678')],
    ];
    for (const [name, set, match] of cases) {
      await page.goto(`${server.endpoint}/console/#${seededWindow}`);
      await expect.poll(() => page.textContent('[data-testid=count]')).toBe(countOf(() => true));
      await set(page);
      await page.click('form.controls button[type=submit]');
      await expect.poll(() => page.textContent('[data-testid=count]'), { message: name }).toBe(countOf(match));
      // The charts show the same calls (every filter but the outcome applies to them).
      await expect.poll(() => page.textContent('[data-testid=total-calls]'), { message: name }).toBe(countOf(match));
    }

    // Together, from a deep link: the form shows each filter and the count is theirs.
    const both = (r: CallRecord) => r.ak === 'ak-alpha' && r.type === 'GET' && r.durationMs! >= 1000 && r.clientIp === '10.0.0.1';
    await page.goto(`${server.endpoint}/console/#${seededWindow}&ak=ak-alpha&type=GET&minDurationMs=1000&clientIp=10.0.0.1`);
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe(countOf(both));
    expect([await page.inputValue('input[name=byAk]'), await page.isChecked('input[name=method][value=GET]'),
      await page.inputValue('input[name=minDurationMs]'), await page.inputValue('input[name=clientIp]')]).toEqual(['ak-alpha', true, '1000', '10.0.0.1']);
    // Every row of the page is such a call: the record detail shows its key, address and duration.
    await page.locator('table.records tbody tr').first().click();
    await expect.poll(() => page.textContent('[data-testid=detail-ak]')).toBe('ak-alpha');
    expect(await page.textContent('[data-testid=detail-client]')).toBe('10.0.0.1');
    expect(await page.textContent('[data-testid=detail-duration]')).toMatch(/^\d\.\d\d s$/);
    await page.keyboard.press('Escape');

    // Clearing the record filters keeps the window and shows everything again.
    await page.click('text=Clear filters');
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe(countOf(() => true));
    expect(page.url()).not.toContain('ak=');

    // A bad value is said before anything is asked; one the server refuses is said in its words.
    await page.fill('input[name=httpStatus]', '5xx');
    await page.click('form.controls button[type=submit]');
    expect(await page.textContent('form.controls [role=alert]')).toContain('HTTP status: "5xx"');
    await page.fill('input[name=httpStatus]', '');
    await page.fill('input[name=text]', 'ab');
    await page.click('form.controls button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').first().textContent()).toBe('The server answered 400 02000004: text: must be at least 3 characters');
    await context.close();
  }, 120_000);

  it('draws the latency percentiles and the top access keys; picking a key filters; the CSV holds the filtered calls', async () => {
    const { page, context } = await openConsole(server.key.sk, { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await page.goto(`${server.endpoint}/console/#${seededWindow}`);
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe(countOf(() => true));
    await page.waitForSelector('[data-testid=latency-chart] canvas');
    const legend = await page.textContent('[data-testid=latency-chart]');
    for (const name of ['p50', 'p95', 'p99']) expect(legend).toContain(name);
    const keys = await page.locator('[data-testid=top-aks] li').allTextContents();
    expect(keys[0]).toMatch(/^ak-alpha/);
    expect(keys[1]).toMatch(/^ak-beta/);
    await page.click('[data-testid=top-aks] button:text("ak-beta")');
    const beta = (r: CallRecord) => r.ak === 'ak-beta';
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe(countOf(beta));
    expect(page.url()).toContain('ak=ak-beta');
    expect(await page.inputValue('input[name=byAk]')).toBe('ak-beta');

    await page.fill('input[name=text]', '138****5678');
    await page.click('form.controls button[type=submit]');
    const carried = (r: CallRecord) => beta(r) && r.request.includes('138****5678');
    await expect.poll(() => page.textContent('[data-testid=count]')).toBe(countOf(carried));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(Number(countOf(carried)) + 1);
    expect(csv.slice(1).every((line) => line.includes(B) && line.includes('138****5678'))).toBe(true);
    await context.close();
  }, 60_000);

  it('shows an empty state for a window without calls', async () => {
    const { page, context } = await openConsole(server.key.sk);
    await page.fill('input[name=url]', '/rest/isales/v1/openapi/nothing');
    await page.click('form.controls button[type=submit]');
    await page.waitForSelector('[data-testid=empty]');
    expect(await page.textContent('.tops')).toContain('No calls in this window.');
    await context.close();
  }, 60_000);

  it('says clearly when the SK is wrong, and lets the user try again', async () => {
    const { page, context } = await openConsole('not-the-secret-key');
    const alert = await page.waitForSelector('[role=alert]');
    expect(await alert.textContent()).toMatch(/refused this key .*signature does not match.*Check the AK and the SK/);
    expect(await page.isVisible('input[name=sk]')).toBe(true);
    await context.close();
  }, 60_000);

  it('marks the page verified against the signed log, and warns naming a record changed in the database', async () => {
    await sealEverything(server.store, () => server.sealer!.run(true)); // a checkpoint now rather than within 10 s
    const { page, context } = await openConsole(server.key.sk);
    await page.goto(`${server.endpoint}/console/#${seededWindow}`);
    await expect.poll(() => page.textContent('[data-testid=verified]'), { timeout: 10_000 })
      .toMatch(/^✓ Verified: 20 calls are in VDN 2's signed log, unchanged \(checkpoint of \d+ calls\)\.$/);

    const newest = seeded.filter((r) => r.vdnId === 2 && r.operTime <= Date.parse(`${decodeURIComponent(seededWindow.split('end=')[1]!)}Z`))
      .sort((a, b) => b.operTime - a.operTime)[0]!;
    const db = new Database(server.dbPath);
    try {
      db.prepare("UPDATE records SET result_desc = 'all fine' WHERE id = ?").run(newest.id);
      await page.reload();
      await expect.poll(() => page.textContent('[data-testid=verification-failed]'), { timeout: 10_000 })
        .toBe(`⚠ Verification failed: record ${newest.id} (leaf ${await leafOf(newest.id)} of VDN 2) was changed: it does not match its leaf`);
      db.prepare('UPDATE records SET result_desc = ? WHERE id = ?').run(newest.resultDesc, newest.id);

      // The key pinned at the first visit: another one served later is not trusted silently.
      await page.evaluate(() => localStorage.setItem('calllogs.console.logKey', 'calllogs-000000+00000000+AQ=='));
      await page.reload();
      await expect.poll(() => page.textContent('[data-testid=verification-failed]'), { timeout: 10_000 })
        .toMatch(/^⚠ Verification failed: The server now signs its logs with calllogs-[0-9a-f]{6}\+\S+, not with the key this browser pinned \(calllogs-000000/);
    } finally {
      db.prepare('UPDATE records SET result_desc = ? WHERE id = ?').run(newest.resultDesc, newest.id);
      db.close();
      await context.close();
    }
  }, 60_000);

  it('serves its files with cache headers and a content security policy', async () => {
    const index = await call(server.endpoint, '/console/', { method: 'GET' });
    expect(index.status).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("connect-src 'self'");
    const asset = /\/console\/assets\/[^"]+\.js/.exec(index.text)![0];
    const script = await call(server.endpoint, asset, { method: 'GET' });
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await call(server.endpoint, '/console/config.json', { method: 'GET' })).json).toEqual({ timeZone: 'UTC' });
  });
});
