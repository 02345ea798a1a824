import type { IncomingMessage } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { generate } from 'selfsigned';

/** A certificate and its key, PEM. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

let made: Promise<TestCertificate> | undefined;

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, made once
 * per test process: the stand-ins serve TLS with it, and the providers are
 * told to trust it (their `ca` option, or NODE_EXTRA_CA_CERTS for a node process).
 */
export function testCertificate(): Promise<TestCertificate> {
  made ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 7 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return made;
}

/** A stand-in's answer to one HTTP request. */
export interface StandInReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** An HTTPS/1.1 server on a free port of 127.0.0.1 that answers each request, body read, with `handle`. */
export async function listenHttps(certificate: TestCertificate, handle: (request: IncomingMessage, body: Buffer) => Promise<StandInReply>): Promise<Server> {
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (request, response) => {
    (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      return handle(request, Buffer.concat(chunks));
    })()
      .then(({ status, headers, body }) => response.writeHead(status, headers ?? {}).end(body))
      .catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Closes the server and the connections providers keep alive to it. */
export async function closeServer(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

/** A server that takes requests and never answers (HTTP/1.1, or HTTP/2 with `http2`): for providers' timeouts. */
export async function listenSilent(certificate: TestCertificate, protocol: 'https' | 'http2'): Promise<{ origin: string; close(): Promise<void> }> {
  const server =
    protocol === 'https'
      ? createServer({ key: certificate.key, cert: certificate.cert }, () => undefined)
      : createSecureServer({ key: certificate.key, cert: certificate.cert }, () => undefined);
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
