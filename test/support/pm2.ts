import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PM2_BIN = require.resolve('pm2/bin/pm2');
/** The repository root, where ecosystem.config.js is and `dist/` was built. */
const ROOT = path.resolve(__dirname, '../../..');

/** PM2 with a daemon of its own (its own PM2_HOME), run on the project's ecosystem file. */
export class Pm2 {
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-pm2-'));

  constructor(private readonly env: Readonly<Record<string, string>>) {}

  /** Runs `pm2 <args>` and resolves with what it printed; rejects if it fails. */
  run(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [PM2_BIN, ...args], {
        cwd: ROOT,
        // A suite's nodes publish domain events only to a stream of the suite's own (empty is unset).
        env: { ...process.env, NATS_URL: '', ...this.env, PM2_HOME: this.home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`pm2 ${args.join(' ')} exited with ${code}:\n${output}`))));
    });
  }

  /** Stops every process and the daemon, and forgets the home folder. */
  async destroy(): Promise<void> {
    await this.run('kill').catch(() => undefined);
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
