import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/server/metrics.js';

/** `calllogs_upstream_duration_seconds` count, sum and the 1 ms bucket of a route, as a scrape shows them. */
async function upstreamSeries(render: () => Promise<string>, route: string): Promise<{ count: number; sum: number; le1ms: number }> {
  const text = await render();
  const value = (series: string) => Number(new RegExp(`^calllogs_upstream_duration_seconds_${series} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { count: value(`count\\{route="${route}"\\}`), sum: value(`sum\\{route="${route}"\\}`), le1ms: value(`bucket\\{le="0.001",route="${route}"\\}`) };
}

describe('metrics', () => {
  it('shows every upstream duration observed before a scrape exactly once, however many were held', async () => {
    const metrics = createMetrics(() => 0);
    // 2,500 calls of one route cross the bulk size twice; a few of another stay held until the scrape.
    for (let i = 0; i < 2500; i += 1) metrics.upstreamSeconds.observe('queryCampaigns', i % 2 === 0 ? 0.0005 : 0.002);
    for (let i = 0; i < 3; i += 1) metrics.upstreamSeconds.observe('addBusinessCallNos', 0.25);
    expect(await upstreamSeries(metrics.render, 'queryCampaigns')).toEqual({ count: 2500, sum: expect.closeTo(1250 * 0.0005 + 1250 * 0.002, 9), le1ms: 1250 });
    expect(await upstreamSeries(metrics.render, 'addBusinessCallNos')).toEqual({ count: 3, sum: 0.75, le1ms: 0 });
    // A second scrape counts nothing twice; a call after it is in the next.
    metrics.upstreamSeconds.observe('addBusinessCallNos', 0.0001);
    expect(await upstreamSeries(metrics.render, 'addBusinessCallNos')).toEqual({ count: 4, sum: 0.7501, le1ms: 1 });
    expect(await upstreamSeries(metrics.render, 'queryCampaigns')).toMatchObject({ count: 2500 });
  });

  it('shows every answered request before a scrape exactly once, by route, method and status', async () => {
    const metrics = createMetrics(() => 0);
    const count = async (route: string, method: string, status: number) =>
      Number(new RegExp(`^calllogs_http_requests_total\\{route="${route}",method="${method}",status="${status}"\\} (\\S+)$`, 'm').exec(await metrics.render())?.[1] ?? 0);
    // 1,100 label sets cross the bulk size once; 300 calls of one set stay held until the scrape.
    for (let i = 0; i < 1100; i += 1) metrics.requests.inc({ route: `r${i}`, method: 'GET', status: 200 });
    for (let i = 0; i < 300; i += 1) metrics.requests.inc({ route: 'queryCampaigns', method: i % 3 ? 'GET' : 'POST', status: i % 2 ? 200 : 401 });
    expect([await count('r0', 'GET', 200), await count('r1099', 'GET', 200)]).toEqual([1, 1]);
    expect([await count('queryCampaigns', 'GET', 200), await count('queryCampaigns', 'GET', 401), await count('queryCampaigns', 'POST', 200), await count('queryCampaigns', 'POST', 401)])
      .toEqual([100, 100, 50, 50]);
    // Scraped again, nothing counts twice; a call after the scrape is in the next.
    metrics.requests.inc({ route: 'queryCampaigns', method: 'POST', status: 401 });
    expect([await count('queryCampaigns', 'POST', 401), await count('queryCampaigns', 'GET', 200)]).toEqual([51, 100]);
  });
});
