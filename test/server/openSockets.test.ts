import assert from 'node:assert/strict';
import { spliceOne } from '@colyseus/core';
import WebSocket from 'ws';
import { freePort } from '../../loadtest/harness/nodeProcess';
import { KismetTransport } from '../../server/http/kismetTransport';
import { OpenSockets } from '../../server/http/openSockets';
import { waitUntil } from '../support/accounts';

describe('open sockets, kept as a set', () => {
  it("takes a socket out through the stock close handler's own calls, moving no other", () => {
    const list = new OpenSockets<string>();
    for (const socket of ['a', 'b', 'c']) list.push(socket);
    // What the stock transport runs on every close.
    const shifted = spliceOne(list as unknown as string[], list.indexOf('b'));
    assert.equal(shifted, false, 'spliceOne found nothing to shift');
    assert.deepEqual(
      ['a', 'b', 'c'].map((s) => list.has(s)),
      [true, false, true],
    );
    assert.equal(list.length, 2);
  });

  it('holds each real socket while it is open and none once closed', async () => {
    const transport = new KismetTransport({ maxPayloadLength: 1024 }, { monitorOrigins: [], corsOrigins: [], onError: () => {} });
    const port = await freePort();
    await new Promise<void>((resolve) => transport.listen(port, '127.0.0.1', undefined, resolve));
    try {
      assert.ok(transport.openSockets instanceof OpenSockets, 'the transport keeps its sockets in a set');
      const keptOnOpen: number[] = [];
      const sockets = await Promise.all(
        Array.from(
          { length: 30 },
          () =>
            new Promise<WebSocket>((resolve, reject) => {
              const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
              ws.once('open', () => {
                keptOnOpen.push(transport.openSockets.length);
                resolve(ws);
              });
              ws.once('error', reject);
            }),
        ),
      );
      // A socket that names no room is closed by the node after a second, unless its client closed it first.
      assert.ok(keptOnOpen.some((count) => count > 0), `kept when each opened: ${keptOnOpen.join(', ')}`);
      assert.ok(transport.openSockets.length <= 30);
      for (const ws of sockets) ws.close();
      await waitUntil(() => transport.openSockets.length === 0, 10_000, () => `${transport.openSockets.length} sockets still kept`);
    } finally {
      transport.shutdown();
    }
  });
});
