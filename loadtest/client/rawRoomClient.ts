import { decode, encode, type Iterator } from '@colyseus/schema';
import { Packr, unpack } from 'msgpackr';
import WebSocket from 'ws';
import { postJson } from './postJson';

// Colyseus wire bytes (see @colyseus/shared-types Protocol).
const JOIN_ROOM = 10;
const ERROR = 11;
const LEAVE_ROOM = 12;
const ROOM_DATA = 13;

const packr = new Packr({ useRecords: false });
const header = Buffer.allocUnsafe(256);

/** A ROOM_DATA frame, byte for byte what @colyseus/sdk sends for `room.send(type, payload)`. */
export function encodeRoomData(type: string, payload: unknown): Buffer {
  const it: Iterator = { offset: 1 };
  header[0] = ROOM_DATA;
  encode.string(header, type, it);
  return Buffer.concat([header.subarray(0, it.offset), packr.pack(payload)]);
}

/** The type and payload of a ROOM_DATA frame, or undefined for any other frame. */
export function decodeRoomData(data: Buffer): { type: string | number; message: unknown } | undefined {
  if (data[0] !== ROOM_DATA) return undefined;
  const it: Iterator = { offset: 1 };
  const type = decode.stringCheck(data, it) ? decode.string(data, it) : decode.number(data, it);
  const message = data.byteLength > it.offset ? unpack(data.subarray(it.offset)) : undefined;
  return { type, message };
}

export interface SeatReservation {
  readonly name: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly processId: string;
  readonly publicAddress?: string;
}

export class MatchmakeRefused extends Error {
  constructor(readonly status: number, readonly code: string | undefined, message: string) {
    super(message);
  }
}

/** Asks any node for a seat in an actor, as the SDK does. */
export async function reserveSeat(baseUrl: string, room: string, options: object, accessToken: string): Promise<SeatReservation> {
  const answer = await postJson(`${baseUrl}/matchmake/joinOrCreate/${room}`, options, { authorization: `Bearer ${accessToken}` });
  const body = answer.body as SeatReservation & { code?: string; message?: string };
  if (answer.status < 200 || answer.status >= 300) throw new MatchmakeRefused(answer.status, body?.code, body?.message ?? `matchmake ${answer.status}`);
  return body;
}

/**
 * One room connection over the raw Colyseus protocol: a WebSocket, msgpack payloads,
 * no state sync. A few KB per connection, so one process can hold tens of thousands.
 */
export class RawRoomClient {
  onMessage: (type: string | number, message: unknown) => void = () => {};
  onClose: (code: number) => void = () => {};

  private constructor(private readonly ws: WebSocket) {}

  /** Connects with a reservation and resolves once the room has accepted the join. */
  static connect(baseUrl: string, seat: SeatReservation, timeoutMs = 15_000): Promise<RawRoomClient> {
    const host = seat.publicAddress ?? new URL(baseUrl).host;
    const ws = new WebSocket(`ws://${host}/${seat.processId}/${seat.roomId}?sessionId=${encodeURIComponent(seat.sessionId)}`, {
      perMessageDeflate: false,
    });
    ws.binaryType = 'nodebuffer';
    const client = new RawRoomClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('join timed out'));
      }, timeoutMs);
      let joined = false;
      ws.on('message', (data: Buffer) => {
        const code = data[0];
        if (code === JOIN_ROOM && !joined) {
          joined = true;
          ws.send(Buffer.from([JOIN_ROOM]));
          clearTimeout(timer);
          resolve(client);
        } else if (code === ROOM_DATA) {
          const frame = decodeRoomData(data)!;
          client.onMessage(frame.type, frame.message);
        } else if (code === ERROR && !joined) {
          clearTimeout(timer);
          reject(new Error('room refused the join'));
        }
      });
      ws.on('error', (error) => {
        if (!joined) {
          clearTimeout(timer);
          reject(error);
        }
      });
      ws.on('close', (code) => {
        if (!joined) {
          clearTimeout(timer);
          reject(new Error(`closed before joining (${code})`));
        }
        client.onClose(code);
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(type: string, payload: unknown): void {
    this.ws.send(encodeRoomData(type, payload));
  }

  /** Sends bytes as they are: for fuzzing and baselines. */
  sendRaw(bytes: Buffer): void {
    this.ws.send(bytes);
  }

  close(): void {
    this.ws.close();
  }

  /** Stops reading the socket (a client on a stalled network): what the server sends piles up. */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  /** Asks the room to let this client go (the protocol's leave) and resolves when the server has closed the connection. */
  leave(): Promise<number> {
    return new Promise((resolve) => {
      this.ws.once('close', (code: number) => resolve(code));
      this.ws.send(Buffer.from([LEAVE_ROOM]));
    });
  }
}
