/** How many web sessions a user has, read straight from the table (tests only). */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';

export async function listSessionCount(db: Kysely<Database>, userId: number): Promise<number> {
  const row = await db
    .selectFrom('web_sessions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
