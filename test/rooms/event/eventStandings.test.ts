import assert from 'node:assert/strict';
import { hearEventNews } from '../../../services/eventNews';
import { RECENT_BLOCKS_MS } from '../../../services/recentBlocks';
import type { BlockBus, BlockNews } from '../../../services/topicBus';
import { RecentStandings } from '../../../services/recentStandings';
import { EventAttendees } from '../../../rooms/event/eventAttendees';
import { EventStandings } from '../../../rooms/event/eventStandings';
import { setRoomServices, type RoomServices } from '../../../rooms/roomServices';

describe('the standing an event keeps of its people', () => {
  let nowMs = 1_000_000;
  let recent: RecentStandings;
  let attendees: EventAttendees;
  const restood: string[] = [];
  const eventOf = () => new EventStandings('e1', { attendees, hands: { restood: (userId) => void restood.push(userId) } });
  const connect = (sessionId: string, userId: string, hidden = false) => attendees.add(sessionId, { userId, role: 'audience', seated: true, hidden });
  const standing = (userId: string, shadowBanned: boolean) => recent.heard({ kind: 'standing', userId, shadowBanned }, nowMs);

  beforeEach(() => {
    recent = new RecentStandings();
    attendees = new EventAttendees();
    restood.length = 0;
    setRoomServices({ standings: recent, now: () => new Date(nowMs), logger: { warn: () => undefined } } as unknown as RoomServices);
  });

  afterEach(() => setRoomServices(undefined));

  it('hides every connection of a person in the event at once, and shows them again when it is lifted', () => {
    const standings = eventOf();
    connect('s1', 'a');
    connect('s2', 'a');
    connect('s3', 'b');
    standing('a', true);
    assert.deepEqual([[...attendees.hiddenIds()], attendees.of('a').map((c) => c.hidden), attendees.of('b').map((c) => c.hidden)], [['a'], [true, true], [false]]);
    assert.deepEqual(restood, ['a'], 'the hand queue is told');
    standing('a', true);
    standing('c', true);
    assert.deepEqual(restood, ['a'], 'told again, or of someone not in: nothing changes');
    standing('a', false);
    assert.deepEqual([[...attendees.hiddenIds()], attendees.of('a').map((c) => c.hidden), restood], [[], [false, false], ['a', 'a']]);
    // One device leaves while hidden, the other stays hidden.
    standing('a', true);
    attendees.remove('s1');
    assert.deepEqual([...attendees.hiddenIds()], ['a']);
    standings.close();
  });

  it('takes for a connection let in at its door before a change, and connected after it, the change', () => {
    const standings = eventOf();
    standing('a', true); // a was not in yet: heard, kept by the node
    assert.deepEqual(restood, []);
    connect('s1', 'a', false);
    standings.admitted('a', false);
    assert.deepEqual([...attendees.hiddenIds()], ['a']);
    // A lifting heard between the door and the connection counts the same way.
    standing('b', false);
    connect('s2', 'b', true);
    standings.admitted('b', true);
    assert.deepEqual([...attendees.hiddenIds()], ['a']);
    // Past the keeping time, what the door read stands.
    nowMs += RECENT_BLOCKS_MS + 1;
    connect('s3', 'c', true);
    assert.equal(recent.of('a', nowMs), undefined);
    standings.admitted('c', true);
    assert.deepEqual(new Set(attendees.hiddenIds()), new Set(['a', 'c']));
    standings.close();
  });

  it('is heard on the block bus, whose blocks go to the node’s blocks keeper', async () => {
    const handlers: Array<(news: BlockNews) => void> = [];
    const publish = async (_key: string, news: BlockNews) => handlers.forEach((handler) => handler(news));
    const bus: BlockBus = { publish, publishApplied: publish, subscribe: async (_key, handler) => (handlers.push(handler), () => undefined) };
    const { keepers: { recentBlocks: blocks, standings } } = await hearEventNews(bus, () => new Date(nowMs));
    const [heardBlocks, heardStandings]: [unknown[], unknown[]] = [[], []];
    blocks.listen((block) => heardBlocks.push(block));
    standings.listen((news) => heardStandings.push(news));
    await bus.publishApplied('made', { kind: 'standing', userId: 'a', shadowBanned: true });
    await bus.publishApplied('made', { blockerId: 'a', blockedId: 'b' });
    assert.deepEqual(heardStandings, [{ kind: 'standing', userId: 'a', shadowBanned: true }]);
    assert.deepEqual(heardBlocks, [{ blockerId: 'a', blockedId: 'b' }]);
    assert.deepEqual([standings.of('a', nowMs), standings.of('b', nowMs)], [true, undefined]);
  });

  it('hears nothing once closed', () => {
    const standings = eventOf();
    connect('s1', 'a');
    standings.close();
    standing('a', true);
    assert.deepEqual([[...attendees.hiddenIds()], restood], [[], []]);
  });
});
