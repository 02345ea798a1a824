import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { listenOverflows } from '../../loadtest/harness/machine';

describe('listen overflows of a benchmark', () => {
  it('counts the connections the kernel dropped at a full accept queue', async function () {
    if (process.platform !== 'linux') return this.skip(); // no /proc/net/netstat: the report leaves the figure out
    const before = listenOverflows();
    assert.ok(before !== undefined && before >= 0, 'ListenOverflows read from /proc/net/netstat');
    // A listener with the smallest queue whose process never turns to accept: it prints its port, then blocks.
    const child = spawn(process.execPath, ['-e', `
      const server = require('node:net').createServer();
      server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
        process.stdout.write(server.address().port + '\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
      });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sockets: net.Socket[] = [];
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        child.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
      });
      for (let i = 0; i < 16; i++) sockets.push(net.connect(port, '127.0.0.1').on('error', () => {}));
      // The queue holds two; the kernel drops the rest of the handshakes, and the clients' retries again.
      for (let waited = 0; (listenOverflows() ?? before) <= before; waited += 50) {
        if (waited > 20_000) assert.fail(`no overflow counted (${before} before, ${listenOverflows()} now)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(listenOverflows()! > before);
    } finally {
      for (const socket of sockets) socket.destroy();
      child.kill('SIGKILL');
    }
  });
});
