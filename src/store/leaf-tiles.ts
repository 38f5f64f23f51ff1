import { concatJsonArrays, parseJson, type JsonColumns, type JsonText, type ProofExtraFields } from '../contract/proof.js';
import { STORED_FROM_LEVEL } from '../integrity/log-append.js';
import { digestAt, timeSpan, type LeafRow } from '../integrity/seal.js';
import type { LeafColumns, LeafEntry } from './types.js';

/**
 * Leaves per tile: the narrowest stored subtree's width, so a tile's hash is a stored node once it
 * is full, and a span too small to be stored (which a proof hashes from its leaves) lies in one tile.
 */
export const TILE_WIDTH = 2 ** STORED_FROM_LEVEL;

/**
 * A row of `log_tiles`: consecutive leaves of a log, column by column, within one tile — a whole
 * tile, or a part of the tile still filling (each seal adds a part; the part that fills a tile
 * replaces the tile's parts with the whole tile, so a full tile is one row).
 */
export interface TilePart {
  /** The index of its first leaf. */
  first: number;
  /** The leaves' record ids and receive times as JSON array text, spliced into proofs as it is. */
  ids: JsonText;
  operTimes: JsonText;
  /** The leaves' digests, 32 bytes each. */
  digests: Uint8Array;
}

/** A tile part's columns as both stores select them, named as TilePart. */
export const TILE_PART_COLUMNS = 'first_leaf AS "first", ids, oper_times AS "operTimes", digests';

/**
 * The sealed records' fields a proof carries beside the calllogs answer (access key, client address,
 * duration), kept with their leaves as JSON array text in leaf order, so that a proof splices them
 * as stored. Null: none kept (retention removed every record of the part); retention sets an
 * entry to null when it removes that record alone, and proofs leave out leaves received before the
 * store's retention horizon.
 */
export interface TileExtras {
  aks: JsonText | null;
  clientIps: JsonText | null;
  durations: JsonText | null;
}

export const TILE_EXTRAS_COLUMNS = 'aks, client_ips AS "clientIps", durations';

/** A tile part as a proof's extra fields are read from it: its leaf count, earliest time, ids and times, and its extras. */
export interface TileExtrasPart extends Pick<TilePart, 'first' | 'ids' | 'operTimes'>, TileExtras {
  count: number;
  minTime: number;
}

/** A tile part to store, with its earliest and latest receive time (how a time window finds it). */
export interface TilePartRow extends TilePart, TileExtras {
  vdn: number;
  minTime: number;
  maxTime: number;
}

const leafCount = (part: TilePart): number => part.digests.length / 32;
const tileStart = (index: number): number => index - (index % TILE_WIDTH);

/** The first leaf of the tile a log of `size` leaves fills, if `added` more leaves fill it and it holds some already. */
export function tileFilled(size: number, added: number): number | undefined {
  const held = size % TILE_WIDTH;
  return held > 0 && held + added >= TILE_WIDTH ? tileStart(size) : undefined;
}

/**
 * The most rows a full tile is kept in. A seal adds a part to the tile filling in each log it
 * reaches; the seal that fills a tile of more parts than this rewrites them as one row (a quiet
 * log's tile, a few leaves a seal), while a busier log's few parts stay as they are: rewriting them
 * too was a third of PostgreSQL's work a sealed record (the parts read back and deleted, and most
 * leaves of 100 VDNs written twice).
 */
export const FULL_TILE_PARTS = 8;

/** Whether the seal that fills a tile holding `stored` parts rewrites the tile as one row. */
export const mergesParts = (stored: number): boolean => stored + 1 > FULL_TILE_PARTS;

/**
 * The rows that store `leaves` (as sealRecords gives them: each log's in index order): one per tile
 * they reach, except that the leaves which fill a tile whose parts are to be merged (mergesParts)
 * make the whole tile, from `filledParts` (that tile's parts as stored, in order; undefined for a
 * tile that stays in parts). `replaced` names the tiles whose parts the new rows replace. Parts that
 * do not end where the new leaves begin are refused.
 */
export function tilePartsWith(
  leaves: readonly LeafRow[],
  filledParts: (vdn: number, tileFirst: number) => readonly (TilePart & TileExtras)[] | undefined,
): { rows: TilePartRow[]; replaced: { vdn: number; tileFirst: number }[] } {
  type Growing = {
    vdn: number; first: number; ids: string[]; operTimes: number[]; digests: Uint8Array[];
    aks: (string | null)[]; clientIps: (string | null)[]; durations: (number | null)[];
  };
  const grown: Growing[] = [];
  // Each log's row that takes its next leaf (a log's leaves come in index order).
  const growing = new Map<number, Growing>();
  for (const leaf of leaves) {
    let row = growing.get(leaf.vdn);
    if (row === undefined || tileStart(row.first) !== tileStart(leaf.index)) {
      row = { vdn: leaf.vdn, first: leaf.index, ids: [], operTimes: [], digests: [], aks: [], clientIps: [], durations: [] };
      growing.set(leaf.vdn, row);
      grown.push(row);
    }
    row.ids.push(leaf.recordId);
    row.operTimes.push(leaf.operTime);
    row.digests.push(leaf.digest);
    row.aks.push(leaf.ak);
    row.clientIps.push(leaf.clientIp);
    row.durations.push(leaf.durationMs);
  }
  const replaced: { vdn: number; tileFirst: number }[] = [];
  const rows = grown.map((row): TilePartRow => {
    const tileFirst = tileStart(row.first);
    const parts = row.first > tileFirst && row.first + row.ids.length === tileFirst + TILE_WIDTH ? filledParts(row.vdn, tileFirst) : undefined;
    if (parts) {
      let next = tileFirst;
      for (const part of parts) next = part.first === next ? next + leafCount(part) : NaN;
      if (next !== row.first) throw new Error(`log ${row.vdn}: the stored leaves of tile ${tileFirst / TILE_WIDTH} do not end before leaf ${row.first}`);
      replaced.push({ vdn: row.vdn, tileFirst });
      // A part retention emptied of its extras adds nulls: its leaves lie before the horizon, and proofs leave them out.
      const kept = (part: TilePart & TileExtras, column: JsonText | null): unknown[] => (column === null ? new Array<null>(leafCount(part)).fill(null) : parseJson(column) as unknown[]);
      row = {
        ...row,
        first: tileFirst,
        ids: [...parts.flatMap((part) => parseJson(part.ids) as string[]), ...row.ids],
        operTimes: [...parts.flatMap((part) => parseJson(part.operTimes) as number[]), ...row.operTimes],
        digests: [...parts.map((part) => part.digests), ...row.digests],
        aks: [...parts.flatMap((part) => kept(part, part.aks) as (string | null)[]), ...row.aks],
        clientIps: [...parts.flatMap((part) => kept(part, part.clientIps) as (string | null)[]), ...row.clientIps],
        durations: [...parts.flatMap((part) => kept(part, part.durations) as (number | null)[]), ...row.durations],
      };
    }
    const [minTime, maxTime] = timeSpan(row.operTimes);
    return {
      vdn: row.vdn, first: row.first, ids: JSON.stringify(row.ids), operTimes: JSON.stringify(row.operTimes), digests: Buffer.concat(row.digests),
      aks: JSON.stringify(row.aks), clientIps: JSON.stringify(row.clientIps), durations: JSON.stringify(row.durations), minTime, maxTime,
    };
  });
  return { rows, replaced };
}

/** The lowest `first` of a tile part holding leaf `index` or a later one (parts never cross a tile's edge). */
export const partsFrom = (index: number): number => tileStart(index);

/** Which leaves of a tile part a range takes: `from` to `to - 1` of its own, `whole` when all of them. */
interface Cut<P> {
  part: P;
  from: number;
  to: number;
  whole: boolean;
}

/** The cuts of `parts` (in order) that hold leaves `start` to `end - 1` of a log; throws when a leaf of the range is not there. */
function cutsOf<P extends { first: number }>(vdn: number, parts: readonly P[], count: (part: P) => number, start: number, end: number): Cut<P>[] {
  const cuts: Cut<P>[] = [];
  let next = start;
  for (const part of parts) {
    const n = count(part);
    if (part.first + n <= next) continue;
    if (part.first > next || next >= end) break;
    const from = next - part.first;
    const to = Math.min(end, part.first + n) - part.first;
    cuts.push({ part, from, to, whole: from === 0 && to === n });
    next = part.first + to;
  }
  if (next < end) throw new Error(`log ${vdn}: leaf ${next} is not stored`);
  return cuts;
}

/** A JSON array column of a part, cut as the range takes it (the whole text as stored when it takes all). */
const cutColumn = (column: JsonText, { from, to, whole }: Cut<unknown>): JsonText => (whole ? column : JSON.stringify((parseJson(column) as unknown[]).slice(from, to)));

/**
 * Leaves `start` to `end - 1` of a log from the tile parts that hold them, in order: whole parts
 * spliced as stored, the two at the ends cut. Throws when a leaf of the range is not there.
 */
export function leafColumnsOfParts(vdn: number, parts: readonly TilePart[], start: number, end: number): LeafColumns {
  const cuts = cutsOf(vdn, parts, leafCount, start, end);
  const joined = Buffer.concat(cuts.map(({ part, from, to }) => part.digests.subarray(32 * from, 32 * to)));
  return {
    ids: concatJsonArrays(cuts.map((cut) => cutColumn(cut.part.ids, cut))),
    operTimes: concatJsonArrays(cuts.map((cut) => cutColumn(cut.part.operTimes, cut))),
    // A plain Uint8Array, as one from a read thread arrives (a Buffer crosses threads as one).
    digests: new Uint8Array(joined.buffer, joined.byteOffset, joined.length),
  };
}

/**
 * The extra fields of leaves `start` to `end - 1` of a log, column by column, from the tile parts
 * that hold them: those of leaves received from `retainedFrom` on (earlier ones went by retention),
 * spliced as stored where a part holds no earlier leaf. Throws when a leaf of the range is not there.
 */
export function extraFieldsOfParts(vdn: number, parts: readonly TileExtrasPart[], start: number, end: number, retainedFrom: number): JsonColumns<ProofExtraFields> {
  const columns: Record<keyof ProofExtraFields, JsonText[]> = { ids: [], ak: [], clientIp: [], durationMs: [] };
  for (const cut of cutsOf(vdn, parts, (part) => part.count, start, end)) {
    const { part } = cut;
    if (part.aks === null || part.clientIps === null || part.durations === null) continue;
    const stored = { ids: part.ids, ak: part.aks, clientIp: part.clientIps, durationMs: part.durations };
    if (part.minTime >= retainedFrom) {
      for (const name of Object.keys(columns) as (keyof ProofExtraFields)[]) columns[name].push(cutColumn(stored[name], cut));
      continue;
    }
    const times = parseJson(part.operTimes) as number[];
    const retained = (_: unknown, i: number) => i >= cut.from && i < cut.to && times[i]! >= retainedFrom;
    for (const name of Object.keys(columns) as (keyof ProofExtraFields)[]) columns[name].push(JSON.stringify((parseJson(stored[name]) as unknown[]).filter(retained)));
  }
  return { ids: concatJsonArrays(columns.ids), ak: concatJsonArrays(columns.ak), clientIp: concatJsonArrays(columns.clientIp), durationMs: concatJsonArrays(columns.durationMs) };
}

/**
 * A part's extras once retention removed its records received before `horizon`: their entries
 * null, or the columns null when that is every record; undefined when nothing changes.
 */
export function extrasRetained(part: Pick<TilePart, 'operTimes'> & TileExtras, horizon: number): TileExtras | undefined {
  if (part.aks === null || part.clientIps === null || part.durations === null) return undefined;
  const times = parseJson(part.operTimes) as number[];
  if (times.every((time) => time >= horizon)) return undefined;
  if (times.every((time) => time < horizon)) return { aks: null, clientIps: null, durations: null };
  const scrub = (column: JsonText) => JSON.stringify((parseJson(column) as unknown[]).map((value, i) => (times[i]! < horizon ? null : value)));
  const kept = { aks: scrub(part.aks), clientIps: scrub(part.clientIps), durations: scrub(part.durations) };
  return kept.aks === part.aks && kept.clientIps === part.clientIps && kept.durations === part.durations ? undefined : kept;
}

/** A tile part's leaves, one by one. */
export function leavesOfPart(part: TilePart): LeafEntry[] {
  const ids = parseJson(part.ids) as string[];
  const operTimes = parseJson(part.operTimes) as number[];
  return ids.map((recordId, i) => ({ index: part.first + i, recordId, operTime: operTimes[i]!, digest: digestAt(part.digests, i) }));
}

/**
 * The index of the first leaf of `parts`, in the order given (with `last`: of the last part, the
 * last leaf), that `wanted` accepts. Parts are read only until one holds such a leaf.
 */
export function findLeaf(parts: Iterable<Pick<TilePart, 'first' | 'operTimes'>>, wanted: (operTime: number, index: number) => boolean, last = false): number | undefined {
  for (const { first, operTimes } of parts) {
    const times = parseJson(operTimes) as number[];
    const order = times.map((_, i) => i);
    if (last) order.reverse();
    const found = order.find((i) => wanted(times[i]!, first + i));
    if (found !== undefined) return first + found;
  }
  return undefined;
}

/** The leaves below `size` received in [fromMs, toMs]. */
export const inWindow = (fromMs: number, toMs: number, size: number) => (operTime: number, index: number): boolean =>
  operTime >= fromMs && operTime <= toMs && index < size;
