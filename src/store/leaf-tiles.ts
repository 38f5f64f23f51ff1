import { concatJsonArrays } from '../contract/proof.js';
import { STORED_FROM_LEVEL } from '../integrity/log-append.js';
import { digestAt, timeSpan, type LeafRow } from '../integrity/seal.js';
import type { LeafColumns, LeafEntry } from './types.js';

/**
 * Leaves per tile: the narrowest stored subtree's width, so a tile's hash is a stored node once it
 * is full, and a span too small to be stored (which a proof hashes from its leaves) lies in one tile.
 */
export const TILE_WIDTH = 2 ** STORED_FROM_LEVEL;

/** A tile as both stores keep it: up to TILE_WIDTH consecutive leaves of a log, column by column. */
export interface TileColumns {
  /** Its first leaf's index ÷ TILE_WIDTH. */
  tile: number;
  /** The leaves' record ids and receive times as JSON array text, spliced into proofs as it is. */
  ids: string;
  operTimes: string;
  /** The leaves' digests, 32 bytes each. */
  digests: Uint8Array;
}

/** A tile's columns as both stores select them, named as TileColumns. */
export const TILE_COLUMNS = 'tile, ids, oper_times AS "operTimes", digests';

/** A tile to store, with its earliest and latest receive time (how a time window finds it). */
export interface TileRow extends TileColumns {
  vdn: number;
  minTime: number;
  maxTime: number;
}

/** The tile a log's next leaf joins, when that tile already holds leaves (the log's size is not a multiple of TILE_WIDTH). */
export const openTileOf = (size: number): number | undefined => (size % TILE_WIDTH === 0 ? undefined : Math.floor(size / TILE_WIDTH));

const leafCount = (tile: TileColumns): number => tile.digests.length / 32;

/**
 * The tiles that change when `leaves` (as sealRecords gives them: each log's in index order) join
 * their logs: new tiles, and the open tile of a log extended. `openTile` gives a log's open tile
 * as stored; a stored tile that does not end where the log's next leaf goes is refused.
 */
export function tilesWith(leaves: readonly LeafRow[], openTile: (vdn: number, tile: number) => TileColumns | undefined): TileRow[] {
  type Growing = { vdn: number; tile: number; ids: string[]; operTimes: number[]; digests: Uint8Array[] };
  const grown: Growing[] = [];
  // Each log's tile that takes its next leaf (a log's leaves come in index order).
  const growing = new Map<number, Growing>();
  for (const leaf of leaves) {
    const tile = Math.floor(leaf.index / TILE_WIDTH);
    let row = growing.get(leaf.vdn);
    if (row?.tile !== tile) {
      const stored = leaf.index % TILE_WIDTH === 0 ? undefined : openTile(leaf.vdn, tile);
      if ((stored ? leafCount(stored) : 0) !== leaf.index % TILE_WIDTH) {
        throw new Error(`log ${leaf.vdn}: tile ${tile} does not end before leaf ${leaf.index}`);
      }
      row = stored
        ? { vdn: leaf.vdn, tile, ids: JSON.parse(stored.ids) as string[], operTimes: JSON.parse(stored.operTimes) as number[], digests: [stored.digests] }
        : { vdn: leaf.vdn, tile, ids: [], operTimes: [], digests: [] };
      growing.set(leaf.vdn, row);
      grown.push(row);
    }
    row.ids.push(leaf.recordId);
    row.operTimes.push(leaf.operTime);
    row.digests.push(leaf.digest);
  }
  return grown.map(({ vdn, tile, ids, operTimes, digests }) => {
    const [minTime, maxTime] = timeSpan(operTimes);
    return { vdn, tile, ids: JSON.stringify(ids), operTimes: JSON.stringify(operTimes), digests: Buffer.concat(digests), minTime, maxTime };
  });
}

/**
 * Leaves `start` to `end - 1` of a log from its tiles that hold them, in tile order: whole tiles
 * spliced as stored, the two at the ends cut. Throws when a leaf of the range is not there.
 */
export function leafColumnsOfTiles(vdn: number, tiles: readonly TileColumns[], start: number, end: number): LeafColumns {
  const ids: string[] = [];
  const operTimes: string[] = [];
  const digests: Uint8Array[] = [];
  let next = start;
  for (const tile of tiles) {
    const first = tile.tile * TILE_WIDTH;
    const from = next - first;
    const to = Math.min(end, first + leafCount(tile)) - first;
    if (from < 0 || from >= to) break;
    const whole = from === 0 && to === leafCount(tile);
    ids.push(whole ? tile.ids : JSON.stringify((JSON.parse(tile.ids) as string[]).slice(from, to)));
    operTimes.push(whole ? tile.operTimes : JSON.stringify((JSON.parse(tile.operTimes) as number[]).slice(from, to)));
    digests.push(tile.digests.subarray(32 * from, 32 * to));
    next = first + to;
  }
  if (next < end) throw new Error(`log ${vdn}: leaf ${next} is not stored`);
  const joined = Buffer.concat(digests);
  // A plain Uint8Array, as one from a read thread arrives (a Buffer crosses threads as one).
  return { ids: concatJsonArrays(ids), operTimes: concatJsonArrays(operTimes), digests: new Uint8Array(joined.buffer, joined.byteOffset, joined.length) };
}

/** A tile's leaves, one by one. */
export function leavesOfTile(tile: TileColumns): LeafEntry[] {
  const ids = JSON.parse(tile.ids) as string[];
  const operTimes = JSON.parse(tile.operTimes) as number[];
  return ids.map((recordId, i) => ({ index: tile.tile * TILE_WIDTH + i, recordId, operTime: operTimes[i]!, digest: digestAt(tile.digests, i) }));
}

/**
 * The index of the first leaf of `tiles`, in the order given (with `last`: of the last tile, the
 * last leaf), that `wanted` accepts. Tiles are read only until one holds such a leaf.
 */
export function findLeaf(tiles: Iterable<Pick<TileColumns, 'tile' | 'operTimes'>>, wanted: (operTime: number, index: number) => boolean, last = false): number | undefined {
  for (const { tile, operTimes } of tiles) {
    const times = JSON.parse(operTimes) as number[];
    const order = times.map((_, i) => i);
    if (last) order.reverse();
    const found = order.find((i) => wanted(times[i]!, tile * TILE_WIDTH + i));
    if (found !== undefined) return tile * TILE_WIDTH + found;
  }
  return undefined;
}

/** The leaves below `size` received in [fromMs, toMs]. */
export const inWindow = (fromMs: number, toMs: number, size: number) => (operTime: number, index: number): boolean =>
  operTime >= fromMs && operTime <= toMs && index < size;
