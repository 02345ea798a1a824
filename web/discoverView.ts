import type { DeckCard, SwipeResult } from '../client/index';
import type { App } from './app';
import { avatar, h, show, toast } from './dom';
import { openChat } from './chatView';
import { locationPanel } from './profileView';

const ageOf = (birthYear: number | null | undefined) => (birthYear == null ? '' : `, ${new Date().getFullYear() - birthYear}`);

/** The deck: one card at a time, pass or like; "It's a match!" when it is mutual. */
export async function discoverView(app: App, main: HTMLElement): Promise<void> {
  if (!app.myCard) {
    await app.go('profile');
    return;
  }
  if (!app.cell) {
    show(main, h('div.card.empty', {}, h('h2', {}, 'Where are you?'), h('p.muted', {}, 'Kismet shows people near you.')), locationPanel(app));
    return;
  }
  const deck = await app.session!.request('deck', { cardId: app.myCard.id, limit: 50 });
  const cards = [...deck.cards];
  const stage = h('div.deck');
  const nearby = h('p.muted.center-text');

  const next = () => {
    const top = cards[0];
    nearby.textContent = `${cards.length} ${cards.length === 1 ? 'person' : 'people'} to discover around you`;
    if (!top) {
      show(stage, h('div.card.empty', { dataset: { test: 'deck-empty' } }, h('h2', {}, 'That’s everyone for now'), h('p.muted', {}, 'Check back soon: new people arrive all the time.'),
        h('button.ghost', { onclick: () => void app.go('discover') }, 'Refresh')));
      return;
    }
    show(stage, profileCard(top), actions(top));
  };

  const swipe = async (card: DeckCard, action: 'like' | 'pass' | 'superlike') => {
    try {
      const result: SwipeResult = await app.session!.request('swipe', { fromCardId: app.myCard!.id, toCardId: card.card.id, action });
      cards.shift();
      if (result.matched && result.matchId) {
        app.rememberMatch({ matchId: result.matchId, otherUserId: card.card.ownerId, otherCardId: card.card.id, name: card.card.title });
        matchOverlay(app, result.matchId, card.card.title);
      }
      next();
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), 'error');
    }
  };

  const actions = (card: DeckCard) =>
    h('div.actions', {},
      h('button.round.pass', { title: 'Pass', dataset: { test: 'pass' }, onclick: () => void swipe(card, 'pass') }, '✕'),
      h('button.round.super', { title: 'Superlike', dataset: { test: 'superlike' }, onclick: () => void swipe(card, 'superlike') }, '★'),
      h('button.round.like', { title: 'Like', dataset: { test: 'like' }, onclick: () => void swipe(card, 'like') }, '♥'));

  show(main, nearby, stage);
  next();
}

function profileCard(entry: DeckCard): HTMLElement {
  const { card } = entry;
  return h(
    'article.card.person',
    { dataset: { test: 'deck-card', name: card.title } },
    h('div.portrait', { style: `--hue:${[...card.title].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 360, 7)}` }, avatar(card.title, 'large')),
    h('div.details', {},
      h('h2', {}, card.title, h('span.age', {}, ageOf(card.birthYear))),
      h('p.muted', {}, `${entry.distanceKm} km away · ${Math.round(entry.score)}% in common`, card.verified ? h('span.badge', {}, 'verified') : null),
      card.bio ? h('p', {}, card.bio) : null,
      h('div.tags', {}, ...card.tags.map((t) => h('span.tag', {}, t.tag)))),
  );
}

/** "It's a match!": straight into the chat, or back to the deck. */
export function matchOverlay(app: App, matchId: string, name: string): void {
  // The swipe's answer and the match event both announce a match: show it once.
  if (document.querySelector(`[data-match="${matchId}"]`)) return;
  const overlay = h(
    'div.overlay',
    { dataset: { test: 'match-overlay', match: matchId } },
    h('div.match', {},
      h('h1.glow', {}, 'It’s a match!'),
      h('p', {}, `You and ${name} like each other.`),
      h('button.primary.wide', { dataset: { test: 'say-hi' }, onclick: () => { overlay.remove(); void openChat(app, matchId); } }, 'Say hi'),
      h('button.link', { onclick: () => overlay.remove() }, 'Keep swiping')),
  );
  document.body.appendChild(overlay);
}
