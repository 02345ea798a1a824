import type { App } from './app';
import { avatar, h, show } from './dom';
import { openChat } from './chatView';

interface ThreadSummary {
  readonly matchId: string;
  readonly status: string;
  readonly otherUserIds: readonly string[];
  /** The other side's card as the caller may see it (`hidden`: a placeholder name, "unavailable" or "deleted account"). */
  readonly counterpart: { readonly userId: string; readonly cardId: string; readonly name: string; readonly hidden: boolean };
  readonly unread: number;
}

/** Everyone the person matched with: who is online, unread counts, and into the chat. */
export async function matchesView(app: App, main: HTMLElement): Promise<void> {
  const { threads } = await app.kismet.api<{ threads: ThreadSummary[] }>('GET', '/me/threads');
  const active = threads.filter((t) => t.status === 'active');
  // The thread list names the other side, whatever this browser heard while it was away.
  app.rememberMatches(
    active
      .filter((t) => !app.matches.get(t.matchId)?.name || t.counterpart.hidden)
      .map((t) => ({ matchId: t.matchId, otherUserId: t.counterpart.userId, otherCardId: t.counterpart.cardId, name: t.counterpart.name })),
  );
  const list = h('ul.matches');
  const draw = async () => {
    const items = await Promise.all(active.map(async (t) => {
      const match = app.matches.get(t.matchId)!;
      const name = await app.nameOf(match);
      const status = app.presence.get(match.otherUserId) ?? 'unknown';
      return h('li.match-row', { dataset: { test: 'match-row', name }, onclick: () => void openChat(app, t.matchId) },
        avatar(name), h('div.who', {}, h('strong', {}, name), h('span.presence', { class: status, dataset: { test: 'presence' } }, status === 'unknown' ? '' : status)),
        t.unread > 0 ? h('span.unread', {}, String(t.unread)) : null);
    }));
    show(list, ...items);
  };
  show(main, h('h2', {}, 'Matches'), active.length === 0 ? h('p.muted', {}, 'No matches yet: keep swiping.') : list);
  app.onChange(() => void draw());
  await draw();
}
