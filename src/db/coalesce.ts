/**
 * Group work that arrives at about the same time: each caller pushes one item and gets its own result,
 * while `flush` handles every item waiting at that moment together (one statement or one transaction
 * for all of them: one commit, one fsync). Items pushed while `parallel` flushes run wait for the next
 * one, so under load the groups grow by themselves and with one caller nothing waits longer than a
 * turn of the event loop. `parallel` above 1 suits a database that commits several connections at
 * once (Postgres); SQLite has one writer, so one flush at a time. `maxItems` bounds a group (the rest
 * waits for the next flush), so that under overload one query does not grow without limit.
 */
export function coalesce<T, R>(
  flush: (items: T[]) => Promise<R[]>,
  parallel = 1,
  maxItems = Number.POSITIVE_INFINITY,
): (item: T) => Promise<R> {
  type Waiting = { item: T; resolve: (r: R) => void; reject: (err: unknown) => void };
  let waiting: Waiting[] = [];
  let running = 0;
  let scheduled = false;
  const flushGroup = async (group: Waiting[]) => {
    try {
      const out = await flush(group.map((w) => w.item));
      group.forEach((w, i) => {
        w.resolve(out[i] as R);
      });
    } catch (err) {
      for (const w of group) w.reject(err);
    }
  };
  const run = async () => {
    running++;
    while (waiting.length > 0) {
      const group = waiting.length > maxItems ? waiting.splice(0, maxItems) : waiting;
      if (group === waiting) waiting = [];
      // What is left over may start in another flush, if one is allowed.
      else schedule();
      await flushGroup(group);
    }
    running--;
  };
  const schedule = () => {
    if (scheduled || running >= parallel) return;
    scheduled = true;
    // After the callers of this turn of the event loop have pushed theirs.
    setImmediate(() => {
      scheduled = false;
      if (waiting.length > 0 && running < parallel) void run();
    });
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      schedule();
    });
}

/**
 * `coalesce` kept per database (a process may hold several): `flush` gets the database its items were
 * pushed for, and each database's items are grouped apart.
 */
export function coalescePerDb<D extends object, T, R>(
  flush: (db: D, items: T[]) => Promise<R[]>,
  parallel = 1,
  maxItems = Number.POSITIVE_INFINITY,
): (db: D, item: T) => Promise<R> {
  const byDb = new WeakMap<D, (item: T) => Promise<R>>();
  return (db, item) => {
    let push = byDb.get(db);
    if (!push) {
      push = coalesce((items: T[]) => flush(db, items), parallel, maxItems);
      byDb.set(db, push);
    }
    return push(item);
  };
}
