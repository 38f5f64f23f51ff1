import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, describeFailure, queryPage, queryRecord, queryStats, type Credentials, type OpenapiLog, type StatsResult, type WindowBody } from '../api.js';
import { filterFromHash, hashOf, PAGE_SIZE, windowOf, type Filter } from '../filter.js';
import { Controls } from './Controls.js';
import { ExportButton } from './ExportButton.js';
import { RecordDetail } from './RecordDetail.js';
import { RecordsTable } from './RecordsTable.js';
import { perBucket, TimeChart } from './TimeChart.js';
import { TopList } from './TopList.js';
import { VerifiedBadge } from './VerifiedBadge.js';

interface Props {
  credentials: Credentials;
  defaultVdn: number;
  timeZone: string;
  onSignOut: () => void;
  onUnauthorized: () => void;
}

type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; value: T };

function useHashFilter(defaultVdn: number): [Filter, (f: Filter) => void] {
  const [filter, setFilter] = useState(() => filterFromHash(location.hash, defaultVdn));
  useEffect(() => {
    if (!location.hash) history.replaceState(null, '', hashOf(filter));
    const follow = () => setFilter(filterFromHash(location.hash, defaultVdn));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return [filter, (f) => (location.hash = hashOf(f))];
}

export function Dashboard({ credentials, defaultVdn, timeZone, onSignOut, onUnauthorized }: Props) {
  const [filter, navigate] = useHashFilter(defaultVdn);
  // A preset's window is fixed when the filter is applied (or refreshed), so chart and table agree.
  const [refreshed, setRefreshed] = useState(() => Date.now());
  const timeWindow: WindowBody = useMemo(() => windowOf(filter, timeZone, refreshed), [filter, timeZone, refreshed]);
  const [stats, setStats] = useState<Loaded<StatsResult>>({ state: 'loading' });
  const [page, setPage] = useState<Loaded<{ records: OpenapiLog[]; count: number }>>({ state: 'loading' });
  const [open, setOpen] = useState<OpenapiLog>();

  const fail = useCallback((error: unknown) => {
    if (error instanceof ApiError && error.status === 401) onUnauthorized();
    return describeFailure(error, filter.vdn);
  }, [filter.vdn]);

  // The stats take every filter but the outcome and the page (api.ts): asked again only when those change.
  const { outcome: _outcome, ...statsBody } = timeWindow;
  useEffect(() => {
    let current = true;
    setStats({ state: 'loading' });
    queryStats(credentials, filter.vdn, timeWindow).then(
      (value) => current && setStats({ state: 'ready', value }),
      (error) => current && setStats({ state: 'error', message: fail(error) }),
    );
    return () => (current = false);
  }, [filter.vdn, JSON.stringify(statsBody)]);

  useEffect(() => {
    let current = true;
    setPage({ state: 'loading' });
    queryPage(credentials, filter.vdn, timeWindow, (filter.page - 1) * PAGE_SIZE, PAGE_SIZE).then(
      (value) => current && setPage({ state: 'ready', value: { records: value.result, count: value.count } }),
      (error) => current && setPage({ state: 'error', message: fail(error) }),
    );
    return () => (current = false);
  }, [filter.vdn, filter.page, timeWindow]);

  const apply = (next: Filter) => {
    setRefreshed(Date.now());
    navigate(next);
  };

  return (
    <div class="dashboard">
      <header>
        <h1>calllogs console</h1>
        <span class="muted">VDN {filter.vdn} · key {credentials.ak} · times in {timeZone}</span>
        <button class="link" onClick={onSignOut}>Sign out</button>
      </header>
      <Controls filter={filter} timeZone={timeZone} timeWindow={timeWindow} onApply={apply} onRefresh={() => setRefreshed(Date.now())}
        suggestions={stats.state === 'ready'
          ? { aks: stats.value.topByAk.map((a) => a.ak), resultCodes: stats.value.topByResultCode.map((c) => c.resultCode) }
          : { aks: [], resultCodes: [] }} />
      <section class="card">
        <h2>Calls, failures and latency <span class="muted">{timeWindow.beginTime} – {timeWindow.endTime}</span></h2>
        {stats.state === 'loading' && <p class="muted">Loading…</p>}
        {stats.state === 'error' && <p class="error" role="alert">{stats.message}</p>}
        {stats.state === 'ready' && <Charts stats={stats.value} timeZone={timeZone} />}
      </section>
      {stats.state === 'ready' && (
        <div class="tops">
          <TopList title="Top interfaces by calls" testId="top-calls" rows={stats.value.topByCalls.map(({ url, ...c }) => ({ name: url, ...c }))} measure="calls"
            empty="No calls in this window." pickHint={(url) => `Show ${url}`} onPick={(url) => apply({ ...filter, url, page: 1 })} />
          <TopList title="Top interfaces by failures" testId="top-failures" rows={stats.value.topByFailures.map(({ url, ...c }) => ({ name: url, ...c }))} measure="failures"
            empty="No failures in this window." pickHint={(url) => `Show the failures of ${url}`} onPick={(url) => apply({ ...filter, url, outcome: 'failure', page: 1 })} />
          <TopList title="Top access keys" testId="top-aks" rows={stats.value.topByAk.map(({ ak, ...c }) => ({ name: ak, ...c }))} measure="calls"
            empty="No authenticated calls in this window." pickHint={(ak) => `Show the calls of ${ak}`} onPick={(ak) => apply({ ...filter, ak: [ak], page: 1 })} />
        </div>
      )}
      <section class="card">
        <div class="table-head">
          <h2>Calls</h2>
          <ExportButton credentials={credentials} vdn={filter.vdn} timeWindow={timeWindow} />
        </div>
        {page.state === 'loading' && <p class="muted">Loading…</p>}
        {page.state === 'error' && <p class="error" role="alert">{page.message}</p>}
        {page.state === 'ready' && (
          <VerifiedBadge credentials={credentials} vdn={filter.vdn} records={page.value.records} timeZone={timeZone} describe={fail} />
        )}
        {page.state === 'ready' && (
          <RecordsTable
            records={page.value.records}
            count={page.value.count}
            page={filter.page}
            onPage={(p) => navigate({ ...filter, page: p })}
            onOpen={setOpen}
          />
        )}
      </section>
      {open && (
        <RecordDetail record={open} timeZone={timeZone} loadDetail={(r) => queryRecord(credentials, filter.vdn, r)} describe={fail}
          onClose={() => setOpen(undefined)} />
      )}
    </div>
  );
}

/** Calls and failures beside the latency percentiles, per bucket. */
function Charts({ stats, timeZone }: { stats: StatsResult; timeZone: string }) {
  const buckets = stats.buckets;
  return (
    <div>
      <p class="totals">
        <strong data-testid="total-calls">{stats.total.calls.toLocaleString('en-US')}</strong> calls,{' '}
        <strong class="failures" data-testid="total-failures">{stats.total.failures.toLocaleString('en-US')}</strong> failed
      </p>
      <div class="charts">
        <TimeChart stats={stats} timeZone={timeZone} testId="chart" axis={`calls ${perBucket(stats)}`} series={[
          { label: 'calls', color: '#2563eb', fill: 'rgba(37, 99, 235, 0.12)', values: buckets.map((b) => b.calls) },
          { label: 'failures', color: '#dc2626', fill: 'rgba(220, 38, 38, 0.15)', values: buckets.map((b) => b.failures) },
        ]} />
        <TimeChart stats={stats} timeZone={timeZone} testId="latency-chart" axis="duration (ms)" series={[
          { label: 'p50', color: '#059669', values: buckets.map((b) => b.p50Ms) },
          { label: 'p95', color: '#d97706', values: buckets.map((b) => b.p95Ms) },
          { label: 'p99', color: '#7c3aed', values: buckets.map((b) => b.p99Ms) },
        ]} />
      </div>
    </div>
  );
}
