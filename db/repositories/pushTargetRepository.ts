import type { Kysely, Transaction } from 'kysely';
import type { PushTarget } from '../../domain/push/notification';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * A device's push target, replacing the one it registered before, and of the person's
 * other devices only the `kept - 1` registered last stay (this one is kept whatever the
 * nodes' clocks say), in one statement. Answers the devices that were let go.
 */
export async function savePushTarget(
  db: Db,
  input: { userId: string; deviceId: string; target: PushTarget; sessionId: string | undefined; at: Date },
  kept: number,
): Promise<string[]> {
  const values = { platform: input.target.platform, target: JSON.stringify(input.target), session_id: input.sessionId ?? null, updated_at: input.at };
  const letGo = await db
    .with('saved', (w) =>
      w
        .insertInto('push_targets')
        .values({ user_id: input.userId, device_id: input.deviceId, ...values })
        .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet(values)),
    )
    .deleteFrom('push_targets')
    .where('user_id', '=', input.userId)
    .where('device_id', 'in', (eb) =>
      eb
        .selectFrom('push_targets')
        .select('device_id')
        .where('user_id', '=', input.userId)
        .where('device_id', '<>', input.deviceId)
        .orderBy('updated_at', 'desc')
        .orderBy('device_id')
        .offset(kept - 1),
    )
    .returning('device_id')
    .execute();
  return letGo.map((r) => r.device_id);
}

/** Removes a device's target; false when it had none. */
export async function deletePushTarget(db: Db, userId: string, deviceId: string): Promise<boolean> {
  const result = await db.deleteFrom('push_targets').where('user_id', '=', userId).where('device_id', '=', deviceId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** A log-in session ended: the devices it registered are reached no more. */
export async function deletePushTargetsOfSession(db: Db, sessionId: string): Promise<number> {
  const result = await db.deleteFrom('push_targets').where('session_id', '=', sessionId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A banned account: none of its devices is pushed anything again. */
export async function deletePushTargetsOfUser(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('push_targets').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A target the provider said is gone: deleted only if it is still the one that was sent to. */
export async function deleteGonePushTarget(db: Db, userId: string, deviceId: string, target: PushTarget): Promise<void> {
  await db
    .deleteFrom('push_targets')
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('target', '=', JSON.stringify(target))
    .execute();
}

export async function setPushPreviews(db: Db, userId: string, previews: boolean): Promise<void> {
  await db.updateTable('users').set({ push_previews: previews }).where('id', '=', userId).execute();
}
