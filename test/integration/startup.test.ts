import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePortCandidate, startNodeProcess } from '../../loadtest/harness/nodeProcess';
import { PORT_UNAVAILABLE } from '../../server/startupFailures';

describe('node start-up', () => {
  describe('on a port another process holds', () => {
    it('fails to start, naming the port, instead of reporting ready', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
      const blocker = net.createServer();
      const port = freePortCandidate();
      await new Promise<void>((resolve) => blocker.listen(port, resolve));
      try {
        await assert.rejects(startNodeProcess({ KISMET_DATA_DIR: dataDir, PORT: String(port) }), (error: Error) => {
          assert.match(error.message, new RegExp(`${PORT_UNAVAILABLE}: could not listen on .*:${port}`));
          return true;
        });
      } finally {
        blocker.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
