/**
 * Group work that arrives at about the same time: each caller pushes one item and gets its own result,
 * while `flush` handles every item waiting at that moment together (one statement or one transaction
 * for all of them: one commit, one fsync). Items pushed while a flush runs wait for the next one, so
 * under load the groups grow by themselves and with one caller nothing waits longer than a turn of the
 * event loop.
 */
export function coalesce<T, R>(flush: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  let running = false;
  const run = async () => {
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        const out = await flush(group.map((w) => w.item));
        group.forEach((w, i) => {
          w.resolve(out[i] as R);
        });
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    running = false;
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (running) return;
      running = true;
      // After the callers of this turn of the event loop have pushed theirs.
      setImmediate(() => {
        void run();
      });
    });
}
