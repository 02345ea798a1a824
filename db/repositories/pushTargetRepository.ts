import { sql, type Kysely, type Transaction } from 'kysely';
import type { PushTarget } from '../../domain/push/notification';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * A device's push target, replacing the one it registered before, and of the person's
 * other devices only the `kept - 1` registered last stay (this one is kept whatever the
 * nodes' clocks say). The address (token or endpoint) is taken from any other account or
 * device that registered it: an app signed into another account on the same install
 * registers the same token, and the account before must not be pushed to that phone any
 * more (its sign-out may never have reached us). One transaction; the address is unique
 * (migration 2026_12_09_0028). Answers the person's devices that were let go, or undefined
 * for an account banned or deleted (nothing is stored). The target is the log-in session's
 * (`sessionId`): it is pushed while that session is live (liveSessionOf).
 *
 * A person's registrations take turns on their `users` row (`lockPushDevicesOf`), so each
 * counts the devices the ones before it stored: registrations sent at once, on any nodes,
 * never keep more than `kept`. The row comes first, the address's lock second, the push
 * targets last: a ban and an erasure also hold the row before they delete the targets.
 */
export async function savePushTarget(
  db: Kysely<Database>,
  input: { userId: string; deviceId: string; target: PushTarget; sessionId: string; at: Date },
  kept: number,
): Promise<string[] | undefined> {
  const { platform } = input.target;
  const address = input.target.platform === 'webpush' ? input.target.endpoint : input.target.token;
  const values = { platform, target: JSON.stringify(input.target), session_id: input.sessionId, updated_at: input.at };
  return db.transaction().execute(async (trx) => {
    if (!(await lockPushDevicesOf(trx, input.userId))) return undefined;
    // Registrations of one address wait for each other, so the later one sees the earlier and takes the address from it.
    await sql`select pg_advisory_xact_lock(hashtext(${`kismet:push-address:${platform}:${address}`}))`.execute(trx);
    // The index's expression as written there, so the delete reaches the row through it.
    await sql`
      delete from push_targets
       where platform = ${platform} and md5(coalesce(target->>'endpoint', target->>'token')) = md5(${address}::text)
         and not (user_id = ${input.userId} and device_id = ${input.deviceId})`.execute(trx);
    const letGo = await trx
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
  });
}

/**
 * The person's turn to change their push devices, to the transaction's end: their `users` row
 * held `for no key update`, before any other lock of a registration. Without it concurrent
 * registrations each trimmed to the devices committed before they began, none counting the
 * others', and all of them stayed until a later registration trimmed. The mode is the one a
 * batch of events takes on the row: it waits for no foreign key's key-share lock. A log-in or
 * refresh reading the account `for share`, a ban and an erasure (each holds the row before it
 * deletes the account's targets) wait for it, or it for them and reads what they stored:
 * false for an account banned or deleted, which keeps no device.
 */
async function lockPushDevicesOf(trx: Transaction<Database>, userId: string): Promise<boolean> {
  const row = await trx.selectFrom('users').select('status').where('id', '=', userId).where('deleted_at', 'is', null).forNoKeyUpdate().executeTakeFirst();
  return row?.status === 'active';
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
