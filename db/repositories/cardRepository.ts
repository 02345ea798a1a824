import type { Kysely, Selectable, Transaction } from 'kysely';
import { decideCardCreation, type Card, type CardCreationDecision, type CardKind, type PhotoRef } from '../../domain/cardRules';
import { coarseCellOf } from '../../domain/geo';
import type { CardsTable, Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

export type CardFields = Omit<Card, 'id' | 'ownerId' | 'kind' | 'verified' | 'active' | 'photos'> & { photos?: readonly PhotoRef[] };

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
  };
}

/** Inserts a card; it is verified when its owner's account is. Only under the owner's lock (insertCardWithinLimits). */
async function insertCard(db: Db, card: { id: string; ownerId: string; kind: CardKind } & CardFields): Promise<Card> {
  const row = await db
    .insertInto('cards')
    .values((eb) => ({
      id: card.id,
      owner_id: card.ownerId,
      kind: card.kind,
      ...toRow(card),
      title: card.title,
      verified: eb.selectFrom('users').select('verified').where('id', '=', card.ownerId),
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
export function insertCardWithinLimits(db: Kysely<Database>, card: { id: string; ownerId: string; kind: CardKind } & CardFields): Promise<CardCreation> {
  return db.transaction().execute(async (tx): Promise<CardCreation> => {
    const owner = await tx.selectFrom('users').select('role').where('id', '=', card.ownerId).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
    if (!owner) return { kind: 'no-account' };
    const counts = await countActiveCardsByOwner(tx, card.ownerId);
    const decision = decideCardCreation({ role: owner.role, kind: card.kind, activePersonCards: counts.person, activeJobCards: counts.job });
    if (decision.kind === 'refused') return decision;
    return { kind: 'created', card: await insertCard(tx, card) };
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

export async function findCardById(db: Db, id: string): Promise<Card | undefined> {
  const row = await db.selectFrom('cards').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? cardFromRow(row) : undefined;
}

export async function listCardsByOwner(db: Db, ownerId: string): Promise<Card[]> {
  const rows = await db.selectFrom('cards').selectAll().where('owner_id', '=', ownerId).orderBy('created_at').orderBy('id').execute();
  return rows.map(cardFromRow);
}

export async function countActiveCardsByOwner(db: Db, ownerId: string): Promise<{ person: number; job: number }> {
  const rows = await db
    .selectFrom('cards')
    .select(['kind', db.fn.countAll<string>().as('count')])
    .where('owner_id', '=', ownerId)
    .where('active', '=', true)
    .groupBy('kind')
    .execute();
  const count = (kind: CardKind) => Number(rows.find((r) => r.kind === kind)?.count ?? 0);
  return { person: count('person'), job: count('job') };
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
