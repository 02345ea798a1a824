import type { CardView } from '../client/index';
import type { App } from './app';
import { avatar, h, show, toast } from './dom';

const tagsOf = (text: string) =>
  text.split(',').map((t) => t.trim()).filter(Boolean).slice(0, 30).map((tag) => ({ tag, weight: 4 }));

/** The profile card: made once, edited after; and where the person is. */
export async function profileView(app: App, main: HTMLElement): Promise<void> {
  const card = app.myCard;
  const name = h('input', { value: card?.title ?? '', required: true, maxLength: 120, placeholder: 'Your first name', dataset: { test: 'card-name' } });
  const year = h('input', { type: 'number', value: String(card?.birthYear ?? 1995), min: 1900, max: new Date().getFullYear() - 18, required: true, dataset: { test: 'card-year' } });
  const interests = h('input', { value: card?.tags.map((t) => t.tag).join(', ') ?? '', placeholder: 'hiking, jazz, cooking', dataset: { test: 'card-tags' } });
  const bio = h('textarea', { value: card?.bio ?? '', maxLength: 2000, rows: 3, placeholder: 'A few words about you', dataset: { test: 'card-bio' } });
  const save = h('button.primary.wide', { type: 'submit', dataset: { test: 'save-card' } }, card ? 'Save profile' : 'Create my card');

  const form = h(
    'form.card.profile',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        save.disabled = true;
        const fields = { title: name.value.trim(), bio: bio.value.trim(), tags: tagsOf(interests.value), birthYear: Number(year.value) };
        try {
          app.myCard = card
            ? await app.kismet.api<CardView>('PATCH', `/cards/${card.id}`, fields)
            : await app.kismet.api<CardView>('POST', '/cards', { kind: 'person', ...fields });
          toast('Profile saved');
          await app.go(app.cell ? 'discover' : 'profile');
        } catch (error) {
          toast(error instanceof Error ? error.message : String(error), 'error');
        } finally {
          save.disabled = false;
        }
      },
    },
    h('div.row', {}, avatar(name.value || '?', 'large'), h('div', {}, h('h2', {}, card ? 'Your card' : 'Make your card'), h('p.muted', {}, 'This is what others see when they swipe.'))),
    h('label', {}, 'Name', name),
    h('label', {}, 'Born in', year),
    h('label', {}, 'Interests (comma-separated)', interests),
    h('label', {}, 'About you', bio),
    save,
  );
  show(main, form, card ? locationPanel(app) : null, h('button.link', { dataset: { test: 'sign-out' }, onclick: () => void app.signOut() }, 'Sign out'));
}

/** Where the person is: from the browser, or typed in. Kismet only ever shows others their ~5 km² cell. */
export function locationPanel(app: App): HTMLElement {
  const lat = h('input', { type: 'number', step: 'any', value: '52.5200', dataset: { test: 'lat' } });
  const lng = h('input', { type: 'number', step: 'any', value: '13.4050', dataset: { test: 'lng' } });
  const cell = h('p.muted', {}, app.cell ? `You are placed in cell ${app.cell}.` : 'Set where you are to see people nearby.');
  const setAt = async (latitude: number, longitude: number) => {
    try {
      const result = await app.session!.request('location.update', { lat: latitude, lng: longitude });
      app.cell = result.h3Cell;
      cell.textContent = `You are placed in cell ${result.h3Cell}.`;
      toast('Location set');
      await app.go('discover');
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), 'error');
    }
  };
  const here = () =>
    navigator.geolocation?.getCurrentPosition(
      (p) => void setAt(p.coords.latitude, p.coords.longitude),
      () => toast('The browser did not share a location; type one in', 'error'),
    );
  return h(
    'section.card.location',
    {},
    h('h2', {}, 'Location'),
    cell,
    h('div.row', {}, h('label', {}, 'Latitude', lat), h('label', {}, 'Longitude', lng)),
    h('div.row', {},
      h('button.primary', { dataset: { test: 'set-location' }, onclick: () => void setAt(Number(lat.value), Number(lng.value)) }, 'Set location'),
      h('button.ghost', { onclick: here }, 'Use my location')),
  );
}
