import { Redis } from 'ioredis';

/**
 * A stand-in for a node that hears a channel but answers receipts only when the test
 * says: a stalled node. `heard` holds each message as it came, and whether `answered()`
 * held at that moment (so a test can see what the sender had done by then).
 */
export async function stalledNode(redisUrl: string, channel: string, answered: () => boolean = () => false) {
  const redis = new Redis(redisUrl);
  const heard: Array<{ readonly text: string; readonly answered: boolean }> = [];
  redis.on('message', (_channel: string, text: string) => heard.push({ text, answered: answered() }));
  await redis.subscribe(channel);
  return {
    heard,
    /** Sends the receipt the `index`th message asked for. */
    async answer(index: number): Promise<void> {
      const { $receipt } = JSON.parse(heard[index]!.text) as { $receipt: { to: string; id: number } };
      const publisher = redis.duplicate();
      try {
        await publisher.publish($receipt.to, JSON.stringify($receipt.id));
      } finally {
        publisher.disconnect();
      }
    },
    close: () => redis.disconnect(),
  };
}
