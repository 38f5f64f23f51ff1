import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/auth/key-store.js';
import { CalllogsApiError, CalllogsClient, nodeHashing, parseVerifierKey, verifyEd25519, verifyLogProof, type LogProof, type ProvableRecord } from '../../src/client/index.js';
import { parseInstant } from '../../src/contract/time.js';
import { formatVerifierKey, parseCheckpointText, signedNote } from '../../src/integrity/checkpoint.js';
import { readLogKey } from '../../src/integrity/key-file.js';
import { generateSigningKey, signMessage } from '../../src/integrity/node-crypto.js';
import { defaultConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { call } from '../helpers/server.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';
import { sealEverything } from '../helpers/sealing.js';

const withPostgres = await postgresAvailable();
const DAY = 86_400_000;
const DAY1 = Date.UTC(2022, 7, 20);
const stores: [string, () => Promise<string>][] = [
  ['SQLite', async () => join(tempDir(), 'proofs.db')],
  ...(withPostgres ? [['PostgreSQL', createTestDatabase] as [string, () => Promise<string>]] : []),
];

describe.each(stores)('the proof interface on %s', (_name, newDb) => {
  let server: RunningServer;
  let client: CalllogsClient;
  let scoped: CalllogsClient;
  const dir = tempDir();
  // The fields the database writes into a proof's answer as JSON itself, in every spelling a record may hold.
  const oddExtras: [string | null, string | null, number | null][] = [
    ['ak "quoted" \\ back\\slash /', '::ffff:10.0.0.1', null],
    ['ak-ünïcødé-日本-😀', null, 0],
    ['ak\u0001ctl\ttab\nnl\u2028', '2001:db8::1', 12_345.678],
    [null, '', 1e-3],
  ];
  // 300 calls of VDN 2 on day 1, 200 on day 2, 50 of VDN 3 between them, VDN 3's odd ones on day 3.
  const records = [
    ...Array.from({ length: 300 }, (_, i) => makeRecord({ vdnId: 2, operTime: DAY1 + i * 1000, ak: 'ak-2', clientIp: '10.0.0.9', durationMs: i / 4 })),
    ...Array.from({ length: 50 }, (_, i) => makeRecord({ vdnId: 3, operTime: DAY1 + i * 1000 })),
    ...Array.from({ length: 200 }, (_, i) => makeRecord({ vdnId: 2, operTime: DAY1 + DAY + i * 1000 })),
    ...oddExtras.map(([ak, clientIp, durationMs], i) => makeRecord({ vdnId: 3, operTime: DAY1 + 2 * DAY + i * 1000, ak, clientIp, durationMs })),
  ];

  let db: string;

  beforeAll(async () => {
    db = await newDb();
    server = await startServer({
      ...defaultConfig(), db, port: 0, logLevel: 'silent', timeZone: 'UTC',
      spillDir: join(dir, 'spill'), integrity: { ...defaultConfig().integrity, keyFile: join(dir, 'log-key.json') },
    });
    const keys = new KeyStore(server.store.keys, undefined);
    const all = await keys.create({ vdns: 'all', label: 'all' });
    const vdn3 = await keys.create({ vdns: [3], label: 'vdn 3' });
    client = new CalllogsClient({ endpoint: server.endpoint, ak: all.ak, sk: all.sk, timeZone: 'UTC' });
    scoped = new CalllogsClient({ endpoint: server.endpoint, ak: vdn3.ak, sk: vdn3.sk, timeZone: 'UTC' });
    await server.store.insertBatch(records);
    await sealEverything(server.store, () => server.sealer!.run(true));
  });
  afterAll(async () => {
    await Promise.all([client.close(), scoped.close()]);
    await server.close();
  });

  /** The window's records as an integrator exports them from the calllogs interface. */
  async function exported(beginTime: string, endTime: string, vdnId = 2): Promise<ProvableRecord[]> {
    const out: ProvableRecord[] = [];
    for await (const log of client.records({ vdnId, from: new Date(`${beginTime}Z`), to: new Date(`${endTime}Z`) })) {
      out.push({ ...log, operTime: parseInstant(log.operTime)!, vdnId });
    }
    return out;
  }

  async function pinnedKey() {
    const latest = await call(server.endpoint, '/checkpoints/latest', { method: 'GET' });
    expect(latest.status).toBe(200);
    return parseVerifierKey(nodeHashing, latest.json.publicKey);
  }

  const check = async (window?: { fromMs: number; toMs: number }) => ({ hashing: nodeHashing, verifySignature: verifyEd25519, key: await pinnedKey(), window });

  it('proves a day of exported records complete and unchanged against the signed checkpoint', async () => {
    const held = await exported('2022-08-20T00:00:00', '2022-08-20T23:59:59');
    expect(held).toHaveLength(300);
    const proof = await client.proof({ vdnId: 2, beginTime: '2022-08-20 00:00:00', endTime: '2022-08-20 23:59:59' });
    // The log holds the 500 calls and, after them, the calls of this test file (each one recorded).
    expect(proof).toMatchObject({ vdnId: 2, firstLeaf: 0 });
    expect(proof.treeSize).toBeGreaterThanOrEqual(500);
    expect(proof.leaves.ids).toHaveLength(300);
    expect(proof.leaves.operTimes).toHaveLength(300);
    // Every held record's fields that the calllogs answer leaves out, by id.
    expect(proof.extraFields!.ids).toHaveLength(300);
    const source = records.find((r) => r.id === held[4]!.id)!;
    const i = proof.extraFields!.ids.indexOf(source.id);
    expect([proof.extraFields!.ak[i], proof.extraFields!.clientIp[i], proof.extraFields!.durationMs[i]]).toEqual(['ak-2', '10.0.0.9', source.durationMs]);
    expect(proof.checkpoint).toMatch(new RegExp(`^calllogs-[0-9a-f]{6}/vdn/2\n${proof.treeSize}\n`));
    const result = await verifyLogProof(held, proof, await check({ fromMs: DAY1, toMs: DAY1 + DAY }));
    expect(result).toEqual({ records: 300, firstLeaf: 0, lastLeaf: 299, treeSize: proof.treeSize });
  });

  it('carries every spelling of the extra fields through the answer unchanged, and answers an empty window', async () => {
    const held = await exported('2022-08-22T00:00:00', '2022-08-22T23:59:59', 3);
    expect(held).toHaveLength(oddExtras.length);
    const proof = await client.proof({ vdnId: 3, beginTime: '2022-08-22 00:00:00', endTime: '2022-08-22 23:59:59' });
    const extras = proof.extraFields!;
    const byId = extras.ids.map((id, i) => [id, [extras.ak[i], extras.clientIp[i], extras.durationMs[i]]]);
    expect(Object.fromEntries(byId)).toEqual(Object.fromEntries(records.slice(-oddExtras.length).map((r, i) => [r.id, oddExtras[i]])));
    await expect(verifyLogProof(held, proof, await check({ fromMs: DAY1 + 2 * DAY, toMs: DAY1 + 3 * DAY }))).resolves.toMatchObject({ records: oddExtras.length });

    const empty = await client.proof({ vdnId: 3, beginTime: '2022-08-25 00:00:00', endTime: '2022-08-25 23:59:59' });
    expect(empty).toMatchObject({ vdnId: 3, firstLeaf: null, leaves: { ids: [], operTimes: [], digests: '' }, extraFields: { ids: [], ak: [], clientIp: [], durationMs: [] }, rangeProof: [] });
    expect(empty.treeSize).toBe(proof.treeSize);
  });

  it('names a changed, a withheld and an invented record', async () => {
    const held = await exported('2022-08-21T00:00:00', '2022-08-21T23:59:59');
    const proof = await client.proof({ vdnId: 2, beginTime: '2022-08-21 00:00:00', endTime: '2022-08-21 23:59:59' });
    const window = { fromMs: DAY1 + DAY, toMs: DAY1 + 2 * DAY };
    const changed = held.map((r, i) => (i === 7 ? { ...r, resultCode: '0200000', httpStatus: 200, resultDesc: 'ok' } : r));
    changed[7]!.resultDesc = 'rewritten';
    await expect(verifyLogProof(changed, proof, await check(window))).rejects.toThrow(new RegExp(`record ${held[7]!.id} \\(leaf \\d+ of VDN 2\\) was changed`));
    await expect(verifyLogProof(held.filter((_, i) => i !== 50), proof, await check(window)))
      .rejects.toThrow(new RegExp(`record ${held[50]!.id} \\(leaf \\d+ of VDN 2\\), received \\S+, is missing from the records`));
    const invented = { ...held[0]!, id: '166103911100000000012345678901' };
    await expect(verifyLogProof([...held, invented], proof, await check(window))).rejects.toThrow(/record 166103911100000000012345678901 is not among leaves 300\.\.499/);
  });

  it('matches records to leaves in any order, and refuses a record given twice', async () => {
    const held = await exported('2022-08-21T00:00:00', '2022-08-21T23:59:59');
    const proof = await client.proof({ vdnId: 2, beginTime: '2022-08-21 00:00:00', endTime: '2022-08-21 23:59:59' });
    const window = await check({ fromMs: DAY1 + DAY, toMs: DAY1 + 2 * DAY });
    const byLeaf = proof.leaves.ids.map((id) => held.find((r) => r.id === id)!);
    const shuffled = held.map((r, i) => [(i * 7919) % held.length, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
    for (const order of [byLeaf, [...byLeaf].reverse(), shuffled]) {
      await expect(verifyLogProof(order, proof, window)).resolves.toMatchObject({ records: 200 });
    }
    // A second copy of a record (changed or not) before or after the original, or in another's
    // place: refused, so that no copy goes unchecked.
    const copy = { ...byLeaf[3]!, resultDesc: 'rewritten' };
    const twice: [ProvableRecord[], string][] = [
      [[copy, ...byLeaf], copy.id],
      [[...byLeaf, copy], copy.id],
      [[byLeaf[5]!, ...byLeaf.slice(1)], byLeaf[5]!.id],
    ];
    for (const [records, id] of twice) {
      await expect(verifyLogProof(records, proof, window)).rejects.toThrow(new RegExp(`^record ${id} appears more than once in the records$`));
    }
    // In leaf order, a changed record is named as in any other order.
    const changed = byLeaf.map((r, i) => (i === 9 ? { ...r, resultDesc: 'rewritten' } : r));
    await expect(verifyLogProof(changed, proof, window)).rejects.toThrow(new RegExp(`record ${byLeaf[9]!.id} \\(leaf \\d+ of VDN 2\\) was changed`));
    await expect(verifyLogProof([...changed].reverse(), proof, window)).rejects.toThrow(new RegExp(`record ${byLeaf[9]!.id} \\(leaf \\d+ of VDN 2\\) was changed`));
  });

  it('detects a leaf left out of the proof, and a checkpoint it was not built for', async () => {
    const held = await exported('2022-08-21T00:00:00', '2022-08-21T23:59:59');
    const proof = await client.proof({ vdnId: 2, beginTime: '2022-08-21 00:00:00', endTime: '2022-08-21 23:59:59' });
    const dropped = held.filter((r) => r.id !== proof.leaves.ids[10]!);
    const digests = Buffer.from(proof.leaves.digests, 'base64');
    const leaves = {
      ids: proof.leaves.ids.filter((_, i) => i !== 10),
      operTimes: proof.leaves.operTimes.filter((_, i) => i !== 10),
      digests: Buffer.concat([digests.subarray(0, 320), digests.subarray(352)]).toString('base64'),
    };
    await expect(verifyLogProof(dropped, { ...proof, leaves }, await check()))
      .rejects.toThrow(/VDN 2: leaves 300\.\.498 and the proof do not make a tree of \d+ leaves/);
    const other = await client.proof({ vdnId: 3, fromLeaf: 0, toLeaf: 0 });
    await expect(verifyLogProof(held, { ...proof, checkpoint: other.checkpoint }, await check())).rejects.toThrow(/the checkpoint is for another log/);
  });

  it('refuses a proof whose columns do not line up, naming what is wrong', async () => {
    const held = await exported('2022-08-21T00:00:00', '2022-08-21T23:59:59');
    const proof = await client.proof({ vdnId: 2, beginTime: '2022-08-21 00:00:00', endTime: '2022-08-21 23:59:59' });
    const extras = proof.extraFields!;
    const malformed: [Partial<LogProof>, RegExp][] = [
      [{ leaves: { ...proof.leaves, operTimes: proof.leaves.operTimes.slice(1) } }, /proof: its leaves are not columns of one length/],
      [{ leaves: { ...proof.leaves, operTimes: proof.leaves.operTimes.map(String) as never } }, /proof: its leaves are not columns of one length/],
      [{ leaves: { ...proof.leaves, digests: proof.leaves.digests.slice(4) } }, /proof: its leaves' digests are not 200 SHA-256 hashes in base64/],
      [{ leaves: { ...proof.leaves, digests: `${proof.leaves.digests}\n` } }, /proof: its leaves' digests are not 200 SHA-256 hashes in base64/],
      [{ extraFields: { ...extras, ak: extras.ak.slice(1) } }, /proof: its extra fields are not four columns of one length/],
      [{ extraFields: { ...extras, durationMs: extras.durationMs.map(String) as never } }, /proof: its extra fields are not four columns of one length/],
      [{ extraFields: null }, /neither the records nor the proof carry its access key, address and duration/],
      // A record lacking its extra fields tries each entry of its id: no more of them than its leaves.
      [{ extraFields: { ids: [...extras.ids, extras.ids[0]!], ak: [...extras.ak, 'ak-other'], clientIp: [...extras.clientIp, null], durationMs: [...extras.durationMs, 1] } },
        new RegExp(`proof: its extra fields list record ${extras.ids[0]} more often than its leaves do`)],
      [{ checkpoint: null }, /VDN 2: the proof lists leaves but no checkpoint/],
    ];
    for (const [change, message] of malformed) {
      await expect(verifyLogProof(held, { ...proof, ...change }, await check()), JSON.stringify(Object.keys(change))).rejects.toThrow(message);
    }
    await expect(verifyLogProof(held, proof, await check())).resolves.toMatchObject({ records: 200 });
  });

  it('proves the log extends a checkpoint saved earlier, and not a forged one', async () => {
    const saved = await client.proof({ vdnId: 2, fromLeaf: 0, toLeaf: 0 });
    const { size, root } = (await (await import('../../src/integrity/checkpoint.js')).verifyCheckpoint(saved.checkpoint!, await pinnedKey(), verifyEd25519));
    await server.store.insertBatch(Array.from({ length: 30 }, (_, i) => makeRecord({ vdnId: 2, operTime: DAY1 + 2 * DAY + i })));
    await sealEverything(server.store, () => server.sealer!.run(true));
    const proof = await client.proof({ vdnId: 2, beginTime: '2022-08-22 00:00:00', endTime: '2022-08-22 23:59:59', fromTreeSize: size });
    expect(proof.fromTreeSize).toBe(size);
    expect(proof.treeSize).toBeGreaterThanOrEqual(size + 30);
    const held = await exported('2022-08-22T00:00:00', '2022-08-22T23:59:59');
    await expect(verifyLogProof(held, proof, { ...(await check()), since: { size, root } })).resolves.toMatchObject({ records: 30, treeSize: proof.treeSize });
    const forged = new Uint8Array(root);
    forged[0] = forged[0]! ^ 1;
    await expect(verifyLogProof(held, proof, { ...(await check()), since: { size, root: forged } }))
      .rejects.toThrow(new RegExp(`does not extend the checkpoint saved earlier \\(size ${size}\\)`));
  });

  it('keeps a key to its VDNs, refuses leaves beyond the checkpoint, and serves heads without record data', async () => {
    await expect(scoped.proof({ vdnId: 2, fromLeaf: 0, toLeaf: 0 })).rejects.toMatchObject({ status: 403 });
    const own = await scoped.proof({ vdnId: 3, fromLeaf: 0, toLeaf: 49 });
    expect(own).toMatchObject({ vdnId: 3, firstLeaf: 0 });
    expect(Object.keys(own).sort()).toEqual(['checkpoint', 'consistencyProof', 'extraFields', 'firstLeaf', 'fromTreeSize', 'leaves', 'rangeProof', 'treeSize', 'vdnId']);
    const beyond = await client.proof({ vdnId: 3, fromLeaf: 0, toLeaf: own.treeSize }).catch((e: CalllogsApiError) => e);
    expect(beyond).toMatchObject({ status: 400, resultCode: '02000007' });
    expect((beyond as Error).message).toContain(`toLeaf: must be below the latest checkpoint's tree size, ${own.treeSize}`);
    const refusals: [object, string, RegExp][] = [
      [{ fromLeaf: -1, toLeaf: 0 }, '02000007', /fromLeaf: must be between 0/],
      [{ fromLeaf: '0', toLeaf: 1 }, '02000006', /fromLeaf: must be an integer/],
      [{ fromLeaf: 5, toLeaf: 4 }, '02000009', /toLeaf: must not be below fromLeaf/],
      [{ fromLeaf: 0, toLeaf: 100_000 }, '02000009', /at most 100000 leaves at a time/],
      [{ fromLeaf: 0, toLeaf: 1, beginTime: '2022-08-20 00:00:00', endTime: '2022-08-20 01:00:00' }, '02000009', /a time window or a leaf range, not both/],
      [{ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-28 00:00:00' }, '02000009', /at most 7 days after beginTime/],
      [{ fromLeaf: 0, toLeaf: 0, fromTreeSize: 0 }, '02000007', /fromTreeSize: must be between 1/],
      [{ fromLeaf: 0, toLeaf: 0, fromTreeSize: 1e15 }, '02000007', /fromTreeSize: must be at most the latest checkpoint's tree size/],
    ];
    for (const [body, code, message] of refusals) {
      const refused = await client.proof({ vdnId: 3, ...body } as never).catch((e: CalllogsApiError) => e);
      expect(refused, JSON.stringify(body)).toMatchObject({ status: 400, resultCode: code });
      expect((refused as Error).message).toMatch(message);
    }
    const latest = await call(server.endpoint, '/checkpoints/latest', { method: 'GET' });
    expect(latest.json.checkpoints.map((c: { vdnId: number }) => c.vdnId).sort()).toEqual([2, 3]);
    expect(latest.text).not.toMatch(/ak-2|10\.0\.0\.9|queryObsResultDetail/);
  });

  it('client.verifyWindow: a range of any length checked in one call, --since included, and a record changed in the database named', async () => {
    const latest = await call(server.endpoint, '/checkpoints/latest', { method: 'GET' });
    const { publicKey } = latest.json as { publicKey: string };
    const noteOf = (vdn: number) => (latest.json.checkpoints as { vdnId: number; checkpoint: string }[]).find((c) => c.vdnId === vdn)!.checkpoint;
    // Nine days: two proof windows (the interface proves 7 days at a time).
    const range = { vdnId: 2, from: new Date(DAY1 - 3 * DAY), to: new Date(DAY1 + 6 * DAY - 1) };
    const expected = (await exported('2022-08-17T00:00:00', '2022-08-25T23:59:59')).length;
    expect(expected).toBeGreaterThanOrEqual(500);
    const proven = await client.verifyWindow(range, { publicKey });
    expect(proven).toMatchObject({ records: expected, firstLeaf: 0 });
    expect(proven.lastLeaf).toBeGreaterThanOrEqual(expected - 1); // the calls recorded meanwhile are VDN 2's leaves too
    await expect(client.verifyWindow(range, { publicKey, since: noteOf(2) })).resolves.toMatchObject({ records: expected });
    await expect(client.verifyWindow(range, { publicKey, since: noteOf(3) })).rejects.toThrow(/^since: the saved checkpoint is of another log \(\S+\/vdn\/3\), not of VDN 2$/);
    // A checkpoint saved when the log was larger than it is now (its newest part cut off since):
    // signed with the service's own key, so only its size gives it away.
    const own = readLogKey(join(dir, 'log-key.json'), undefined, () => undefined);
    const head = parseCheckpointText(noteOf(2).slice(0, noteOf(2).indexOf('\n\n') + 1));
    const larger = `${head.origin}\n${head.size + 100}\n${Buffer.alloc(32, 7).toString('base64')}\n`;
    await expect(client.verifyWindow(range, { publicKey, since: signedNote(larger, own.note, signMessage(own, new TextEncoder().encode(larger))) }))
      .rejects.toThrow(new RegExp(`^VDN 2: the log is smaller than the checkpoint saved earlier \\(size ${head.size + 100}\\): its history was rewritten or truncated$`));
    const other = formatVerifierKey(generateSigningKey('calllogs-other').note);
    await expect(client.verifyWindow(range, { publicKey: other })).rejects.toThrow(/VDN 2: checkpoint: not signed by the pinned key calllogs-other\+/);
    await expect(client.verifyWindow({ ...range, to: new Date(DAY1 - 4 * DAY) }, { publicKey })).rejects.toThrow(RangeError);

    const [victim] = await exported('2022-08-21T00:00:10', '2022-08-21T00:00:10');
    const setDesc = async (desc: string) => {
      if (db.startsWith('postgres')) await onDatabase(db, (c) => c.query('UPDATE records SET result_desc = $1 WHERE id = $2', [desc, victim!.id]));
      else new Database(db).prepare('UPDATE records SET result_desc = ? WHERE id = ?').run(desc, victim!.id);
    };
    await setDesc('rewritten');
    try {
      await expect(client.verifyWindow(range, { publicKey })).rejects.toThrow(new RegExp(`^record ${victim!.id} \\(leaf \\d+ of VDN 2\\) was changed: it does not match its leaf$`));
    } finally {
      await setDesc(victim!.resultDesc);
    }
    await expect(client.verifyWindow(range, { publicKey })).resolves.toMatchObject({ records: expected });
  });
});
