import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/auth/key-store.js';
import { CalllogsClient, nodeHashing, parseVerifierKey, verifyEd25519, verifyLogProof, type ProvableRecord } from '../../src/client/index.js';
import { parseInstant } from '../../src/contract/time.js';
import type { CallRecord } from '../../src/contract/record.js';
import { defaultConfig } from '../../src/server/config.js';
import { startServer } from '../../src/server/serve.js';
import { runCli } from '../helpers/cli.js';
import { call } from '../helpers/server.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { sealEverything } from '../helpers/sealing.js';
import { tempDir } from '../helpers/tmp.js';

const withPostgres = await postgresAvailable();
const BASE = Date.UTC(2022, 7, 20, 12);

/**
 * 20 calls of VDN 2, one minute apart, and a second copy of the 4th one's id received 10 minutes
 * later with another outcome, access key and duration: PostgreSQL keys a record by its id and
 * receive time, so an import may bring both. The import sorts by id, the export by time: the two
 * copies are leaves side by side, and far apart in the export.
 */
function recordsWithOneIdTwice(): { records: CallRecord[]; twiceId: string } {
  const records = Array.from({ length: 20 }, (_, i) => makeRecord({ vdnId: 2, operTime: BASE + i * 60_000, ak: 'ak-first', durationMs: i }));
  const twiceId = records[3]!.id;
  records.push({ ...records[3]!, operTime: BASE + 13 * 60_000 + 1, httpStatus: 500, resultCode: '0200500', ak: 'ak-second', durationMs: 99.5 });
  return { records, twiceId };
}

describe.skipIf(!withPostgres)('an id stored twice, at two times (PostgreSQL)', () => {
  it('verifies offline from an export with both copies, and names the copy that was changed', async () => {
    const dir = tempDir();
    const db = await createTestDatabase();
    const { records, twiceId } = recordsWithOneIdTwice();
    const server = await startServer({
      ...defaultConfig(), db, port: 0, logLevel: 'silent', timeZone: 'UTC',
      spillDir: join(dir, 'spill'), integrity: { ...defaultConfig().integrity, keyFile: join(dir, 'log-key.json') },
    });
    const { ak, sk } = await new KeyStore(server.store.keys, undefined).create({ vdns: [2], label: 'vdn 2' });
    const client = new CalllogsClient({ endpoint: server.endpoint, ak, sk, timeZone: 'UTC' });
    try {
      const session = await server.store.beginImport();
      await session.add(records);
      await session.commit();
      await sealEverything(server.store, () => server.sealer!.run(true));

      // The SDK's path: records from the calllogs interface, without the access key, address and
      // duration; the proof's extra fields list the id twice, and each copy's leaf tells its own.
      const held: ProvableRecord[] = [];
      for await (const log of client.records({ vdnId: 2, from: new Date(BASE), to: new Date(BASE + 3_600_000) })) {
        held.push({ ...log, operTime: parseInstant(log.operTime)!, vdnId: 2 });
      }
      expect(held.filter((r) => r.id === twiceId)).toHaveLength(2);
      const proof = await client.proof({ vdnId: 2, beginTime: '2022-08-20 12:00:00', endTime: '2022-08-20 12:59:59' });
      expect(proof.extraFields!.ids.filter((id) => id === twiceId)).toHaveLength(2);
      const { publicKey } = (await call(server.endpoint, '/checkpoints/latest', { method: 'GET' })).json as { publicKey: string };
      const check = {
        hashing: nodeHashing, verifySignature: verifyEd25519, key: parseVerifierKey(nodeHashing, publicKey),
        window: { fromMs: BASE, toMs: BASE + 3_600_000 },
      };
      const leafOf = (r: ProvableRecord) => proof.leaves.ids.findIndex((id, i) => id === r.id && proof.leaves.operTimes[i] === r.operTime);
      const byLeaf = [...held].sort((a, b) => leafOf(a) - leafOf(b));
      const copies = byLeaf.flatMap((r, i) => (r.id === twiceId ? [i] : []));
      expect(copies[1]).toBe(copies[0]! + 1); // leaves side by side, records apart
      const copiesSwapped = byLeaf.map((r, i) => byLeaf[i === copies[0] ? copies[1]! : i === copies[1] ? copies[0]! : i]!);
      for (const order of [held, byLeaf, [...byLeaf].reverse(), copiesSwapped]) {
        await expect(verifyLogProof(order, proof, check)).resolves.toMatchObject({ records: held.length, firstLeaf: 0, lastLeaf: held.length - 1 });
      }
      // The second copy given the first one's outcome; then a copy given twice: each is named.
      const late = held.findIndex((r) => r.id === twiceId && r.operTime !== BASE + 3 * 60_000);
      const changed = held.map((r, i) => (i === late ? { ...r, httpStatus: 200, resultCode: '0200000' } : r));
      await expect(verifyLogProof(changed, proof, check)).rejects.toThrow(new RegExp(`^record ${twiceId} \\(leaf \\d+ of VDN 2\\) was changed: it does not match its leaf$`));
      const early = held.find((r) => r.id === twiceId && r.operTime === BASE + 3 * 60_000)!;
      await expect(verifyLogProof([...held, early], proof, check)).rejects.toThrow(new RegExp(`^record ${twiceId} appears more than once in the records$`));
      // The first copy with the second one's receive time (so both copies claim one leaf): refused.
      const moved = held.map((r) => (r === early ? { ...r, operTime: BASE + 13 * 60_000 + 1 } : r));
      await expect(verifyLogProof(moved, proof, check)).rejects.toThrow(new RegExp(`^record ${twiceId} appears more than once in the records$`));
    } finally {
      await client.close();
      await server.close();
    }

    // The operator's side: `calllogs export --db … --proof` and `calllogs verify FILE`.
    const out = join(dir, 'vdn2.ndjson');
    // The window's hour: the calls above, which the server recorded as VDN 2's, are later leaves.
    const exported = await runCli(['export', '--db', db, '--vdn', '2', '--from', '2022-08-20 12:00:00', '--to', '2022-08-20 12:59:59', '--tz', 'UTC',
      '--out', out, '--proof', `${out}.proof.json`]);
    expect(exported.stderr).toBe('');
    const verify = () => runCli(['verify', out, '--log-key', join(dir, 'log-key.json')]);
    const verified = await verify();
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/^verified: 21 records, leaves 0\.\.20 of VDN 2, checkpoint size \d+\n$/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const second = lines.findIndex((l) => l.includes(twiceId) && l.includes('"ak":"ak-second"'));
    writeFileSync(out, lines.map((l, i) => (i === second ? l.replace('"durationMs":99.5', '"durationMs":3') : l)).join('\n'));
    const refused = await verify();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`verification failed: record ${twiceId} \\(leaf \\d+ of VDN 2\\) was changed: it does not match its leaf\\n$`));
  }, 60_000);
});
