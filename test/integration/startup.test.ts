import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePortCandidate, startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { PORT_UNAVAILABLE } from '../../server/startupFailures';
import { postJson, registerUser, TEST_PASSWORD } from '../support/accounts';

/** A fresh folder for an embedded node's data, removed after the test. */
function scratchDataDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe('node start-up', () => {
  describe('on a port another process holds', () => {
    it('fails to start, naming the port, instead of reporting ready', async () => {
      const data = scratchDataDir();
      const blocker = net.createServer();
      const port = freePortCandidate();
      await new Promise<void>((resolve) => blocker.listen(port, resolve));
      try {
        await assert.rejects(startNodeProcess({ KISMET_DATA_DIR: data.dir, PORT: String(port) }), (error: Error) => {
          assert.match(error.message, new RegExp(`${PORT_UNAVAILABLE}: could not listen on .*:${port}`));
          return true;
        });
      } finally {
        blocker.close();
        data.remove();
      }
    });
  });

  describe('on the port of a running Kismet node', () => {
    it('refuses with PORT_UNAVAILABLE and a non-zero exit, and the first node alone goes on serving', async () => {
      const [first, second] = [scratchDataDir(), scratchDataDir()];
      let running: NodeHandle | undefined;
      try {
        running = await startNodeProcess({ KISMET_DATA_DIR: first.dir });
        const user = await registerUser(running.url);
        await assert.rejects(startNodeProcess({ KISMET_DATA_DIR: second.dir, PORT: String(running.port) }), (error: Error) => {
          assert.match(error.message, new RegExp(`${PORT_UNAVAILABLE}: could not listen on .*:${running!.port}`));
          assert.match(error.message, /exited with [1-9]/);
          return true;
        });
        // Every login lands on the first node, which knows the account (the second one never did).
        for (let i = 0; i < 5; i++) assert.equal((await postJson(running.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
        assert.equal((await fetch(`${running.url}/readyz`)).status, 200);
      } finally {
        await running?.stop();
        first.remove();
        second.remove();
      }
    });
  });
});
