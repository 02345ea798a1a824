import net from 'node:net';

/**
 * A TCP proxy a test puts between one node and a service, to cut that node off
 * (a partition) and let it back in, while other nodes reach the service directly.
 */
export class TcpProxy {
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private readonly silent = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private cutOff = false;
  private holding = false;
  private blackholing = false;
  /** How late the service's answers are delivered (`delayReplies`); 0: as they come. */
  private delayMs = 0;
  private readonly delayed = new WeakSet<object>();
  /** Connections the node opened into the blackhole: accepted, never forwarded. */
  private readonly swallowed = new Set<net.Socket>();
  /** What the service answered while replies were held, in arrival order across connections. */
  private held = '';

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on a free local port and forwards each connection to `targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy!.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Connections being forwarded now. */
  get connections(): number {
    return this.pairs.size;
  }

  /**
   * Cuts the node off: every forwarded connection is reset on both sides (the
   * service sees its client go, as it would when a network partition is detected)
   * and new ones are refused until `restore()`.
   */
  cut(): void {
    this.cutOff = true;
    this.resetAll();
  }

  /**
   * A partition that resets nothing, as a real one: every forwarded connection stays
   * open on both sides and nothing crosses any more (what either side sends is read
   * and dropped), a side's close does not reach the other, and a connection the node
   * opens meanwhile is accepted and hears nothing. So the service still counts the
   * node's connections (and subscriptions) alive. Until `restore()`, which resets
   * them (what they carried is lost), or `cut()` / `close()`.
   */
  blackhole(): void {
    this.blackholing = true;
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      this.drain(client);
      this.drain(upstream);
    }
  }

  /**
   * Keeps forwarding what the node sends but holds back the service's answers
   * (a node whose requests land but whose replies are stuck), from now until `cut()`
   * or `close()`: for a node about to be killed, since the held replies are never
   * delivered. `heldReplies` says what was held, so a test can wait for a reply
   * the node is missing rather than for time.
   */
  holdReplies(): void {
    this.holding = true;
    for (const pair of this.pairs) {
      pair.upstream.unpipe(pair.client);
      this.keep(pair.upstream);
    }
  }

  /**
   * Stops forwarding on the connections open now, both ways, without closing
   * them: a NAT or load balancer that dropped the flow, so neither side hears
   * anything, not even a reset. New connections are forwarded as usual;
   * `silenced` says how many of the silenced ones their ends still hold open.
   */
  silence(): void {
    for (const pair of this.pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      // Read and thrown away, so an end that closes is still heard (its FIN reaches the proxy and closes the pair).
      this.drain(pair.client);
      this.drain(pair.upstream);
      this.silent.add(pair);
    }
  }

  /** Silenced connections not yet closed by either end. */
  get silenced(): number {
    return this.silent.size;
  }

  /**
   * Delivers what the service sends `ms` late, in order, on the connections open now
   * and those opened later, until `restore()`: a node that hears everything, late
   * (its pub/sub messages too), while what it sends arrives at once.
   */
  delayReplies(ms: number): void {
    this.delayMs = ms;
    for (const pair of this.pairs) this.delay(pair);
  }

  /** Everything the service sent since `holdReplies()` that the node never received, as text. */
  get heldReplies(): string {
    return this.held;
  }

  restore(): void {
    if (this.blackholing) this.resetAll();
    this.cutOff = false;
    this.holding = false;
    this.blackholing = false;
    this.delayMs = 0;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private resetAll(): void {
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
    }
    this.pairs.clear();
    for (const socket of this.swallowed) socket.resetAndDestroy();
    this.swallowed.clear();
  }

  private accept(client: net.Socket, targetPort: number): void {
    if (this.cutOff) {
      client.resetAndDestroy();
      return;
    }
    if (this.blackholing) {
      this.swallowed.add(client);
      client.on('error', () => undefined).on('close', () => this.swallowed.delete(client));
      this.drain(client);
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      if (this.blackholing) return; // a partition carries no close: the other side stays open until restore()
      this.pairs.delete(pair);
      this.silent.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    if (this.holding) this.keep(upstream);
    else if (this.delayMs > 0) this.delay(pair);
    else upstream.pipe(client);
  }

  /** Reads what arrives and drops it. */
  private drain(socket: net.Socket): void {
    socket.on('data', () => undefined);
    socket.resume();
  }

  /** The service's answers on `pair`, each `delayMs` late (as it is when they arrive), never ahead of an earlier one. */
  private delay(pair: { client: net.Socket; upstream: net.Socket }): void {
    if (this.delayed.has(pair)) return; // delayed already: by `delayMs` as it is now
    this.delayed.add(pair);
    pair.upstream.unpipe(pair.client);
    const due: Array<{ readonly at: number; readonly chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    const deliver = () => {
      timer = undefined;
      while (due.length > 0 && due[0]!.at <= Date.now()) pair.client.write(due.shift()!.chunk);
      if (due.length > 0) timer = setTimeout(deliver, due[0]!.at - Date.now());
    };
    pair.upstream.on('data', (chunk: Buffer) => {
      due.push({ at: Math.max(Date.now() + this.delayMs, due.at(-1)?.at ?? 0), chunk });
      timer ??= setTimeout(deliver, due[0]!.at - Date.now());
    });
    pair.upstream.resume();
  }

  private keep(upstream: net.Socket): void {
    upstream.on('data', (chunk: Buffer) => {
      this.held += chunk.toString('latin1');
    });
    // Unpiping pauses the socket, and a 'data' listener does not undo an explicit pause.
    upstream.resume();
  }
}
