/**
 * The list of open sockets the stock uWS transport keeps, as a set. Nothing reads
 * that list; the transport only adds each socket on open and, on close, takes it
 * out with `spliceOne(list, list.indexOf(socket))`. On an array both halves walk
 * the list: when 15,000 clients of one node close at once, that is about n²/2
 * steps, half of the close handlers' time. Here the socket leaves the set inside
 * `indexOf`, which answers -1, so `spliceOne` has nothing to shift.
 */
export class OpenSockets<Socket> {
  private readonly sockets = new Set<Socket>();

  push(socket: Socket): number {
    this.sockets.add(socket);
    return this.sockets.size;
  }

  /** Removes the socket (the stock close handler's lookup is always its removal) and answers -1. */
  indexOf(socket: Socket): number {
    this.sockets.delete(socket);
    return -1;
  }

  has(socket: Socket): boolean {
    return this.sockets.has(socket);
  }

  get length(): number {
    return this.sockets.size;
  }
}
