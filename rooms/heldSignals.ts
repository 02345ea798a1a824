/**
 * Bus messages an actor hears before it is whole. An actor subscribes to its topics
 * before it reads storage, so nothing published meanwhile is missed; but what it
 * heard then found its parts not yet made, or asked Colyseus for a disconnect it
 * refuses while the room is being created, and the throw reached the Redis client
 * that delivered the message and ended the node. Held here, they are handled once
 * the actor is listed, in the order heard.
 */
export class HeldSignals {
  private held: Array<() => void> | undefined = [];

  /** `handle`, run at once once released, held until then. */
  hold<Message>(handle: (message: Message) => void): (message: Message) => void {
    return (message) => {
      if (this.held) this.held.push(() => handle(message));
      else handle(message);
    };
  }

  /** Runs what was held, in order; from now on `hold`'s handlers run at once. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const handle of held) handle();
  }
}
