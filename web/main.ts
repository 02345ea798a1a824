import { App } from './app';
import { authView } from './authView';
import { watchCalls } from './callRing';
import { discoverView, matchOverlay } from './discoverView';
import { matchesView } from './matchesView';
import { profileView } from './profileView';
import { dropRetiredSettings } from './settings';

/** The reference web app: boots into sign-in, or straight into the deck with a kept session. */
async function boot(): Promise<void> {
  dropRetiredSettings();
  const root = document.getElementById('app')!;
  const app = new App(root);
  app.register('discover', discoverView);
  app.register('matches', matchesView);
  app.register('profile', profileView);

  const start = async () => {
    await app.connect();
    watchCalls(app);
    const shown = new Set(app.matches.keys());
    app.session!.on('match.created', async (data, event) => {
      // The other person's like made the match: tell this one too (once, and not for old news replayed to a new device).
      if (shown.has(data.matchId) || Date.now() - event.at > 60_000) return;
      shown.add(data.matchId);
      matchOverlay(app, data.matchId, await app.nameOf({ matchId: data.matchId, otherUserId: data.otherUserId, otherCardId: data.otherCardId }));
    });
    await app.go(app.myCard ? 'discover' : 'profile');
  };

  app.whenSignedOut(() => authView(app, start));
  if (app.kismet.userId) await start().catch(() => authView(app, start));
  else authView(app, start);
}

void boot();
