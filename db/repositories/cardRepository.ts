import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { decideCardCreation, type Card, type CardCreationDecision, type CardKind, type PhotoRef } from '../../domain/cardRules';
import { coarseCellOf } from '../../domain/geo';
import type { CardsTable, Database } from '../types';
import { lockLiveAccount } from './userRepository';

type Db = Kysely<Database> | Transaction<Database>;

export type CardFields = Omit<Card, 'id' | 'ownerId' | 'kind' | 'verified' | 'active' | 'photos'> & {
  photos?: readonly PhotoRef[];
  /** When a job's lat/lng are set: where its moves are measured from (`findJobPlacement`). */
  locatedAt?: Date;
};

export function cardFromRow(row: Selectable<CardsTable>): Card {
  return {
    id: row.id,
    ownerId: row.owner_id,
    kind: row.kind,
    title: row.title,
    bio: row.bio,
    tags: row.tags,
    birthYear: row.birth_year,
    experienceYears: row.experience_years,
    salaryMin: row.salary_min,
    salaryMax: row.salary_max,
    workAuthorizations: row.work_authorizations,
    remote: row.remote,
    culture: row.culture,
    verified: row.verified,
    active: row.active,
    photos: row.photos,
    lat: row.lat,
    lng: row.lng,
    h3Cell: row.h3_cell,
  };
}

function toRow(fields: Partial<CardFields>) {
  return {
    title: fields.title,
    bio: fields.bio,
    tags: fields.tags === undefined ? undefined : JSON.stringify(fields.tags),
    birth_year: fields.birthYear,
    experience_years: fields.experienceYears,
    salary_min: fields.salaryMin,
    salary_max: fields.salaryMax,
    work_authorizations: fields.workAuthorizations === undefined ? undefined : JSON.stringify(fields.workAuthorizations),
    remote: fields.remote,
    culture: fields.culture === undefined ? undefined : JSON.stringify(fields.culture),
    photos: fields.photos === undefined ? undefined : JSON.stringify(fields.photos),
    lat: fields.lat,
    lng: fields.lng,
    h3_cell: fields.h3Cell,
    h3_coarse: fields.h3Cell === undefined ? undefined : fields.h3Cell === null ? null : coarseCellOf(fields.h3Cell),
    located_at: fields.locatedAt,
  };
}

/** Inserts a card; it is verified when its owner's account is. Only under the owner's lock (insertCardWithinLimits). */
async function insertCard(db: Db, card: { id: string; ownerId: string; kind: CardKind } & CardFields, companyId: string | null): Promise<Card> {
  const row = await db
    .insertInto('cards')
    .values((eb) => ({
      id: card.id,
      owner_id: card.ownerId,
      kind: card.kind,
      ...toRow(card),
      title: card.title,
      verified: eb.selectFrom('users').select('verified').where('id', '=', card.ownerId),
      company_id: companyId,
    }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return cardFromRow(row);
}

export type CardCreation =
  | { readonly kind: 'created'; readonly card: Card }
  | Extract<CardCreationDecision, { readonly kind: 'refused' }>
  | { readonly kind: 'no-account' };

/**
 * Inserts a card if its owner's cards leave room for it (`decideCardCreation`), counted
 * under the owner's `users` row lock: an account's creations take turns, each counting
 * the ones before it, so concurrent ones on any nodes never pass the limits. A deleted
 * account (its erasure holds the row until it commits) gets no card: `no-account`.
 */
export function insertCardWithinLimits(
  db: Kysely<Database>,
  card: { id: string; ownerId: string; kind: CardKind } & CardFields,
  /** Cards created since count toward MAX_NEW_CARDS. */
  newSince: Date,
): Promise<CardCreation> {
  return db.transaction().execute(async (tx): Promise<CardCreation> => {
    const owner = await lockLiveAccount(tx, card.ownerId);
    if (!owner) return { kind: 'no-account' };
    const decision = decideCardCreation({ role: owner.role, kind: card.kind, ...(await countCardsByOwner(tx, card.ownerId, newSince)) });
    if (decision.kind === 'refused') return decision;
    // A job is posted for its owner's company (none for a recruiter in none). Their membership is read
    // for share: taking them out of the company waits for this card, and then deactivates it with the rest.
    const company = card.kind === 'job' ? await tx.selectFrom('company_members').select('company_id').where('user_id', '=', card.ownerId).forShare().executeTakeFirst() : undefined;
    return { kind: 'created', card: await insertCard(tx, card, company?.company_id ?? null) };
  });
}

/** Inserts many cards in one statement; for seeding load tests. */
export async function insertCardsBulk(db: Db, cards: ReadonlyArray<{ id: string; ownerId: string; kind: CardKind } & CardFields>): Promise<void> {
  if (cards.length === 0) return;
  await db
    .insertInto('cards')
    .values(cards.map((card) => ({ id: card.id, owner_id: card.ownerId, kind: card.kind, ...toRow(card), title: card.title })))
    .execute();
}

/** Where a job stands of its own and since when (ms), or undefined for one placed nowhere (it searches from its owner's location). */
export async function findJobPlacement(db: Db, cardId: string): Promise<{ readonly lat: number; readonly lng: number; readonly atMs: number } | undefined> {
  const row = await db.selectFrom('cards').select(['lat', 'lng', 'located_at']).where('id', '=', cardId).where('kind', '=', 'job').executeTakeFirst();
  if (!row || row.lat === null || row.lng === null) return undefined;
  return { lat: row.lat, lng: row.lng, atMs: row.located_at?.getTime() ?? 0 };
}

export async function findCardById(db: Db, id: string): Promise<Card | undefined> {
  const row = await db.selectFrom('cards').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? cardFromRow(row) : undefined;
}

/**
 * A page of the owner's cards, oldest first: up to `limit` after the card `after` (the last of
 * the previous page), and whether more follow; undefined when `after` is not one of theirs.
 */
export async function listCardsByOwner(
  db: Db,
  ownerId: string,
  page: { readonly limit: number; readonly after?: string },
): Promise<{ cards: Card[]; more: boolean } | undefined> {
  let query = db.selectFrom('cards').selectAll().where('owner_id', '=', ownerId);
  if (page.after !== undefined) {
    const from = await db.selectFrom('cards').select('id').where('id', '=', page.after).where('owner_id', '=', ownerId).executeTakeFirst();
    if (!from) return undefined;
    // Compared in the database: a timestamp read into JavaScript loses its microseconds.
    query = query.where(sql<boolean>`(created_at, id) > (select c.created_at, c.id from cards c where c.id = ${page.after})`);
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(page.limit + 1).execute();
  return { cards: rows.slice(0, page.limit).map(cardFromRow), more: rows.length > page.limit };
}

/** What the limits of an account's cards count (decideCardCreation). */
/** The owner's active cards by kind, and the cards they created since `since`, active or not. */
async function countCardsByOwner(db: Db, ownerId: string, since: Date): Promise<{ activePersonCards: number; activeJobCards: number; newCards: number }> {
  const rows = await db
    .selectFrom('cards')
    .select(['kind', 'active', sql<boolean>`created_at >= ${since}`.as('new'), db.fn.countAll<string>().as('count')])
    .where('owner_id', '=', ownerId)
    .groupBy(['kind', 'active', 'new'])
    .execute();
  const count = (counted: (row: (typeof rows)[number]) => boolean) => rows.filter(counted).reduce((n, r) => n + Number(r.count), 0);
  return {
    activePersonCards: count((r) => r.active && r.kind === 'person'),
    activeJobCards: count((r) => r.active && r.kind === 'job'),
    newCards: count((r) => r.new),
  };
}

export async function updateCard(db: Db, id: string, fields: Partial<CardFields>): Promise<Card> {
  const row = await db
    .updateTable('cards')
    .set({ ...toRow(fields), updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return cardFromRow(row);
}

export async function deactivateCard(db: Db, id: string): Promise<Card> {
  const row = await db.updateTable('cards').set({ active: false, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  return cardFromRow(row);
}

/**
 * Deactivates the owner's active job cards, only those posted for `companyId` when it is given
 * (its owner left that company), all of them otherwise (they may post jobs no more). The ids deactivated,
 * for discovery to withdraw them as a card's deactivation does.
 */
export async function deactivateJobCards(db: Db, ownerId: string, companyId?: string): Promise<string[]> {
  let query = db.updateTable('cards').set({ active: false, updated_at: new Date() }).where('owner_id', '=', ownerId).where('kind', '=', 'job').where('active', '=', true);
  if (companyId !== undefined) query = query.where('company_id', '=', companyId);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}
