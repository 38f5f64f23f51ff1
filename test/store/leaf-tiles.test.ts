import { describe, expect, it } from 'vitest';
import { parseJson, type JsonText } from '../../src/contract/proof.js';
import type { LeafRow } from '../../src/integrity/seal.js';
import {
  extraFieldsOfParts, extrasRetained, findLeaf, FULL_TILE_PARTS, inWindow, leafColumnsOfParts, leavesOfPart, mergesParts, TILE_WIDTH, tileFilled, tilePartsWith, type TilePart, type TilePartRow,
} from '../../src/store/leaf-tiles.js';

const digest = (i: number) => new Uint8Array(32).fill(i % 251);
const leaf = (index: number, operTime = 1_000 + index): LeafRow => ({
  vdn: 2, index, recordId: `r${index}`, operTime, digest: digest(index), ak: index % 3 ? `ak-${index % 5}` : null, clientIp: `10.0.0.${index % 250}`, durationMs: index % 4 ? index / 8 : null,
});
/** A stored row as a proof's extra fields read it (its leaf count from its digests, as the stores select it). */
const utf8 = new TextEncoder();
const asExtrasPart = (row: TilePartRow) => ({ ...row, count: row.digests.length / 32 });
/** The extra fields of `leaves`, as a proof should carry them. */
const extrasOf = (leaves: readonly LeafRow[]) => ({
  ids: leaves.map((l) => l.recordId), ak: leaves.map((l) => l.ak), clientIp: leaves.map((l) => l.clientIp), durationMs: leaves.map((l) => l.durationMs),
});
const parsed = (columns: Record<string, JsonText>) => Object.fromEntries(Object.entries(columns).map(([name, json]) => [name, parseJson(json)]));
const asBytes = (entry: { index: number; recordId: string; operTime: number; digest: Uint8Array }) => ({ ...entry, digest: Buffer.from(entry.digest) });

/** Seals one log's leaves in batches of `batch` into rows as the stores keep them (by first leaf, merging as they do), refusing a row stored twice. */
function sealInBatches(leaves: LeafRow[], batch: number): TilePartRow[] {
  const rows = new Map<number, TilePartRow>();
  for (let size = 0; size < leaves.length; size += batch) {
    const added = leaves.slice(size, size + batch);
    const filled = tileFilled(size, added.length);
    const parts = [...rows.values()].filter((row) => filled !== undefined && row.first >= filled && row.first < filled + TILE_WIDTH).sort((a, b) => a.first - b.first);
    const sealed = tilePartsWith(added, () => (mergesParts(parts.length) ? parts : undefined));
    for (const { tileFirst } of sealed.replaced) for (const part of parts) if (part.first >= tileFirst) rows.delete(part.first);
    for (const row of sealed.rows) {
      if (rows.has(row.first)) throw new Error(`row ${row.first} stored twice`);
      rows.set(row.first, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.first - b.first);
}

describe('leaf tiles', () => {
  const leaves = Array.from({ length: 700 }, (_, i) => leaf(i, 1_000 + ((i * 7919) % 700)));

  it('hold every leaf once, in order, however the seals were cut: a full tile in its parts, or in one row when more seals than FULL_TILE_PARTS added to it', () => {
    for (const batch of [1, 3, 30, 32, 100, 255, 256, 257, 700]) {
      const rows = sealInBatches(leaves, batch);
      expect(rows.flatMap(leavesOfPart).map(asBytes)).toEqual(leaves.map(({ vdn: _vdn, ak: _ak, clientIp: _clientIp, durationMs: _durationMs, ...entry }) => asBytes(entry)));
      // A part per seal that added to a tile: from the tile's first leaf, and from each seal's first leaf inside it.
      const partsOf = (tile: number) => [tile, ...leaves.slice(tile + 1, tile + TILE_WIDTH).filter((l) => l.index % batch === 0).map((l) => l.index)];
      for (const tile of [0, TILE_WIDTH]) {
        const stored = rows.filter((row) => row.first >= tile && row.first < tile + TILE_WIDTH).map((row) => row.first);
        expect(stored).toEqual(partsOf(tile).length > FULL_TILE_PARTS ? [tile] : partsOf(tile));
        const tileRows = rows.filter((row) => stored.includes(row.first));
        const times = leaves.slice(tile, tile + TILE_WIDTH).map((l) => l.operTime);
        expect([Math.min(...tileRows.map((row) => row.minTime)), Math.max(...tileRows.map((row) => row.maxTime))]).toEqual([Math.min(...times), Math.max(...times)]);
      }
      // The tile still filling: a part per seal that added to it.
      expect(rows.filter((row) => row.first >= 2 * TILE_WIDTH).map((row) => row.first)).toEqual([...new Set(leaves.slice(512).map((l) => Math.max(512, l.index - (l.index % batch))))]);
    }
    // The batches of 30 fill a tile in 9 parts (merged), those of 32 in 8 (kept).
    expect(sealInBatches(leaves, 30).filter((row) => row.first < TILE_WIDTH).length).toBe(1);
    expect(sealInBatches(leaves, 32).filter((row) => row.first < TILE_WIDTH).length).toBe(FULL_TILE_PARTS);
  });

  it('refuse to fill a tile whose stored parts do not end where the new leaves begin', () => {
    const rows = sealInBatches(leaves.slice(0, 300), 100);
    const parts = rows.filter((row) => row.first >= 256);
    expect(parts.map((row) => row.first)).toEqual([256]);
    const fill = leaves.slice(300, 512);
    expect(() => tilePartsWith(fill, () => [{ ...parts[0]!, first: 257 }])).toThrow(/log 2: the stored leaves of tile 1 do not end before leaf 300/);
    expect(() => tilePartsWith(fill, () => [])).toThrow(/log 2: the stored leaves of tile 1 do not end before leaf 300/);
    expect(() => tilePartsWith(fill, () => [...parts, { ...parts[0]!, first: 300 }])).toThrow(/do not end before leaf 300/);
    expect(tilePartsWith(fill, () => parts).rows.map((row) => [row.first, (parseJson(row.ids) as unknown[]).length])).toEqual([[256, 256]]);
  });

  it('give any leaf range column by column, from whole tiles and parts', () => {
    for (const batch of [3, 100, 700]) {
      const rows = sealInBatches(leaves, batch);
      for (const [start, end] of [[0, 700], [0, 1], [255, 257], [256, 512], [300, 301], [10, 690], [699, 700], [512, 700], [513, 516]] as const) {
        const columns = leafColumnsOfParts(2, rows.filter((row) => row.first >= start - (start % TILE_WIDTH) && row.first < end), start, end);
        const expected = leaves.slice(start, end);
        expect(parseJson(columns.ids)).toEqual(expected.map((l) => l.recordId));
        expect(parseJson(columns.operTimes)).toEqual(expected.map((l) => l.operTime));
        expect(Buffer.from(columns.digests)).toEqual(Buffer.concat(expected.map((l) => l.digest)));
      }
    }
  });

  it('keep each leaf\'s extra fields with it, through seals cut any way and tiles made whole, for any range', () => {
    for (const batch of [3, 100, 700]) {
      const rows = sealInBatches(leaves, batch).map(asExtrasPart);
      for (const [start, end] of [[0, 700], [0, 1], [255, 257], [300, 301], [10, 690], [513, 516]] as const) {
        const parts = rows.filter((row) => row.first >= start - (start % TILE_WIDTH) && row.first < end);
        expect(parsed(extraFieldsOfParts(2, parts, start, end, 0))).toEqual(extrasOf(leaves.slice(start, end)));
        // The same parts with their text as UTF-8 bytes, as the stores read them for proofs.
        const asRead = parts.map((part) => ({ ...part, ...Object.fromEntries(['ids', 'operTimes', 'aks', 'clientIps', 'durations'].map((name) => [name, utf8.encode(part[name as 'ids'] as string)])) }));
        expect(parsed(extraFieldsOfParts(2, asRead, start, end, 0))).toEqual(extrasOf(leaves.slice(start, end)));
        const [fromBytes, fromText] = [leafColumnsOfParts(2, asRead, start, end), leafColumnsOfParts(2, parts, start, end)];
        expect([parseJson(fromBytes.ids), parseJson(fromBytes.operTimes), fromBytes.digests]).toEqual([parseJson(fromText.ids), parseJson(fromText.operTimes), fromText.digests]);
      }
    }
  });

  it('drop the extra fields of leaves received before a retention horizon, in store and from proofs', () => {
    // Times rise with the index: tile 0 lies wholly before the horizon, tile 1 straddles it, the part still filling after it.
    const timed = Array.from({ length: 600 }, (_, i) => leaf(i, 1_000 + i));
    const horizon = 1_000 + 300;
    const rows = sealInBatches(timed, 550);
    const retained = rows.map((row) => ({ ...row, ...(extrasRetained(row, horizon) ?? {}) }));
    expect(retained.map((row) => row.aks === null)).toEqual([true, false, false, false]);
    expect(parseJson(retained[1]!.clientIps!)).toEqual(timed.slice(256, 512).map((l) => (l.operTime < horizon ? null : l.clientIp)));
    expect(retained.slice(2).map((row) => extrasRetained(row, horizon))).toEqual([undefined, undefined]);
    expect(extrasRetained(retained[1]!, horizon)).toBeUndefined();
    // A proof of every leaf carries the extras of those received from the horizon on, and of no other.
    expect(parsed(extraFieldsOfParts(2, retained.map(asExtrasPart), 0, 600, horizon))).toEqual(extrasOf(timed.slice(300)));
    expect(parsed(extraFieldsOfParts(2, retained.map(asExtrasPart), 250, 320, horizon))).toEqual(extrasOf(timed.slice(300, 320)));
    // Filling a tile from a part retention emptied: the new leaves' extras kept, the part's still left out.
    const late = Array.from({ length: 180 }, (_, i) => leaf(600 + i, 2_000 + i));
    const emptied = { ...rows[2]!, aks: null, clientIps: null, durations: null };
    const filled = tilePartsWith(late, () => [emptied, rows[3]!]).rows;
    expect(filled.map((row) => row.first)).toEqual([512, 768]);
    expect(parsed(extraFieldsOfParts(2, filled.map(asExtrasPart), 512, 780, 1_000 + 550))).toEqual(extrasOf([...timed.slice(550), ...late]));
  });

  it('name a leaf of the range that no row holds', () => {
    const rows = sealInBatches(leaves, 700);
    expect(() => leafColumnsOfParts(2, [rows[0]!, rows[2]!], 200, 600)).toThrow(/log 2: leaf 256 is not stored/);
    expect(() => leafColumnsOfParts(2, rows, 200, 701)).toThrow(/log 2: leaf 700 is not stored/);
  });

  it('find the first and last leaf of a window, skipping rows whose span encloses none of it', () => {
    // Tile 1 spans times 0..10,000 but holds none in [5,000, 5,999]; tiles 0 and 2 do.
    const odd = [
      ...Array.from({ length: 256 }, (_, i) => leaf(i, 5_000 + i)),
      ...Array.from({ length: 256 }, (_, i) => leaf(256 + i, i % 2 === 0 ? 0 : 10_000)),
      ...Array.from({ length: 100 }, (_, i) => leaf(512 + i, 5_500 + i)),
    ];
    const rows: TilePart[] = sealInBatches(odd, 256);
    const wanted = inWindow(5_000, 5_999, 612);
    expect(findLeaf(rows, wanted)).toBe(0);
    expect(findLeaf([...rows].reverse(), wanted, true)).toBe(611);
    expect(findLeaf(rows.slice(1, 2), wanted)).toBeUndefined();
    // The checkpoint's size bounds the window: leaves from 600 on are not signed yet.
    expect(findLeaf([...rows].reverse(), inWindow(5_000, 5_999, 600), true)).toBe(599);
    expect(findLeaf(rows, inWindow(5_550, 5_560, 612))).toBe(562);
  });
});
