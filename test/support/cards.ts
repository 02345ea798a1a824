import { NO_HIRING_FIELDS, type Card } from '../../domain/cardRules';

/** A card with every optional field empty; tests spell out only what they look at. */
export function blankCard(fields: Partial<Card> & Pick<Card, 'id' | 'kind'>): Card {
  return {
    ownerId: `owner-of-${fields.id}`,
    title: fields.id,
    bio: '',
    tags: [],
    birthYear: null,
    ...NO_HIRING_FIELDS,
    verified: false,
    active: true,
    photos: [],
    lat: null,
    lng: null,
    h3Cell: null,
    ...fields,
  };
}
