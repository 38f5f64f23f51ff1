import { concatJsonArrays } from '../contract/proof.js';
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
  ids: string;
  operTimes: string;
  /** The leaves' digests, 32 bytes each. */
  digests: Uint8Array;
}

/** A tile part's columns as both stores select them, named as TilePart. */
export const TILE_PART_COLUMNS = 'first_leaf AS "first", ids, oper_times AS "operTimes", digests';

/** A tile part to store, with its earliest and latest receive time (how a time window finds it). */
export interface TilePartRow extends TilePart {
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
 * The rows that store `leaves` (as sealRecords gives them: each log's in index order): one per tile
 * they reach, except that the leaves which fill a tile holding parts already make the whole tile,
 * from `filledParts` (that tile's parts as stored, in order). `replaced` names the tiles whose parts
 * the new rows replace. Parts that do not end where the new leaves begin are refused.
 */
export function tilePartsWith(
  leaves: readonly LeafRow[],
  filledParts: (vdn: number, tileFirst: number) => readonly TilePart[],
): { rows: TilePartRow[]; replaced: { vdn: number; tileFirst: number }[] } {
  type Growing = { vdn: number; first: number; ids: string[]; operTimes: number[]; digests: Uint8Array[] };
  const grown: Growing[] = [];
  // Each log's row that takes its next leaf (a log's leaves come in index order).
  const growing = new Map<number, Growing>();
  for (const leaf of leaves) {
    let row = growing.get(leaf.vdn);
    if (row === undefined || tileStart(row.first) !== tileStart(leaf.index)) {
      row = { vdn: leaf.vdn, first: leaf.index, ids: [], operTimes: [], digests: [] };
      growing.set(leaf.vdn, row);
      grown.push(row);
    }
    row.ids.push(leaf.recordId);
    row.operTimes.push(leaf.operTime);
    row.digests.push(leaf.digest);
  }
  const replaced: { vdn: number; tileFirst: number }[] = [];
  const rows = grown.map((row): TilePartRow => {
    const tileFirst = tileStart(row.first);
    if (row.first > tileFirst && row.first + row.ids.length === tileFirst + TILE_WIDTH) {
      const parts = filledParts(row.vdn, tileFirst);
      let next = tileFirst;
      for (const part of parts) next = part.first === next ? next + leafCount(part) : NaN;
      if (next !== row.first) throw new Error(`log ${row.vdn}: the stored leaves of tile ${tileFirst / TILE_WIDTH} do not end before leaf ${row.first}`);
      replaced.push({ vdn: row.vdn, tileFirst });
      row = {
        ...row,
        first: tileFirst,
        ids: [...parts.flatMap((part) => JSON.parse(part.ids) as string[]), ...row.ids],
        operTimes: [...parts.flatMap((part) => JSON.parse(part.operTimes) as number[]), ...row.operTimes],
        digests: [...parts.map((part) => part.digests), ...row.digests],
      };
    }
    const [minTime, maxTime] = timeSpan(row.operTimes);
    return { vdn: row.vdn, first: row.first, ids: JSON.stringify(row.ids), operTimes: JSON.stringify(row.operTimes), digests: Buffer.concat(row.digests), minTime, maxTime };
  });
  return { rows, replaced };
}

/** The lowest `first` of a tile part holding leaf `index` or a later one (parts never cross a tile's edge). */
export const partsFrom = (index: number): number => tileStart(index);

/**
 * Leaves `start` to `end - 1` of a log from the tile parts that hold them, in order: whole parts
 * spliced as stored, the two at the ends cut. Throws when a leaf of the range is not there.
 */
export function leafColumnsOfParts(vdn: number, parts: readonly TilePart[], start: number, end: number): LeafColumns {
  const ids: string[] = [];
  const operTimes: string[] = [];
  const digests: Uint8Array[] = [];
  let next = start;
  for (const part of parts) {
    const count = leafCount(part);
    if (part.first + count <= next) continue;
    if (part.first > next || next >= end) break;
    const from = next - part.first;
    const to = Math.min(end, part.first + count) - part.first;
    const whole = from === 0 && to === count;
    ids.push(whole ? part.ids : JSON.stringify((JSON.parse(part.ids) as string[]).slice(from, to)));
    operTimes.push(whole ? part.operTimes : JSON.stringify((JSON.parse(part.operTimes) as number[]).slice(from, to)));
    digests.push(part.digests.subarray(32 * from, 32 * to));
    next = part.first + to;
  }
  if (next < end) throw new Error(`log ${vdn}: leaf ${next} is not stored`);
  const joined = Buffer.concat(digests);
  // A plain Uint8Array, as one from a read thread arrives (a Buffer crosses threads as one).
  return { ids: concatJsonArrays(ids), operTimes: concatJsonArrays(operTimes), digests: new Uint8Array(joined.buffer, joined.byteOffset, joined.length) };
}

/** A tile part's leaves, one by one. */
export function leavesOfPart(part: TilePart): LeafEntry[] {
  const ids = JSON.parse(part.ids) as string[];
  const operTimes = JSON.parse(part.operTimes) as number[];
  return ids.map((recordId, i) => ({ index: part.first + i, recordId, operTime: operTimes[i]!, digest: digestAt(part.digests, i) }));
}

/**
 * The index of the first leaf of `parts`, in the order given (with `last`: of the last part, the
 * last leaf), that `wanted` accepts. Parts are read only until one holds such a leaf.
 */
export function findLeaf(parts: Iterable<Pick<TilePart, 'first' | 'operTimes'>>, wanted: (operTime: number, index: number) => boolean, last = false): number | undefined {
  for (const { first, operTimes } of parts) {
    const times = JSON.parse(operTimes) as number[];
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
