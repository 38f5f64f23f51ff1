import { describe, expect, it } from 'vitest';
import type { LeafRow } from '../../src/integrity/seal.js';
import { findLeaf, inWindow, leafColumnsOfTiles, leavesOfTile, TILE_WIDTH, tilesWith, type TileColumns, type TileRow } from '../../src/store/leaf-tiles.js';

const digest = (i: number) => new Uint8Array(32).fill(i % 251);
const leaf = (index: number, operTime = 1_000 + index): LeafRow => ({ vdn: 2, index, recordId: `r${index}`, operTime, digest: digest(index) });

/** Seals leaves 0..n-1 of one log in batches of `batch`, as the stores do, keeping the tiles. */
function sealInBatches(leaves: LeafRow[], batch: number): Map<number, TileRow> {
  const tiles = new Map<number, TileRow>();
  for (let i = 0; i < leaves.length; i += batch) {
    for (const tile of tilesWith(leaves.slice(i, i + batch), (_vdn, n) => tiles.get(n))) tiles.set(tile.tile, tile);
  }
  return tiles;
}

describe('leaf tiles', () => {
  const leaves = Array.from({ length: 700 }, (_, i) => leaf(i, 1_000 + ((i * 7919) % 700)));

  it('hold every leaf once, in order, however the seals were cut', () => {
    for (const batch of [1, 3, 255, 256, 257, 700]) {
      const tiles = [...sealInBatches(leaves, batch).values()];
      expect(tiles.map((t) => t.tile)).toEqual([0, 1, 2]);
      const asBytes = <T extends { digest: Uint8Array }>(entry: T) => ({ ...entry, digest: Buffer.from(entry.digest) });
      expect(tiles.flatMap(leavesOfTile).map(asBytes)).toEqual(leaves.map(({ vdn: _vdn, ...entry }) => asBytes(entry)));
      const times = leaves.slice(TILE_WIDTH, 2 * TILE_WIDTH).map((l) => l.operTime);
      expect([tiles[1]!.minTime, tiles[1]!.maxTime]).toEqual([Math.min(...times), Math.max(...times)]);
    }
  });

  it('refuses to extend a stored tile that does not end where the next leaf goes', () => {
    const tiles = sealInBatches(leaves.slice(0, 300), 300);
    const short = { ...tiles.get(1)!, digests: tiles.get(1)!.digests.subarray(0, 32 * 40) };
    expect(() => tilesWith([leaf(300)], () => short)).toThrow(/log 2: tile 1 does not end before leaf 300/);
    expect(() => tilesWith([leaf(300)], () => undefined)).toThrow(/log 2: tile 1 does not end before leaf 300/);
  });

  it('give any leaf range column by column, as stored JSON in either spelling', () => {
    const stored = [...sealInBatches(leaves, 100).values()];
    // PostgreSQL's json_agg (the migration from leaf rows) writes ", " between elements.
    const spaced: TileColumns[] = stored.map((t) => ({ ...t, ids: t.ids.replace(/,/g, ', '), operTimes: t.operTimes.replace(/,/g, ', ') }));
    for (const tiles of [stored, spaced]) {
      for (const [start, end] of [[0, 700], [0, 1], [255, 257], [256, 512], [300, 301], [10, 690], [699, 700], [512, 700]] as const) {
        const columns = leafColumnsOfTiles(2, tiles.filter((t) => (t.tile + 1) * TILE_WIDTH > start && t.tile * TILE_WIDTH < end), start, end);
        const expected = leaves.slice(start, end);
        expect(JSON.parse(columns.ids)).toEqual(expected.map((l) => l.recordId));
        expect(JSON.parse(columns.operTimes)).toEqual(expected.map((l) => l.operTime));
        expect(Buffer.from(columns.digests)).toEqual(Buffer.concat(expected.map((l) => l.digest)));
      }
    }
  });

  it('name a leaf of the range that no tile holds', () => {
    const tiles = [...sealInBatches(leaves, 700).values()];
    expect(() => leafColumnsOfTiles(2, [tiles[0]!, tiles[2]!], 200, 600)).toThrow(/log 2: leaf 256 is not stored/);
    expect(() => leafColumnsOfTiles(2, tiles, 200, 701)).toThrow(/log 2: leaf 700 is not stored/);
  });

  it('find the first and last leaf of a window, skipping tiles whose span encloses none of it', () => {
    // Tile 1 spans times 0..10,000 but holds none in [5,000, 5,999]; tiles 0 and 2 do.
    const odd = [
      ...Array.from({ length: 256 }, (_, i) => leaf(i, 5_000 + i)),
      ...Array.from({ length: 256 }, (_, i) => leaf(256 + i, i % 2 === 0 ? 0 : 10_000)),
      ...Array.from({ length: 100 }, (_, i) => leaf(512 + i, 5_500 + i)),
    ];
    const tiles = [...sealInBatches(odd, 256).values()];
    const wanted = inWindow(5_000, 5_999, 612);
    expect(findLeaf(tiles, wanted)).toBe(0);
    expect(findLeaf([...tiles].reverse(), wanted, true)).toBe(611);
    expect(findLeaf(tiles.slice(1, 2), wanted)).toBeUndefined();
    // The checkpoint's size bounds the window: leaves from 600 on are not signed yet.
    expect(findLeaf([...tiles].reverse(), inWindow(5_000, 5_999, 600), true)).toBe(599);
    expect(findLeaf(tiles, inWindow(5_550, 5_560, 612))).toBe(562);
  });
});
