import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, describeFailure, queryPage, queryStats, type Credentials, type OpenapiLog, type StatsResult, type WindowBody } from '../api.js';
import { filterFromHash, hashOf, PAGE_SIZE, windowOf, type Filter } from '../filter.js';
import { Chart } from './Chart.js';
import { Controls } from './Controls.js';
import { ExportButton } from './ExportButton.js';
import { RecordDetail } from './RecordDetail.js';
import { RecordsTable } from './RecordsTable.js';
import { TopList } from './TopList.js';

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

  useEffect(() => {
    let current = true;
    setStats({ state: 'loading' });
    queryStats(credentials, filter.vdn, timeWindow).then(
      (value) => current && setStats({ state: 'ready', value }),
      (error) => current && setStats({ state: 'error', message: fail(error) }),
    );
    return () => (current = false);
  }, [filter.vdn, timeWindow.beginTime, timeWindow.endTime, timeWindow.url]);

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
      <Controls filter={filter} timeZone={timeZone} timeWindow={timeWindow} onApply={apply} onRefresh={() => setRefreshed(Date.now())} />
      <section class="card">
        <h2>Calls and failures <span class="muted">{timeWindow.beginTime} – {timeWindow.endTime}</span></h2>
        {stats.state === 'loading' && <p class="muted">Loading…</p>}
        {stats.state === 'error' && <p class="error" role="alert">{stats.message}</p>}
        {stats.state === 'ready' && <Chart stats={stats.value} timeZone={timeZone} />}
      </section>
      {stats.state === 'ready' && (
        <div class="tops">
          <TopList title="Top interfaces by calls" rows={stats.value.topByCalls} measure="calls" onPick={(url) => apply({ ...filter, url, page: 1 })} />
          <TopList title="Top interfaces by failures" rows={stats.value.topByFailures} measure="failures" onPick={(url) => apply({ ...filter, url, outcome: 'failure', page: 1 })} />
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
          <RecordsTable
            records={page.value.records}
            count={page.value.count}
            page={filter.page}
            onPage={(p) => navigate({ ...filter, page: p })}
            onOpen={setOpen}
          />
        )}
      </section>
      {open && <RecordDetail record={open} timeZone={timeZone} onClose={() => setOpen(undefined)} />}
    </div>
  );
}
