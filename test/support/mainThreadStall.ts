import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { waitUntil } from './accounts';

/** The flag that lets a node's inspector in: a test holds that node's main thread through it. */
export const INSPECTABLE = ['--inspect=127.0.0.1:0'];

/**
 * A node's main thread held busy, through the node's inspector, until the test lets it go:
 * what a long collector pause or a burst of work does to a node, on its main thread
 * alone (its other threads run on). The node must have been started with INSPECTABLE.
 */
export class MainThreadStall {
  private constructor(
    private readonly socket: WebSocket,
    private readonly releaseFile: string,
    private readonly finished: Promise<void>,
    /** When the main thread began spinning. */
    readonly startedAt: number,
  ) {}

  static async begin(node: NodeHandle): Promise<MainThreadStall> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(node.output())?.[1];
    if (!url) throw new Error(`the node was not started with its inspector:\n${node.output()}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-stall-'));
    const startedFile = path.join(dir, 'started');
    const releaseFile = path.join(dir, 'release');
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
    // Spins on the node's main thread until the release file exists.
    const expression = `(() => {
      const fs = process.mainModule.require('node:fs');
      fs.writeFileSync(${JSON.stringify(startedFile)}, '');
      while (!fs.existsSync(${JSON.stringify(releaseFile)})) {}
      return 'released';
    })()`;
    const finished = new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const answer = JSON.parse(String(data)) as { id?: number; result?: { result?: { value?: unknown } }; error?: unknown };
        if (answer.id !== 1) return;
        if (answer.result?.result?.value === 'released') resolve();
        else reject(new Error(`the stall did not run: ${JSON.stringify(answer)}`));
      });
      socket.once('close', () => reject(new Error('the inspector closed before the stall ended')));
    });
    finished.catch(() => undefined); // awaited in release()
    socket.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression } }));
    await waitUntil(() => fs.existsSync(startedFile), 30_000, () => 'the main thread to start spinning');
    return new MainThreadStall(socket, releaseFile, finished, fs.statSync(startedFile).mtimeMs);
  }

  /** Gives up on a stall that never ends (the node was ended during it): closes the inspector and removes the files. */
  abandon(): void {
    this.socket.close();
    fs.rmSync(path.dirname(this.releaseFile), { recursive: true, force: true });
  }

  /** Lets the main thread go; resolves once it has returned to its event loop. */
  async release(): Promise<void> {
    fs.writeFileSync(this.releaseFile, '');
    try {
      await this.finished;
    } finally {
      this.socket.close();
      fs.rmSync(path.dirname(this.releaseFile), { recursive: true, force: true });
    }
  }
}
