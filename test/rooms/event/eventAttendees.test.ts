import assert from 'node:assert/strict';
import { EventAttendees, type Attendee } from '../../../rooms/event/eventAttendees';

const attendee = (userId: string, hidden = false): Attendee => ({ userId, role: 'audience', seated: false, hidden });

describe('a live event’s attendees', () => {
  it('knows every connection of a person, first connected first, and forgets each as it leaves', () => {
    const attendees = new EventAttendees();
    const phone = attendee('ana');
    const laptop = attendee('ana');
    attendees.add('s1', phone);
    attendees.add('s2', attendee('ben'));
    attendees.add('s3', laptop);
    assert.deepEqual(attendees.of('ana'), [phone, laptop]);
    assert.equal(attendees.remove('s1'), phone);
    assert.deepEqual(attendees.of('ana'), [laptop]);
    assert.equal(attendees.get('s1'), undefined);
    assert.equal(attendees.remove('s1'), undefined, 'a connection leaves once');
    attendees.remove('s3');
    assert.deepEqual(attendees.of('ana'), []);
    assert.equal(attendees.of('ben').length, 1);
  });

  it('hides a person while any of their connections is hidden', () => {
    const attendees = new EventAttendees();
    attendees.add('s1', attendee('cat', true));
    attendees.add('s2', attendee('cat', true));
    attendees.add('s3', attendee('dan'));
    assert.deepEqual([...attendees.hiddenIds()], ['cat']);
    attendees.remove('s1');
    assert.deepEqual([...attendees.hiddenIds()], ['cat'], 'still hidden on the other device');
    attendees.remove('s2');
    assert.deepEqual([...attendees.hiddenIds()], []);
  });

  it('takes a connection added again as its new self, not as a second connection', () => {
    const attendees = new EventAttendees();
    attendees.add('s1', attendee('eve', true));
    const again = attendee('eve');
    attendees.add('s1', again);
    assert.deepEqual(attendees.of('eve'), [again]);
    assert.deepEqual([...attendees.hiddenIds()], []);
  });
});
