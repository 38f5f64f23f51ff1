import { describe, expect, it } from 'vitest';
import {
  checkpointText, formatVerifierKey, parseVerifierKey, signedNote, verifyCheckpoint,
} from '../../src/integrity/checkpoint.js';
import { fromHex, toHex } from '../../src/integrity/encoding.js';
import { appendLeaf, emptyHead, STORED_FROM_LEVEL, type StoredNode } from '../../src/integrity/log-append.js';
import {
  consistencyProofSpans, leafHash, rangeProofSpans, rootFromFrontier, rootFromRangeProof, spanHashFromLeaves, verifyConsistency,
  type Hash, type Span,
} from '../../src/integrity/merkle.js';
import { generateSigningKey, nodeHashing as h, signMessage, verifyEd25519 } from '../../src/integrity/node-crypto.js';

// RFC 6962's reference leaves and the roots of their first 0…8 (certificate-transparency's tests).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const leaves = (n: number): Hash[] => Array.from({ length: n }, (_, i) => leafHash(h, Uint8Array.of(i >> 8, i & 255)));
const rootOf = (hashes: Hash[]): Hash => {
  const head = emptyHead();
  for (const leaf of hashes) appendLeaf(h, head, leaf);
  return rootFromFrontier(h, head.frontier);
};

describe('RFC 6962 trees', () => {
  it('gives the reference roots for 0…8 leaves, growing leaf by leaf and computed whole', () => {
    const hashes = LEAVES.map((hex) => leafHash(h, fromHex(hex)!));
    for (let n = 0; n <= 8; n++) {
      expect(toHex(rootOf(hashes.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
      if (n > 0) expect(toHex(spanHashFromLeaves(h, { start: 0, end: n }, hashes))).toBe(ROOTS[n]);
    }
  });

  it("proves leaf 0 of 8 with the reference audit path's hashes", () => {
    const hashes = LEAVES.map((hex) => leafHash(h, fromHex(hex)!));
    const spans = rangeProofSpans(8, { start: 0, end: 1 });
    expect(spans.map((span) => toHex(spanHashFromLeaves(h, span, hashes)))).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
  });

  it('stores every perfect span from level 8 up, and each is the hash of its leaves', () => {
    const hashes = leaves(1100);
    const stored: StoredNode[] = [];
    const head = emptyHead();
    for (const leaf of hashes) appendLeaf(h, head, leaf, (node) => stored.push(node));
    expect(stored.map((n) => `${n.level}:${n.index}`)).toEqual(['8:0', '8:1', '9:0', '8:2', '8:3', '9:1', '10:0']);
    for (const node of stored) {
      const width = 2 ** node.level;
      expect(node.level).toBeGreaterThanOrEqual(STORED_FROM_LEVEL);
      expect(toHex(node.hash)).toBe(toHex(spanHashFromLeaves(h, { start: node.index * width, end: (node.index + 1) * width }, hashes)));
    }
  });
});

describe('range and consistency proofs', () => {
  it('prove every range of every tree up to 33 leaves, and fail when a leaf or a proof hash changes', () => {
    for (let size = 1; size <= 33; size++) {
      const hashes = leaves(size);
      const root = rootOf(hashes);
      for (let start = 0; start < size; start++) {
        for (let end = start + 1; end <= size; end++) {
          const range: Span = { start, end };
          const proof = rangeProofSpans(size, range).map((span) => spanHashFromLeaves(h, span, hashes));
          const inside = (list: Hash[]) => (span: Span) => spanHashFromLeaves(h, span, list);
          expect(toHex(rootFromRangeProof(h, size, range, inside(hashes), proof))).toBe(toHex(root));
          const changed = [...hashes];
          changed[end - 1] = leafHash(h, Uint8Array.of(255, 255, 255));
          expect(toHex(rootFromRangeProof(h, size, range, inside(changed), proof))).not.toBe(toHex(root));
          if (proof.length > 0) {
            const bent = [...proof];
            bent[0] = changed[end - 1]!;
            expect(toHex(rootFromRangeProof(h, size, range, inside(hashes), bent))).not.toBe(toHex(root));
            expect(() => rootFromRangeProof(h, size, range, inside(hashes), proof.slice(1))).toThrow(/too few/);
          }
        }
      }
    }
  });

  it('show that every tree up to 40 leaves extends each smaller one, and not a different history', () => {
    const hashes = leaves(40);
    const other = [...hashes];
    other[3] = leafHash(h, Uint8Array.of(9, 9, 9));
    for (let n = 1; n <= 40; n++) {
      const newRoot = rootOf(hashes.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProofSpans(m, n).map((span) => spanHashFromLeaves(h, span, hashes));
        expect(verifyConsistency(h, m, rootOf(hashes.slice(0, m)), n, newRoot, proof), `${m} -> ${n}`).toBe(true);
        if (m > 3) expect(verifyConsistency(h, m, rootOf(other.slice(0, m)), n, newRoot, proof)).toBe(false);
      }
    }
  });
});

describe('signed checkpoints (C2SP tlog-checkpoint, signed-note, Ed25519)', () => {
  const key = generateSigningKey('calllogs-test');
  const text = checkpointText({ origin: 'calllogs-test/vdn/2', size: 8, root: fromHex(ROOTS[8]!)! });
  const note = signedNote(text, key.note, signMessage(key, new TextEncoder().encode(text)));

  it('writes the format and verifies with the pinned key, parsed from its text form', async () => {
    expect(note).toMatch(/^calllogs-test\/vdn\/2\n8\n[A-Za-z0-9+/]{43}=\n\n\u2014 calllogs-test [A-Za-z0-9+/]{91}=\n$/);
    const pinned = parseVerifierKey(h, formatVerifierKey(key.note));
    const checkpoint = await verifyCheckpoint(note, pinned, verifyEd25519);
    expect(checkpoint).toMatchObject({ origin: 'calllogs-test/vdn/2', size: 8 });
    expect(toHex(checkpoint.root)).toBe(ROOTS[8]);
  });

  it('refuses an altered checkpoint, another key, and a malformed key', async () => {
    await expect(verifyCheckpoint(note.replace('\n8\n', '\n9\n'), key.note, verifyEd25519)).rejects.toThrow(/does not verify/);
    const other = generateSigningKey('calllogs-test');
    const named = (k: typeof key) => `${k.note.name}+${toHex(k.note.id)}`;
    await expect(verifyCheckpoint(note, other.note, verifyEd25519)).rejects.toThrow(`not signed by the pinned key ${named(other)}; it is signed by ${named(key)}`);
    // The signer's name comes from the note: one that would reach a terminal as control bytes is not repeated.
    const escaping = note.replace('\u2014 calllogs-test ', '\u2014 calllogs\u001b[2J ');
    await expect(verifyCheckpoint(escaping, key.note, verifyEd25519)).rejects.toThrow(/; it is signed by a key with an unprintable name$/);
    await expect(verifyCheckpoint(`${text}\n\u2014 calllogs-test AAAA\n`, other.note, verifyEd25519)).rejects.toThrow(/; it names no key$/);
    const signatures = note.slice(note.lastIndexOf('\n\n') + 2);
    await expect(verifyCheckpoint(`${text}\n${signatures.repeat(1000)}`, other.note, verifyEd25519))
      .rejects.toThrow(new RegExp(`; it is signed by ${named(key).replace('+', '\\+')}, ${named(key).replace('+', '\\+')}, ${named(key).replace('+', '\\+')} and 997 more$`));
    expect(() => parseVerifierKey(h, formatVerifierKey(key.note).replace('calllogs-test', 'calllogs-other'))).toThrow(/id does not match/);
  });
});
