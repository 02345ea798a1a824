import { Room, Server } from '@colyseus/core';
import { uWebSocketsTransport } from '@colyseus/uwebsockets-transport';

/**
 * A node that seats every join and then says nothing: no ready message, no answer
 * to any request (a node stuck after the handshake). Run as a child process; it
 * tells its parent its port, and every connection it holds as it opens and closes.
 */
class SilentActor extends Room {
  override onJoin(): void {
    process.send?.({ open: 1 });
  }

  override onLeave(): void {
    process.send?.({ open: -1 });
  }
}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const server = new Server({ transport: new uWebSocketsTransport(), greet: false, gracefullyShutdown: false });
  server.define(process.argv[3] ?? 'session', SilentActor);
  await server.listen(port, '127.0.0.1');
  process.send?.({ listening: port });
}

void main();
