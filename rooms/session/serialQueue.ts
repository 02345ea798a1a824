/**
 * Runs tasks one after another. A session serialises a user's swipes through one,
 * so the daily quota and "the last swipe" are never read by two swipes at once.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // A failed task is its caller's to handle (it gets `result`); the queue goes on to the next.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
