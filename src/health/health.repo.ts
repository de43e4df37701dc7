/** SQL of the health checks: a round trip to the database and the workers' heartbeats. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';

/** One round trip; throws when the database cannot be reached. */
export async function pingDatabase(db: Executor): Promise<void> {
  await sql`select 1`.execute(db);
}

export async function upsertHeartbeat(
  db: Executor,
  beat: { workerId: string; startedAt: number; seenAt: number; pid: number; host: string },
): Promise<void> {
  await db
    .insertInto('worker_heartbeats')
    .values({
      worker_id: beat.workerId,
      started_at: beat.startedAt,
      seen_at: beat.seenAt,
      pid: beat.pid,
      host: beat.host,
    })
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ seen_at: beat.seenAt }))
    .execute();
}

export async function deleteHeartbeat(db: Executor, workerId: string): Promise<void> {
  await db.deleteFrom('worker_heartbeats').where('worker_id', '=', workerId).execute();
}

/** The most recent heartbeat of any worker, or null when none has ever beaten. */
export async function latestHeartbeatAt(db: Executor): Promise<number | null> {
  const row = await db
    .selectFrom('worker_heartbeats')
    .select((eb) => eb.fn.max('seen_at').as('seen'))
    .executeTakeFirst();
  return row?.seen == null ? null : Number(row.seen);
}

/** Forget workers not seen since `before` (a crashed process never removes its own row). */
export async function deleteHeartbeatsBefore(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('worker_heartbeats').where('seen_at', '<', before).execute();
}
