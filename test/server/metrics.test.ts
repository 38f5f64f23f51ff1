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
});
