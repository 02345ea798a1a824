import type { App } from './app';
import { avatar, h, toast } from './dom';

/** Rings on `call.incoming` on every device of the callee; stops when answered anywhere or ended. */
export function watchCalls(app: App): void {
  let ringing: { callId: string; overlay: HTMLElement } | undefined;
  const stop = (callId: string) => {
    if (ringing?.callId !== callId) return;
    ringing.overlay.remove();
    ringing = undefined;
  };
  app.session!.on('call.incoming', async (data) => {
    const match = app.matches.get(data.matchId) ?? { matchId: data.matchId, otherUserId: data.callerId };
    const name = await app.nameOf(match);
    const answer = (kind: 'call.accept' | 'call.decline') => async () => {
      stop(data.callId);
      try {
        await app.session!.request(kind, { callId: data.callId });
        toast(kind === 'call.accept' ? `Connected to ${name}` : 'Declined');
      } catch (error) {
        toast(error instanceof Error ? error.message : String(error), 'error');
      }
    };
    const overlay = h('div.overlay.ring', { dataset: { test: 'incoming-call' } },
      h('div.match', {}, avatar(name, 'large'), h('h2', {}, `${name} is calling`), h('p.muted', {}, data.media === 'video' ? 'Video call' : 'Voice call'),
        h('div.actions', {},
          h('button.round.pass', { title: 'Decline', onclick: answer('call.decline') }, '✕'),
          h('button.round.like', { title: 'Accept', dataset: { test: 'accept-call' }, onclick: answer('call.accept') }, '✆'))));
    ringing = { callId: data.callId, overlay };
    document.body.appendChild(overlay);
  });
  app.session!.on('call.accepted', (data) => stop(data.callId));
  app.session!.on('call.ended', (data) => {
    stop(data.callId);
    toast(`Call ended (${data.reason ?? data.state})`);
  });
}
