/**
 * The grouping the engine's dispatch uses for renewals and recorded sends (src/db/coalesce.ts):
 * every caller gets its own item's result, items that arrive while the allowed flushes run form the
 * next group, never more flushes run at once than allowed, and a failed flush fails its group only.
 */
import { describe, expect, it } from 'vitest';
import { coalesce } from '../src/db/coalesce.js';

/** A flush that records its groups and finishes when told to. */
function controlledFlush() {
  const groups: number[][] = [];
  const pending: { items: number[]; finish: (fail?: boolean) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const flush = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      groups.push(items);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push({
        items,
        finish: (fail) => {
          inFlight--;
          if (fail) reject(new Error(`group ${items.join(',')} failed`));
          else resolve(items.map((i) => `done ${i}`));
        },
      });
    });
  return { flush, groups, pending, maxInFlight: () => maxInFlight };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('coalesce', () => {
  it('one flush at a time: items arriving meanwhile form the next group, each caller gets its own result', async () => {
    const c = controlledFlush();
    const push = coalesce(c.flush);
    const first = [push(1), push(2)];
    await turn();
    expect(c.groups).toEqual([[1, 2]]);
    const second = [push(3), push(4), push(5)];
    await turn();
    expect(c.groups).toHaveLength(1);
    c.pending[0]?.finish();
    expect(await Promise.all(first)).toEqual(['done 1', 'done 2']);
    await turn();
    expect(c.groups).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    c.pending[1]?.finish();
    expect(await Promise.all(second)).toEqual(['done 3', 'done 4', 'done 5']);
    expect(c.maxInFlight()).toBe(1);
  });

  it('with parallel 2, a second group starts while the first runs, and never a third', async () => {
    const c = controlledFlush();
    const push = coalesce(c.flush, 2);
    const a = push(1);
    await turn();
    const b = push(2);
    await turn();
    const rest = [push(3), push(4)];
    await turn();
    await turn();
    expect(c.groups).toEqual([[1], [2]]);
    c.pending[0]?.finish();
    expect(await a).toBe('done 1');
    await turn();
    expect(c.groups).toEqual([[1], [2], [3, 4]]);
    c.pending[1]?.finish();
    c.pending[2]?.finish();
    expect(await b).toBe('done 2');
    expect(await Promise.all(rest)).toEqual(['done 3', 'done 4']);
    expect(c.maxInFlight()).toBe(2);
  });

  it('a failed flush rejects its own group only', async () => {
    const c = controlledFlush();
    const push = coalesce(c.flush);
    const first = [push(1), push(2)];
    await turn();
    const later = push(3);
    c.pending[0]?.finish(true);
    await expect(first[0]).rejects.toThrow('group 1,2 failed');
    await expect(first[1]).rejects.toThrow('group 1,2 failed');
    await turn();
    c.pending[1]?.finish();
    expect(await later).toBe('done 3');
  });

  it('maxItems bounds a group: the rest goes in the next flush, in a parallel one when allowed', async () => {
    const c = controlledFlush();
    const push = coalesce(c.flush, 2, 3);
    const all = [1, 2, 3, 4, 5, 6, 7].map((i) => push(i));
    await turn();
    await turn();
    expect(c.groups).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    c.pending[0]?.finish();
    await turn();
    await turn();
    expect(c.groups[2]).toEqual([7]);
    c.pending[1]?.finish();
    c.pending[2]?.finish();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `done ${i}`));
    expect(c.maxInFlight()).toBe(2);
  });
});
