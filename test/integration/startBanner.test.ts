import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, SERVER_ENTRY } from '../../loadtest/harness/nodeProcess';
import { waitUntil } from '../support/accounts';
import { useEmbeddedNode } from '../support/backends';

/** `script` (util-linux) runs a command on a pseudo-terminal, as a person's shell would. */
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('what a node prints on starting', function () {
  describe('to a terminal', () => {
    it('prints readable logs, then the banner with the URL, the mode and the development secrets warning', async function () {
      if (!hasScript) {
        if (process.env['CI'] === 'true') assert.fail('script (util-linux) is missing');
        this.skip();
      }
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-tty-'));
      const port = await freePort();
      const env: NodeJS.ProcessEnv = { ...process.env, NATS_URL: '', KISMET_DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development', LOG_LEVEL: 'info' };
      for (const key of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'HOST', 'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET']) delete env[key];
      const child = spawn('script', ['-qfec', `exec ${process.execPath} ${SERVER_ENTRY}`, '/dev/null'], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await waitUntil(() => output.includes('presence '), 60_000, () => `the banner; got:\n${output}`);
        const plain = output.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
        assert.match(plain, /INFO: kismet node listening/, 'pino-pretty lines');
        assert.doesNotMatch(plain, /^\{"level"/m, 'no JSON lines');
        assert.ok(plain.indexOf('kismet node listening') < plain.indexOf('Kismet is running'), 'the banner comes after the log line');
        assert.match(plain, new RegExp(`Kismet is running at http://127\\.0\\.0\\.1:${port}\\n`));
        assert.match(plain, new RegExp(`web app\\s+http://127\\.0\\.0\\.1:${port}/app/`));
        assert.match(plain, /database\s+embedded/);
        assert.match(plain, /presence\s+local/);
        assert.match(plain, /Warning: development secrets are in use/);
      } finally {
        if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
        await exited;
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('to anything else (a pipe)', () => {
    const suite = useEmbeddedNode({ LOG_LEVEL: 'info' });
    it('prints JSON lines and no banner', async () => {
      await waitUntil(() => suite.node.output().includes('kismet node listening'), 10_000, () => suite.node.output());
      const lines = suite.node.output().split('\n').filter((line) => line.trim().length > 0 && line.startsWith('{'));
      assert.ok(lines.some((line) => (JSON.parse(line) as { msg?: string }).msg === 'kismet node listening'), suite.node.output());
      assert.doesNotMatch(suite.node.output(), /Kismet is running/);
    });
  });
});
