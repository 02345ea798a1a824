import type { Client } from '@colyseus/core';

const keyOf = (senderId: string, clientMessageId: string) => `${senderId}\u0000${clientMessageId}`;

/**
 * Which connection sent each message still being stored: the broadcast of a
 * stored message skips it, since its sender gets the reply instead.
 */
export class MessageOrigins {
  private readonly origins = new Map<string, Client>();

  /** Runs a write with its sender's connection on record until it settles. */
  async during<T>(senderId: string, clientMessageId: string, client: Client, write: () => Promise<T>): Promise<T> {
    const key = keyOf(senderId, clientMessageId);
    this.origins.set(key, client);
    try {
      return await write();
    } finally {
      if (this.origins.get(key) === client) this.origins.delete(key);
    }
  }

  of(message: { readonly senderId: string; readonly clientMessageId: string }): Client | undefined {
    return this.origins.get(keyOf(message.senderId, message.clientMessageId));
  }
}
