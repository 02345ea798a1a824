import uWS from 'uWebSockets.js';
import { assertNativeUws } from '../server/nativeUws';

/**
 * A bare uWebSockets.js echo server: the ceiling a Kismet node is measured against.
 * It sends back every frame as it came, nothing more.
 */
assertNativeUws();
const port = Number(process.env['PORT'] ?? 9001);
uWS
  .App()
  .ws('/*', {
    maxPayloadLength: 64 * 1024,
    idleTimeout: 60,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary);
    },
  })
  .listen('127.0.0.1', port, (socket) => {
    if (!socket) {
      process.stderr.write(`echo server: port ${port} is taken\n`);
      process.exit(1);
    }
    process.send?.('ready');
  });
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
