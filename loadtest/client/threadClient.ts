import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { CHAT_ROOM, ChatEventType, type ChatMessage, type SendResult, type ThreadReadyMessage } from '../../contracts/chat';
import { ActorClient } from './actorClient';

export { Disconnected } from './actorClient';

/**
 * One member's connection to a thread over the raw protocol, for load and
 * cluster tests: commands answered by ref, deliveries collected or handed on.
 */
export class ThreadClient extends ActorClient<ThreadReadyMessage> {
  /** Messages other members sent while this connection was open, in arrival order (unless `onDelivered` takes them). */
  readonly delivered: ChatMessage[] = [];
  onDelivered: ((message: ChatMessage) => void) | undefined;

  /** Asks `nodeUrl` for a seat in the thread and connects to whichever node holds it. */
  static async join(nodeUrl: string, user: { readonly accessToken: string }, matchId: string): Promise<ThreadClient> {
    const { raw, ready } = await ActorClient.connect<ThreadReadyMessage>(nodeUrl, user.accessToken, CHAT_ROOM, { matchId }, ChatEventType.READY);
    return new ThreadClient(raw, ready);
  }

  sendText(clientMessageId: string, body: string): Promise<ReplyMessage<SendResult> | ErrorMessage> {
    return this.request<SendResult>('send', { clientMessageId, kind: 'text', body });
  }

  protected override onOther(type: string | number, message: unknown): void {
    if (type !== ChatEventType.MESSAGE) return;
    if (this.onDelivered) this.onDelivered(message as ChatMessage);
    else this.delivered.push(message as ChatMessage);
  }
}
