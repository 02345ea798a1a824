import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawRoomClient, encodeRoomData, reserveSeat } from '../../loadtest/client/rawRoomClient';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { SESSION_ROOM } from '../../contracts/session';
import { CLOSE_MESSAGE_TOO_BIG, TRANSPORT_READ_FACTOR } from '../../server/http/kismetTransport';
import { Packr } from 'msgpackr';
import { registerUser, waitUntil } from '../support/accounts';
import { NO_SHEDDING } from '../support/limits';

const MAX_MESSAGE_BYTES = 1024;

describe('WebSocket frame size limit', function () {
  let node: NodeHandle | undefined;
  let dataDir = '';

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
    node = await startNodeProcess({ KISMET_DATA_DIR: dataDir, MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), ...NO_SHEDDING });
  });

  after(async () => {
    await node?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A joined raw connection to a new user's session, with what it received and how it closed. */
  async function sessionConnection() {
    const user = await registerUser(node!.url);
    const seat = await reserveSeat(node!.url, SESSION_ROOM, { userId: user.userId, deviceId: 'raw' }, user.accessToken);
    const client = await RawRoomClient.connect(node!.url, seat);
    const replies: unknown[] = [];
    let closedWith: number | undefined;
    client.onMessage = (type, message) => {
      if (type === 'reply') replies.push(message);
    };
    client.onClose = (code) => (closedWith = code);
    return { client, replies, closedWith: () => closedWith };
  }

  /** A heartbeat whose ref pads the frame to exactly `bytes`. */
  function heartbeatOf(bytes: number): Buffer {
    const withRef = (n: number) => encodeRoomData('heartbeat', { ref: 'x'.repeat(n) });
    const guess = bytes - withRef(0).length;
    // The string's msgpack header grows with its length: take off what it added.
    const frame = withRef(guess - (withRef(guess).length - bytes));
    assert.equal(frame.length, bytes);
    return frame;
  }

  it('takes a frame of exactly MAX_MESSAGE_BYTES', async () => {
    const { client, replies, closedWith } = await sessionConnection();
    client.sendRaw(heartbeatOf(MAX_MESSAGE_BYTES));
    // The command's schema refuses a ref over 64 characters, with a coded error: the frame itself was read.
    client.send('heartbeat', { ref: 'after' });
    await waitUntil(() => replies.some((r) => (r as { ref?: string }).ref === 'after'), 10_000, () => 'the reply to the next command');
    assert.equal(client.open, true);
    assert.equal(closedWith(), undefined);
    client.close();
  });

  it('refuses a frame of shared references (msgpack structured clone) as undecodable, and the node goes on answering', async () => {
    // A heartbeat whose padding names one array from two places at each of 40 levels: 2^40 paths, a few hundred bytes.
    let shared: unknown = 'x';
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    const header = encodeRoomData('heartbeat', null).subarray(0, -1); // the type, without the payload's one byte (nil)
    const frame = Buffer.concat([header, new Packr({ structuredClone: true }).pack({ ref: 'shared', pad: shared })]);
    assert.ok(frame.length < MAX_MESSAGE_BYTES, `${frame.length} bytes`);
    const { client, replies, closedWith } = await sessionConnection();
    client.sendRaw(frame);
    await waitUntil(() => closedWith() !== undefined, 10_000, () => 'the close after the frame');
    assert.equal(closedWith(), 4002, 'closed as a frame that does not decode');
    assert.deepEqual(replies, []);
    // Another connection is answered at once: the node's loop was not held.
    const other = await sessionConnection();
    other.client.send('heartbeat', { ref: 'after' });
    await waitUntil(() => other.replies.some((r) => (r as { ref?: string }).ref === 'after'), 10_000, () => 'the reply on another connection');
    other.client.close();
  });

  it('closes with 1009 on a frame one byte over the limit, and on one four times over', async () => {
    for (const size of [MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES * TRANSPORT_READ_FACTOR]) {
      const { client, closedWith } = await sessionConnection();
      client.sendRaw(Buffer.concat([heartbeatOf(MAX_MESSAGE_BYTES), Buffer.alloc(size - MAX_MESSAGE_BYTES)]));
      await waitUntil(() => closedWith() !== undefined, 10_000, () => `the close after a ${size}-byte frame`);
      assert.equal(closedWith(), CLOSE_MESSAGE_TOO_BIG, `${size} bytes`);
    }
  });

  it('drops the connection (1006, no close frame) past what the transport reads, as PROTOCOL.md says', async () => {
    const { client, closedWith } = await sessionConnection();
    client.sendRaw(Buffer.alloc(MAX_MESSAGE_BYTES * TRANSPORT_READ_FACTOR + 1, 13));
    await waitUntil(() => closedWith() !== undefined, 10_000, () => 'the connection to drop');
    assert.equal(closedWith(), 1006);
    // The node goes on serving.
    assert.equal((await fetch(`${node!.url}/readyz`)).status, 200);
  });
});
