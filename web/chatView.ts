import type { ChatMessage } from '../client/index';
import type { App } from './app';
import { avatar, h, show, timeOf, toast } from './dom';
import { UnsentMessages } from './unsentMessages';

/** How often "typing" is sent while the person keeps typing, and when it lapses. */
const TYPING_EVERY_MS = 2500;
const TYPING_IDLE_MS = 3000;

/** A conversation: history, live messages, typing, read receipts, delete, and a call button. */
export async function openChat(app: App, matchId: string): Promise<void> {
  const visit = await app.go('matches');
  const match = app.matches.get(matchId) ?? { matchId, otherUserId: '' };
  const name = await app.nameOf(match);
  if (!app.showing(visit)) return; // another chat or screen was asked for meanwhile
  const thread = await app.kismet.openThread(matchId).catch((error: unknown) => {
    if (app.showing(visit)) toast(error instanceof Error ? error.message : String(error), 'error');
  });
  if (!thread || !app.adopt(thread, visit)) return;
  const me = app.kismet.userId!;
  let theirRead = thread.ready.readMarkers.find((m) => m.userId !== me)?.lastReadSeq ?? 0;
  const rows = new Map<number, { message: ChatMessage; row: HTMLElement }>();

  const list = h('div.messages', { dataset: { test: 'messages' } });
  const typing = h('div.typing', { dataset: { test: 'typing' } });
  const input = h('input', { placeholder: `Message ${name}`, maxLength: 4000, dataset: { test: 'message-input' } });
  const presence = h('span.presence', { class: app.presence.get(match.otherUserId) ?? 'unknown' });

  const render = (message: ChatMessage) => {
    const mine = message.senderId === me;
    if (mine) unsent.arrived(message.clientMessageId);
    const row = h('div.bubble', { class: mine ? 'mine' : 'theirs', dataset: { test: 'message', seq: String(message.seq) } },
      h('span.text', {}, message.deleted ? 'Message deleted' : message.body ?? ''),
      h('span.meta', {}, timeOf(message.at),
        mine && !message.deleted ? h('button.delete', { title: 'Delete for everyone', dataset: { test: 'delete' }, onclick: () => void remove(message.seq) }, '✕') : null));
    if (message.deleted) row.classList.add('deleted');
    const old = rows.get(message.seq);
    if (old) old.row.replaceWith(row);
    else list.appendChild(row);
    rows.set(message.seq, { message, row });
    markReceipts();
    list.scrollTop = list.scrollHeight;
  };

  /** "Seen" under the latest of my messages the other has read. */
  const markReceipts = () => {
    list.querySelectorAll('.receipt').forEach((r) => r.remove());
    const seenMine = [...rows.values()].filter((r) => r.message.senderId === me && r.message.seq <= theirRead).pop();
    seenMine?.row.appendChild(h('span.receipt', { dataset: { test: 'receipt' } }, 'Seen'));
  };

  const unsent = new UnsentMessages(list, (body, clientMessageId) => thread.sendText(body, clientMessageId),
    (sent, clientMessageId, body) => render({ seq: sent.seq, senderId: me, clientMessageId, kind: 'text', body, mediaUrl: null, at: sent.at, deleted: false }));

  const readUpTo = (seq: number) => void thread.read(seq).catch(() => undefined); // a receipt is a courtesy: the next message reads again

  const remove = async (seq: number) => {
    try {
      await thread.delete(seq);
      const known = rows.get(seq);
      if (known) render({ ...known.message, body: null, deleted: true });
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), 'error');
    }
  };

  let typingSentAt = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    if (Date.now() - typingSentAt > TYPING_EVERY_MS) {
      typingSentAt = Date.now();
      void thread.typing(true).catch(() => undefined); // ephemeral: a lost indicator costs nothing
    }
    clearTimeout(idle);
    idle = setTimeout(() => {
      typingSentAt = 0;
      void thread.typing(false).catch(() => undefined);
    }, TYPING_IDLE_MS);
  });

  let theirTyping: ReturnType<typeof setTimeout> | undefined;
  thread.on('typing', (t) => {
    if (t.userId === me) return;
    typing.textContent = t.active ? `${name} is typing…` : '';
    clearTimeout(theirTyping);
    if (t.active) theirTyping = setTimeout(() => (typing.textContent = ''), 6000);
  });
  thread.on('message', (message) => {
    typing.textContent = '';
    render(message);
    if (message.senderId !== me) readUpTo(message.seq);
  });
  thread.on('read', (marker) => {
    if (marker.userId === me) return;
    theirRead = Math.max(theirRead, marker.lastReadSeq);
    markReceipts();
  });
  thread.on('message.deleted', ({ seq }) => {
    const known = rows.get(seq);
    if (known) render({ ...known.message, body: null, deleted: true });
  });
  thread.on('thread.closed', () => {
    toast('This conversation has ended');
    input.disabled = true;
  });

  const form = h('form.composer', {
    onsubmit: (event: Event) => {
      event.preventDefault();
      const body = input.value.trim();
      if (!body) return;
      input.value = '';
      clearTimeout(idle);
      typingSentAt = 0;
      unsent.send(body);
    },
  }, input, h('button.primary', { type: 'submit', dataset: { test: 'send' } }, 'Send'));

  const call = async () => {
    try {
      await app.session!.request('call.start', { matchId, media: 'audio' });
      toast(`Calling ${name}…`);
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), 'error');
    }
  };

  show(app.main, h('section.chat', { dataset: { test: 'chat' } },
    h('div.chat-head', {},
      h('button.ghost', { onclick: () => void app.go('matches') }, '‹'),
      avatar(name), h('div.who', {}, h('strong', {}, name), presence),
      h('button.ghost.call', { title: 'Call', dataset: { test: 'call' }, onclick: () => void call() }, 'Call')),
    list, typing, form));
  app.onChange(() => (presence.className = `presence ${app.presence.get(match.otherUserId) ?? 'unknown'}`));

  const page = await thread.history().catch((error: unknown) => {
    if (app.showing(visit)) toast(error instanceof Error ? error.message : String(error), 'error');
  });
  if (!page) return;
  for (const message of page.messages) render(message);
  const lastTheirs = [...page.messages].reverse().find((m) => m.senderId !== me);
  if (lastTheirs) readUpTo(lastTheirs.seq);
  input.focus();
}
