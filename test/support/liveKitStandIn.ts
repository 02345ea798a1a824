import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenVerifier } from 'livekit-server-sdk';

/** One room service request the stand-in accepted. */
export interface RoomServiceCall {
  readonly method: string;
  readonly body: Record<string, unknown>;
}

/**
 * A LiveKit server's room service as the SDK's client speaks to it (Twirp, JSON over
 * HTTP), for tests: it checks each request's token against the configured key and the
 * grants the method needs, records what it accepted, and answers as LiveKit would.
 * Every participant publishes the tracks `tracksOf` names.
 */
export class LiveKitStandIn {
  readonly calls: RoomServiceCall[] = [];
  /** Requests refused: a bad signature, or a grant missing for the method or room. */
  refused = 0;
  private server: Server | undefined;
  private readonly verifier: TokenVerifier;

  constructor(
    apiKey: string,
    apiSecret: string,
    private readonly tracksOf: (identity: string) => readonly string[] = () => ['TR_audio', 'TR_video'],
  ) {
    this.verifier = new TokenVerifier(apiKey, apiSecret);
  }

  async listen(port: number): Promise<string> {
    this.server = createServer((request, response) => {
      this.answer(request)
        .then(({ status, body }) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
        .catch((error: unknown) => response.writeHead(500).end(String(error)));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  callsOf(method: string): RoomServiceCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  private async answer(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const method = /^\/twirp\/livekit\.RoomService\/(\w+)$/.exec(request.url ?? '')?.[1];
    if (request.method !== 'POST' || !method) return { status: 404, body: { code: 'bad_route', msg: `${request.method} ${request.url}` } };
    const grants = await this.verifier.verify((request.headers.authorization ?? '').replace(/^Bearer /, '')).catch(() => undefined);
    const allowed = method === 'DeleteRoom' || method === 'CreateRoom' ? grants?.video?.roomCreate === true : grants?.video?.roomAdmin === true && grants.video.room === body['room'];
    if (!allowed) {
      this.refused++;
      return { status: 401, body: { code: 'unauthenticated', msg: 'permissions denied' } };
    }
    this.calls.push({ method, body });
    const identity = String(body['identity'] ?? '');
    switch (method) {
      case 'CreateRoom':
        return { status: 200, body: { sid: `RM_${String(body['name'])}`, name: body['name'], emptyTimeout: body['emptyTimeout'], departureTimeout: body['departureTimeout'] } };
      case 'GetParticipant':
        return { status: 200, body: { sid: `PA_${identity}`, identity, tracks: this.tracksOf(identity).map((sid) => ({ sid, type: 'AUDIO' })) } };
      case 'MutePublishedTrack':
        return { status: 200, body: { track: { sid: body['trackSid'], muted: true } } };
      case 'UpdateParticipant':
        return { status: 200, body: { sid: `PA_${identity}`, identity, permission: body['permission'] } };
      default:
        return { status: 200, body: {} };
    }
  }
}
