import assert from 'node:assert/strict';
import { MESSAGE_PREVIEW_CHARS } from '../../domain/chatRules';
import { messageNotices, withoutErasedPreviews, type NoticeMessage } from '../../domain/threadNotifications';
import { UserEventType, type NewUserEvent } from '../../domain/userEvents';

const message = (seq: number, senderId: string, overrides: Partial<NoticeMessage> = {}): NoticeMessage => ({
  seq, senderId, kind: 'text', body: `message ${seq}`, mediaUrl: null, hidden: false, ...overrides,
});

describe('thread notifications', () => {
  const notices = (present: string[], unread: Record<string, number>, messages: NoticeMessage[]) =>
    messageNotices({ matchId: 'm', memberIds: ['ada', 'bo'], isPresent: (u) => present.includes(u), unreadOf: (u) => unread[u] ?? 0, messages });

  it('tells an absent member of each message of the others, with their unread count after it', () => {
    const out = notices(['ada'], { bo: 2 }, [message(7, 'ada'), message(8, 'ada')]);
    assert.deepEqual(out.map((n) => [n.userId, n.events.map((e) => [e.type, e.data])]), [
      ['bo', [
        ['message.received', { matchId: 'm', seq: 7, senderId: 'ada', kind: 'text', preview: 'message 7', unread: 3 }],
        ['message.received', { matchId: 'm', seq: 8, senderId: 'ada', kind: 'text', preview: 'message 8', unread: 4 }],
      ]],
    ]);
  });
  it('tells nobody who is in the thread, nobody of their own messages, and nobody of hidden ones', () => {
    assert.deepEqual(notices(['ada', 'bo'], {}, [message(1, 'ada')]), []);
    assert.deepEqual(notices([], {}, [message(1, 'ada', { hidden: true })]), []);
    assert.deepEqual(notices([], {}, [message(1, 'ada')]).map((n) => n.userId), ['bo']);
  });
  it('previews text only, cut short, and no media', () => {
    const long = 'x'.repeat(MESSAGE_PREVIEW_CHARS + 50);
    const [notice] = notices([], {}, [message(1, 'ada', { body: long }), message(2, 'ada', { kind: 'media', body: 'caption', mediaUrl: 'https://m/1' })]).filter((n) => n.userId === 'bo');
    assert.deepEqual(notice!.events.map((e) => (e.data as { preview: string }).preview), ['x'.repeat(MESSAGE_PREVIEW_CHARS), '']);
  });
  it('takes the preview from the notices of messages stored erased, and only from theirs', () => {
    const [notice] = notices([], {}, [message(1, 'ada'), message(2, 'ada'), message(3, 'ada')]).filter((n) => n.userId === 'bo');
    const other: NewUserEvent = { userId: 'bo', type: UserEventType.MESSAGE_RECEIVED, data: { matchId: 'elsewhere', seq: 2, senderId: 'ada', kind: 'text', preview: 'kept', unread: 1 } };
    const out = withoutErasedPreviews([...notice!.events, other], 'm', new Set([2]));
    assert.deepEqual(out.map((e) => e.data), [
      { matchId: 'm', seq: 1, senderId: 'ada', kind: 'text', preview: 'message 1', unread: 1 },
      { matchId: 'm', seq: 2, senderId: 'ada', kind: 'text', preview: '', unread: 2, deleted: true },
      { matchId: 'm', seq: 3, senderId: 'ada', kind: 'text', preview: 'message 3', unread: 3 },
      other.data,
    ]);
  });
});
