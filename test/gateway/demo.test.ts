import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const DEMO = fileURLToPath(new URL('../../demo/run.mjs', import.meta.url));

it('npm run demo: a simulated vendor, the gateway and signed traffic, with commands that show the records', async () => {
  const child = spawn(process.execPath, [DEMO, '--port', '0', '--dir', tempDir(), '--calls', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ctrl-C')) resolve();
    });
    child.on('exit', () => reject(new Error(`demo exited early: ${out}`)));
  });
  try {
    expect(out).toMatch(/SIMULATED/);
    expect(out).toMatch(/Sent 30 signed calls through the gateway: .*HTTP 200/);
    // Run the printed query exactly as a newcomer would (minus the shell quoting).
    const line = out.split('\n').find((l) => l.includes(' query ') && !l.includes('--url'))!.trim();
    const args = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(2);
    const query = await runCli(args);
    expect(query.code).toBe(0);
    expect(query.stdout).toContain('/rest/isales/v1/openapi/campaigns/2');
    expect(query.stdout).toMatch(/0200000/);
  } finally {
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }
}, 60_000);
