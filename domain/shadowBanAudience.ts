/**
 * Who receives what a person does in a shared actor (a message, typing, a read
 * marker, a raised hand, event chat): everyone, unless the person is
 * shadow-banned, when only their own connections do, so that nothing changes
 * for them and nobody else sees them.
 */
export function reaches(sender: { readonly userId: string; readonly hidden: boolean }, viewerId: string | undefined): boolean {
  return !sender.hidden || viewerId === sender.userId;
}
