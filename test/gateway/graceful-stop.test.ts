import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { expect, it } from 'vitest';
import { signRequest } from '../../src/auth/sign-request.js';
import { runCli, startServe } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const key = { ak: 'ak-stop', sk: 'sk-stop-secret' };

/** An upstream (a process of its own) that answers each call half a second late. */
async function slowUpstream(): Promise<{ url: string; stop: () => void }> {
  const code = `
    const server = require('node:http').createServer((req, res) => {
      req.resume();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"resultCode":"0200000","resultDesc":"ok"}'), 500);
    });
    server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: /listening on (\S+)/.exec(line.toString())![1]!, stop: () => child.kill('SIGKILL') };
}

it('stops at once after the calls in flight are answered, though their keep-alive connections stay open, and keeps their records', async () => {
  const db = join(tempDir(), 'stop.db');
  expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', db])).code).toBe(0);
  const upstream = await slowUpstream();
  const gw = await startServe(['--db', db, '--upstream', upstream.url]);
  const agent = new Agent({ connections: 4 });
  try {
    const url = `${gw.endpoint}/rest/isales/v1/openapi/campaigns/2?status=0`;
    const call = async () => {
      const answer = await request(url, { headers: signRequest({ ...key, method: 'GET', url }), dispatcher: agent });
      await answer.body.dump();
      return answer.statusCode;
    };
    // Four calls on four keep-alive connections, each still with the upstream when the stop comes.
    const calls = Array.from({ length: 4 }, call);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const asked = Date.now();
    const stopped = gw.stop();
    expect(await Promise.all(calls)).toEqual([200, 200, 200, 200]);
    // The connections are idle now but open on the client's side: the stop must not wait for them
    // (it did, for the 72-second keep-alive timeout).
    expect(await stopped).toBe(0);
    expect(Date.now() - asked).toBeLessThan(20_000);
    const exported = await runCli(['export', '--db', db]);
    expect(exported.stdout.trim().split('\n')).toHaveLength(4);
  } finally {
    await agent.close();
    await gw.stop();
    upstream.stop();
  }
}, 60_000);
