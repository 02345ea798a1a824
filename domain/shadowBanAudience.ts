/**
 * Who receives what a person does in a shared actor (a message, typing, a read
 * marker, a raised hand, event chat): everyone, unless the person is
 * shadow-banned, when only their own connections do, so that nothing changes
 * for them and nobody else sees them.
 */
export function reaches(sender: { readonly userId: string; readonly hidden: boolean }, viewerId: string | undefined): boolean {
  return !sender.hidden || viewerId === sender.userId;
}

/**
 * The read markers a shadow-banned sender would see for a message of theirs
 * had they not been: each other member with the thread open when it is stored
 * reads it, as their app does on arrival. For the sender's own connections
 * only; nothing is stored, so the markers others see stay true.
 *
 * @example seemingReads('s', 7, ['s', 'b']) // [{ userId: 'b', lastReadSeq: 7 }]
 */
export function seemingReads(senderId: string, seq: number, connectedIds: readonly string[]): Array<{ readonly userId: string; readonly lastReadSeq: number }> {
  return connectedIds.filter((userId) => userId !== senderId).map((userId) => ({ userId, lastReadSeq: seq }));
}
