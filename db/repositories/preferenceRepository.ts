import type { Kysely, Transaction } from 'kysely';
import { DEFAULT_PREFERENCES, type Preferences } from '../../domain/preferences';
import type { Database } from '../types';

export { DEFAULT_PREFERENCES, type Preferences };

type Db = Kysely<Database> | Transaction<Database>;

export async function findPreferences(db: Db, userId: string): Promise<Preferences> {
  const row = await db.selectFrom('preferences').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (!row) return DEFAULT_PREFERENCES;
  return {
    maxDistanceKm: row.max_distance_km,
    ageMin: row.age_min,
    ageMax: row.age_max,
    salaryMin: row.salary_min,
    remoteOnly: row.remote_only,
    minExperienceYears: row.min_experience_years,
    workAuthorizations: row.work_authorizations,
    cardKind: row.card_kind,
  };
}

export async function savePreferences(db: Db, userId: string, preferences: Preferences): Promise<void> {
  const values = {
    max_distance_km: preferences.maxDistanceKm,
    age_min: preferences.ageMin,
    age_max: preferences.ageMax,
    salary_min: preferences.salaryMin,
    remote_only: preferences.remoteOnly,
    min_experience_years: preferences.minExperienceYears,
    work_authorizations: JSON.stringify(preferences.workAuthorizations),
    card_kind: preferences.cardKind,
    updated_at: new Date(),
  };
  await db
    .insertInto('preferences')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}
