import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { request } from 'undici';
import { expect, it } from 'vitest';
import { formatVerifierKey, signedNote } from '../../src/integrity/checkpoint.js';
import { newLogKey, readLogKey, writeLogKey } from '../../src/integrity/key-file.js';
import { generateSigningKey, signMessage, type LogSigningKey } from '../../src/integrity/node-crypto.js';
import { Sealer } from '../../src/server/sealer.js';
import { openStore } from '../../src/store/open.js';
import { runCli, startServe } from '../helpers/cli.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';
import { sealEverything } from '../helpers/sealing.js';

const key = { ak: 'ak-verify', sk: 'sk-verify-secret' };

/** 400 calls of VDN 2 over 20 minutes of 2022-08-20, as NDJSON for `calllogs import`. */
const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({
  vdnId: 2, operTime: new Date(Date.UTC(2022, 7, 20, 10) + i * 3000).toISOString(), url: '/rest/isales/v1/openapi/campaigns/2',
  request: `{"vdnId":2,"page":${i}}`, resultCode: i % 7 ? '0200000' : '0200500', resultDesc: '', httpStatus: i % 7 ? 200 : 500, type: 'GET',
  ak: 'ak-crm', clientIp: '10.1.2.3', durationMs: i / 8,
})).join('\n');

/** A key as checkpoint messages name it: name+key id. */
const publicKeyOf = (key: LogSigningKey) => `${key.note.name}+${Buffer.from(key.note.id).toString('hex')}`;

async function checkpointSize(endpoint: string, vdnId: number): Promise<number> {
  const answer = (await (await request(`${endpoint}/checkpoints/latest`)).body.json()) as { checkpoints: { vdnId: number; size: number }[] };
  return answer.checkpoints.find((c) => c.vdnId === vdnId)?.size ?? 0;
}

it('calllogs export --proof from a server and calllogs verify FILE: offline, named failures, --since', async () => {
  const dir = tempDir();
  const db = join(dir, 'calllogs.db');
  expect((await runCli(['keys', 'create', '--vdn', '2', '--ak', key.ak, '--sk', key.sk, '--db', db])).code).toBe(0);
  expect((await runCli(['import', '-', '--db', db], { input: lines })).code).toBe(0);
  const server = await startServe(['--db', db, '--tz', 'UTC', '--checkpoint-interval', '1s']);
  try {
    // Imported records are sealed like any other once the service runs.
    await expect.poll(() => checkpointSize(server.endpoint, 2), { timeout: 10_000, message: 'the imported records get a checkpoint' }).toBe(400);
    const saved = join(dir, 'saved.json');
    const latest = await (await request(`${server.endpoint}/checkpoints/latest`)).body.text();
    writeFileSync(saved, latest);
    // Every new checkpoint is also one JSON log line, for shipping to another trust domain. The
    // sealer's thread stores it before its line crosses to the server's logger, so the line may
    // follow the answer by a moment.
    const logged = () => server.output().stdout.split('\n').filter((l) => l.includes('"msg":"checkpoint"')).map((l) => JSON.parse(l).checkpoint as string);
    const served = (JSON.parse(latest) as { checkpoints: { checkpoint: string }[] }).checkpoints[0]!.checkpoint;
    await expect.poll(logged, { timeout: 5_000, message: 'the served checkpoint is logged' }).toContain(served);
    const publicKey = (await runCli(['log-key', '--db', db])).stdout.trim();
    expect(publicKey).toMatch(/^calllogs-[0-9a-f]{6}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);

    const remote = ['--endpoint', server.endpoint, '--ak', key.ak, '--sk', key.sk, '--server-tz', 'UTC'];
    const out = join(dir, 'window.ndjson');
    const exported = await runCli(['export', '--vdn', '2', '--from', '2022-08-20 10:00:00', '--to', '2022-08-20 10:09:59', '--out', out,
      '--proof', `${out}.proof.json`, '--since', saved, ...remote]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const verify = (...extra: string[]) => runCli(['verify', out, '--public-key', publicKey, ...extra]);
    expect(await verify('--since', saved)).toMatchObject({ code: 0, stdout: 'verified: 200 records, leaves 0..199 of VDN 2, checkpoint size 400\n' });
    // A checkpoint saved when the log was larger (signed with the service's own key): the export
    // names the truncation rather than the server's refusal of its size.
    const own = readLogKey(join(dir, 'log-signing-key.json'), undefined, () => undefined);
    const larger = `${own.note.name}/vdn/2\n500\n${Buffer.alloc(32, 7).toString('base64')}\n`;
    writeFileSync(join(dir, 'larger.txt'), signedNote(larger, own.note, signMessage(own, new TextEncoder().encode(larger))));
    expect(await runCli(['export', '--vdn', '2', '--from', '2022-08-20 10:00:00', '--to', '2022-08-20 10:09:59', '--out', join(dir, 'x.ndjson'),
      '--proof', join(dir, 'x.proof.json'), '--since', join(dir, 'larger.txt'), ...remote])).toMatchObject({
      code: 1, stderr: 'calllogs: error: VDN 2: the log is smaller than the checkpoint saved earlier (size 500): its history was rewritten or truncated\n',
    });

    const records = readFileSync(out, 'utf8').trim().split('\n');
    writeFileSync(out, records.map((l, i) => (i === 3 ? l.replace('"httpStatus":200', '"httpStatus":201').replace('"httpStatus":500', '"httpStatus":501') : l)).join('\n'));
    const changed = await verify();
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(new RegExp(`^calllogs: error: verification failed: record ${JSON.parse(records[3]!).id} \\(leaf \\d+ of VDN 2\\) was changed: it does not match its leaf\\n$`));
    writeFileSync(out, records.filter((_, i) => i !== 10).join('\n'));
    expect((await verify()).stderr).toMatch(new RegExp(`record ${JSON.parse(records[10]!).id} \\(leaf \\d+ of VDN 2\\), received \\S+, is missing from the records`));
    // A record given twice, one copy changed: refused, whichever copy the file holds first.
    const copy = records[7]!.replace('"httpStatus":200', '"httpStatus":201').replace('"httpStatus":500', '"httpStatus":501');
    for (const twice of [[copy, ...records], [...records, copy]]) {
      writeFileSync(out, twice.join('\n'));
      const refused = await verify();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`record ${JSON.parse(records[7]!).id} appears more than once in the records`));
    }

    const otherKey = (await runCli(['log-key', '--db', join(tempDir(), 'other.db')])).code;
    expect(otherKey).toBe(1); // no key beside another store: nothing printed to pin by mistake
  } finally {
    expect(await server.stop()).toBe(0);
  }

  // The operator's side, from the store itself: one proof for any range.
  const all = join(dir, 'all.ndjson');
  expect((await runCli(['export', '--db', db, '--vdn', '2', '--out', all, '--proof', `${all}.proof.json`])).code).toBe(0);
  const whole = await runCli(['verify', all, '--log-key', join(dir, 'log-signing-key.json')]);
  expect(whole.stderr).toBe('');
  expect(whole.stdout).toMatch(/^verified: 4\d\d records, leaves 0\.\.4\d\d of VDN 2, checkpoint size 4\d\d\n$/);
  // Another instance's key file, pinned by default: the failure names the key that signed and says
  // where the pinned one came from; a key given with --public-key gets no such hint.
  const signer = publicKeyOf(readLogKey(join(dir, 'log-signing-key.json'), undefined, () => undefined));
  const otherFile = join(tempDir(), 'log-signing-key.json');
  const other = newLogKey();
  writeLogKey(otherFile, other, undefined, () => undefined);
  const byDefault = await runCli(['verify', all, '--log-key', otherFile]);
  expect(byDefault.code).toBe(1);
  expect(byDefault.stderr).toBe(`calllogs: error: verification failed: VDN 2: checkpoint: not signed by the pinned key ${publicKeyOf(other)}; it is signed by ${signer}`
    + ` (the key pinned is this machine's, read from ${otherFile} as no --public-key was given: pass --public-key with what \`calllogs log-key\` prints where the service that signed runs)\n`);
  const given = await runCli(['verify', '--db', db, '--public-key', formatVerifierKey(other.note)]);
  expect(given.stderr).toBe(`calllogs: error: verification failed: VDN 2: checkpoint: not signed by the pinned key ${publicKeyOf(other)}; it is signed by ${signer}\n`);
  // The records written from the store carry every field: the proof repeats none of them.
  const proofFile = JSON.parse(readFileSync(`${all}.proof.json`, 'utf8'));
  expect(proofFile.windows[0].proof.extraFields).toBeNull();
  writeFileSync(`${all}.proof.json`, JSON.stringify({ ...proofFile, format: 'calllogs-proof-v1' }));
  expect((await runCli(['verify', all, '--log-key', join(dir, 'log-signing-key.json')])).stderr)
    .toMatch(/proof file .*all\.ndjson\.proof\.json: written by an older calllogs \(calllogs-proof-v1\): export it again/);
}, 60_000);

it('calllogs export --proof refuses what would make a proof of less than the window', async () => {
  const db = join(tempDir(), 'x.db');
  const cases: [string[], RegExp][] = [
    [['--db', db, '--proof', 'p.json', '--out', 'x.ndjson'], /--proof: needs --vdn/],
    [['--db', db, '--vdn', '2', '--proof', 'p.json'], /--proof: needs --out/],
    [['--db', db, '--vdn', '2', '--proof', 'p.json', '--out', 'x.csv', '--format', 'csv'], /--proof: needs --format ndjson/],
    [['--db', db, '--vdn', '2', '--proof', 'p.json', '--out', 'x.ndjson', '--outcome', 'failure'], /--proof: filters would leave records of the window out/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(['export', ...args]);
    expect(result.code, args.join(' ')).toBe(1);
    expect(result.stderr).toMatch(message);
  }
});

it('calllogs verify reads a large export on several threads: file order, right line numbers, a change found in any part', async () => {
  const dir = tempDir();
  const db = join(dir, 'big.db');
  const key = generateSigningKey('calllogs-test');
  const store = await openStore(db);
  try {
    // ~600 bytes a line: 16,000 records make a file of several threads' share (4 MiB each).
    const start = Date.UTC(2022, 7, 20);
    const records = Array.from({ length: 16_000 }, (_, i) => makeRecord({ vdnId: 2, operTime: start + i * 10, request: `{"page":${i},"pad":"${'x'.repeat(400)}"}` }));
    for (let i = 0; i < records.length; i += 2000) await store.insertBatch(records.slice(i, i + 2000));
    await store.integrity.registerKey(formatVerifierKey(key.note));
    const sealer = new Sealer(store.integrity, { key, sealIntervalMs: 1000, checkpointIntervalMs: 10_000, log: pino({ level: 'silent' }) });
    await sealEverything(store, () => sealer.run(true));
  } finally {
    await store.close();
  }
  const out = join(dir, 'all.ndjson');
  expect((await runCli(['export', '--db', db, '--vdn', '2', '--out', out, '--proof', `${out}.proof.json`])).code).toBe(0);
  expect(statSync(out).size).toBeGreaterThan(8 * 2 ** 20);
  const verify = () => runCli(['verify', out, '--public-key', formatVerifierKey(key.note)]);
  expect(await verify()).toMatchObject({ code: 0, stdout: 'verified: 16000 records, leaves 0..15999 of VDN 2, checkpoint size 16000\n' });

  const lines = readFileSync(out, 'utf8').split('\n');
  const late = 15_000;
  const changed = [...lines];
  changed[late] = changed[late]!.replace('xxxx', 'xxxy');
  writeFileSync(out, changed.join('\n'));
  expect((await verify()).stderr).toMatch(new RegExp(`record ${JSON.parse(lines[late]!).id} \\(leaf ${late} of VDN 2\\) was changed`));
  const broken = [...lines];
  broken[late] = '{"id": ';
  writeFileSync(out, broken.join('\n'));
  expect((await verify()).stderr).toMatch(new RegExp(`^calllogs: error: ${out.replace(/[/.]/g, '\\$&')}: line ${late + 1}: .*JSON`));
}, 60_000);
