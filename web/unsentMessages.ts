import type { SendResult } from '../client/index';
import { h, toast } from './dom';

/**
 * The person's messages on their way: each shows as "sending" until stored, or as "not sent"
 * with a resend once the client gave up on it. A resend goes with the message's own client
 * message id, so a message the node stored after all (its answer lost with the connection)
 * is answered with its first seq and stored once, however often it is resent.
 */
export class UnsentMessages {
  /** The bubble of each message not known to be stored, by client message id. */
  private readonly bubbles = new Map<string, HTMLElement>();

  constructor(
    private readonly list: HTMLElement,
    private readonly sendText: (body: string, clientMessageId: string) => Promise<SendResult>,
    /** The node stored the message. */
    private readonly stored: (sent: SendResult, clientMessageId: string, body: string) => void,
  ) {}

  /** Sends a new message. */
  send(body: string): void {
    void this.attempt(globalThis.crypto.randomUUID(), body);
  }

  /** One of the person's messages reached the thread (its answer, or read back after a rejoin): it is sent. */
  arrived(clientMessageId: string): void {
    this.bubbles.get(clientMessageId)?.remove();
    this.bubbles.delete(clientMessageId);
  }

  private async attempt(clientMessageId: string, body: string): Promise<void> {
    const bubble = h('div.bubble.mine.unsent', { dataset: { test: 'message', state: 'sending' } },
      h('span.text', {}, body), h('span.meta', {}, 'Sending…'));
    const before = this.bubbles.get(clientMessageId);
    if (before) before.replaceWith(bubble);
    else this.list.appendChild(bubble);
    this.bubbles.set(clientMessageId, bubble);
    this.list.scrollTop = this.list.scrollHeight;
    try {
      this.stored(await this.sendText(body, clientMessageId), clientMessageId, body);
    } catch (error) {
      // Read back as stored meanwhile (after a rejoin): nothing failed. A chat no longer shown says nothing.
      if (this.bubbles.get(clientMessageId) !== bubble || !bubble.isConnected) return;
      bubble.dataset['state'] = 'failed';
      bubble.lastElementChild!.replaceWith(h('span.meta', {}, 'Not sent',
        h('button.resend', { dataset: { test: 'resend' }, onclick: () => void this.attempt(clientMessageId, body) }, 'Resend')));
      toast(error instanceof Error ? error.message : String(error), 'error');
    }
  }
}
