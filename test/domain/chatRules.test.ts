import assert from 'node:assert/strict';
import {
  checkMessageContent,
  decideMessageDeletion,
  decideThreadAccess,
  DEFAULT_PAGE_SIZE,
  MAX_MEDIA_URL_CHARS,
  MAX_PAGE_SIZE,
  MAX_TEXT_CHARS,
  MESSAGE_PREVIEW_CHARS,
  messagePreview,
  pageSize,
  shouldRelayTyping,
  TYPING_INTERVAL_MS,
} from '../../domain/chatRules';

const codeOf = (refusal: { code: string } | undefined) => refusal?.code ?? 'ok';

describe('decideThreadAccess', () => {
  const member = { isMember: true, status: 'active' as const, blockedEitherWay: false, callerBlocked: false };
  it('lets a member of an active match in', () => assert.equal(codeOf(decideThreadAccess(member)), 'ok'));
  it('refuses a non-member, and a missing match the same way', () => {
    assert.equal(codeOf(decideThreadAccess({ ...member, isMember: false })), 'NOT_A_MEMBER');
    assert.equal(codeOf(decideThreadAccess({ isMember: false, status: undefined, blockedEitherWay: false, callerBlocked: false })), 'NOT_A_MEMBER');
  });
  it('refuses the member who blocked with BLOCKED, whether the match says so or only the block does', () => {
    assert.equal(codeOf(decideThreadAccess({ ...member, status: 'blocked', callerBlocked: true })), 'BLOCKED');
    assert.equal(codeOf(decideThreadAccess({ ...member, blockedEitherWay: true, callerBlocked: true })), 'BLOCKED');
  });
  it('refuses the member blocked as after an unmatch, so they never learn it was a block', () => {
    assert.equal(codeOf(decideThreadAccess({ ...member, status: 'blocked' })), 'UNMATCHED');
    assert.equal(codeOf(decideThreadAccess({ ...member, blockedEitherWay: true })), 'UNMATCHED');
  });
  it('refuses an unmatched member with its own code', () => assert.equal(codeOf(decideThreadAccess({ ...member, status: 'unmatched' })), 'UNMATCHED'));
  it('tells a non-member nothing about a block', () =>
    assert.equal(codeOf(decideThreadAccess({ isMember: false, status: 'blocked', blockedEitherWay: true, callerBlocked: true })), 'NOT_A_MEMBER'));
});

describe('checkMessageContent', () => {
  it('takes text up to the limit and refuses one character more as too large', () => {
    assert.equal(codeOf(checkMessageContent({ kind: 'text', body: 'x'.repeat(MAX_TEXT_CHARS) }, 'any')), 'ok');
    assert.equal(codeOf(checkMessageContent({ kind: 'text', body: 'x'.repeat(MAX_TEXT_CHARS + 1) }, 'any')), 'MESSAGE_TOO_LARGE');
  });
  it('refuses text that is missing, blank, or carries a media url', () => {
    assert.equal(codeOf(checkMessageContent({ kind: 'text' }, 'any')), 'INVALID_MESSAGE');
    assert.equal(codeOf(checkMessageContent({ kind: 'text', body: ' \n ' }, 'any')), 'INVALID_MESSAGE');
    assert.equal(codeOf(checkMessageContent({ kind: 'text', body: 'hi', mediaUrl: 'https://x.example/a' }, 'any')), 'INVALID_MESSAGE');
  });
  it('takes media as an https url with or without a caption', () => {
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: 'https://cdn.example/a.jpg' }, 'any')), 'ok');
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: 'https://cdn.example/a.jpg', body: 'look' }, 'any')), 'ok');
  });
  it('takes media only on the media hosts, when they are named: the host or below it', () => {
    const hosts = ['media.kismet.example'];
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: 'https://media.kismet.example/a.jpg' }, hosts)), 'ok');
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: 'https://eu.cdn.media.kismet.example/a.jpg' }, hosts)), 'ok');
    for (const url of ['https://tracker.example/p.gif', 'https://media.kismet.example.tracker.example/a', 'https://notmedia.kismet.example/a', 'http://media.kismet.example/a']) {
      assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: url }, hosts)), 'INVALID_MESSAGE', url);
    }
  });
  it('refuses media without a url, over plain http, not a url, too long, or with too long a caption', () => {
    assert.equal(codeOf(checkMessageContent({ kind: 'media' }, 'any')), 'INVALID_MESSAGE');
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: 'http://cdn.example/a.jpg' }, 'any')), 'INVALID_MESSAGE');
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: 'cdn.example/a.jpg' }, 'any')), 'INVALID_MESSAGE');
    const long = `https://cdn.example/${'a'.repeat(MAX_MEDIA_URL_CHARS)}`;
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: long }, 'any')), 'MESSAGE_TOO_LARGE');
    assert.equal(codeOf(checkMessageContent({ kind: 'media', mediaUrl: 'https://cdn.example/a', body: 'x'.repeat(MAX_TEXT_CHARS + 1) }, 'any')), 'MESSAGE_TOO_LARGE');
  });
});

describe('messagePreview', () => {
  it('shows the start of a text and nothing of a media message', () => {
    assert.equal(messagePreview({ kind: 'text', body: 'y'.repeat(500) }), 'y'.repeat(MESSAGE_PREVIEW_CHARS));
    assert.equal(messagePreview({ kind: 'media', mediaUrl: 'https://cdn.example/a', body: 'secret caption' }), '');
  });
});

describe('pageSize', () => {
  it('defaults, clamps to 1..max, and drops fractions', () => {
    assert.deepEqual([pageSize(undefined), pageSize(0), pageSize(7.9), pageSize(MAX_PAGE_SIZE + 1)], [DEFAULT_PAGE_SIZE, 1, 7, MAX_PAGE_SIZE]);
  });
});

describe('shouldRelayTyping', () => {
  const t0 = 1_000_000;
  it('relays the first "typing", then again only after the interval', () => {
    assert.equal(shouldRelayTyping(undefined, true, t0), true);
    assert.equal(shouldRelayTyping({ active: true, atMs: t0 }, true, t0 + TYPING_INTERVAL_MS - 1), false);
    assert.equal(shouldRelayTyping({ active: true, atMs: t0 }, true, t0 + TYPING_INTERVAL_MS), true);
  });
  it('relays "stopped" only after "typing", and "typing" at once after "stopped"', () => {
    assert.equal(shouldRelayTyping(undefined, false, t0), false);
    assert.equal(shouldRelayTyping({ active: true, atMs: t0 }, false, t0 + 1), true);
    assert.equal(shouldRelayTyping({ active: false, atMs: t0 }, false, t0 + 1), false);
    assert.equal(shouldRelayTyping({ active: false, atMs: t0 }, true, t0 + 1), true);
  });
});

describe('decideMessageDeletion', () => {
  it('lets only the sender delete, and says when there is nothing to delete', () => {
    assert.equal(codeOf(decideMessageDeletion({ senderId: 'me' }, 'me')), 'ok');
    assert.equal(codeOf(decideMessageDeletion({ senderId: 'them' }, 'me')), 'NOT_YOUR_MESSAGE');
    assert.equal(codeOf(decideMessageDeletion(undefined, 'me')), 'MESSAGE_NOT_FOUND');
  });
});
